"""The campaigns pages of the portal (/portal/campaigns/...). loyalty/portal/urls.py adds these
to its own list, so they live in the `portal` namespace with the rest of the portal."""

from django.urls import path

from campaigns.portal.views import index, rfm

urlpatterns = [
    path("campaigns/", index.campaigns_home, name="campaigns"),
    path("campaigns/segments/rfm/", rfm.rfm_segments, name="campaigns_rfm"),
]

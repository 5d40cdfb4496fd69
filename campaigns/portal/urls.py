"""The campaigns pages of the portal (/portal/campaigns/...). loyalty/portal/urls.py adds these
to its own list, so they live in the `portal` namespace with the rest of the portal."""

from django.urls import path

from campaigns.portal.views import index, messaging_settings

urlpatterns = [
    path("campaigns/", index.campaigns_home, name="campaigns"),
    path(
        "campaigns/settings/",
        messaging_settings.messaging_settings,
        name="campaigns_settings",
    ),
]

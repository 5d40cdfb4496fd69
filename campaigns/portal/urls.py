"""The campaigns pages of the portal (/portal/campaigns/...). loyalty/portal/urls.py adds these
to its own list, so they live in the `portal` namespace with the rest of the portal."""

from django.urls import path

from campaigns.portal.views import index, segments

urlpatterns = [
    path("campaigns/", index.campaigns_home, name="campaigns"),
    path("campaigns/segments/", segments.segment_list, name="segments"),
    path("campaigns/segments/new/", segments.segment_new, name="segment_new"),
    path("campaigns/segments/count/", segments.segment_count, name="segment_count"),
    path("campaigns/segments/<int:segment_id>/", segments.segment_edit, name="segment_edit"),
    path(
        "campaigns/segments/<int:segment_id>/delete/",
        segments.segment_delete,
        name="segment_delete",
    ),
]

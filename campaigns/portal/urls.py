"""The campaigns pages of the portal (/portal/campaigns/...). loyalty/portal/urls.py adds these
to its own list, so they live in the `portal` namespace with the rest of the portal."""

from django.urls import path

from campaigns.portal.views import index, promotions

urlpatterns = [
    path("campaigns/", index.campaigns_home, name="campaigns"),
    path("campaigns/promotions/", promotions.promotion_list, name="promotions"),
    path("campaigns/promotions/new/", promotions.promotion_new, name="promotion_new"),
    path(
        "campaigns/promotions/<int:promotion_id>/",
        promotions.promotion_edit,
        name="promotion_edit",
    ),
    path(
        "campaigns/promotions/<int:promotion_id>/end/",
        promotions.promotion_end,
        name="promotion_end",
    ),
]

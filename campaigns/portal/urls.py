"""The campaigns pages of the portal (/portal/campaigns/...). loyalty/portal/urls.py adds these
to its own list, so they live in the `portal` namespace with the rest of the portal."""

from django.urls import path

from campaigns.portal.views import (
    campaigns,
    index,
    messaging_settings,
    promotions,
    recap,
    rfm,
    segments,
    steps,
    templates,
)

urlpatterns = [
    path("campaigns/", index.campaigns_home, name="campaigns"),
    path("campaigns/new/", campaigns.campaign_new, name="campaign_new"),
    path("campaigns/plan/", campaigns.campaign_plan, name="campaign_plan"),
    path("campaigns/recap/", recap.monthly_recap, name="campaigns_recap"),
    path("campaigns/<int:campaign_id>/", campaigns.campaign_detail, name="campaign"),
    path("campaigns/<int:campaign_id>/launch/", campaigns.campaign_launch, name="campaign_launch"),
    path(
        "campaigns/<int:campaign_id>/variants/<int:variant_id>/steps/new/",
        steps.step_new,
        name="campaign_step_new",
    ),
    path(
        "campaigns/<int:campaign_id>/steps/<int:step_id>/delete/",
        steps.step_delete,
        name="campaign_step_delete",
    ),
    path("campaigns/templates/", templates.template_list, name="templates"),
    path("campaigns/templates/new/", templates.template_new, name="template_new"),
    path("campaigns/templates/<int:template_id>/", templates.template_edit, name="template_edit"),
    path("campaigns/templates/preview/", templates.template_preview, name="template_preview"),
    path(
        "campaigns/templates/preview/email/",
        templates.template_email_preview,
        name="template_email_preview",
    ),
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
    path("campaigns/segments/rfm/", rfm.rfm_segments, name="campaigns_rfm"),
    path("campaigns/segments/", segments.segment_list, name="segments"),
    path("campaigns/segments/new/", segments.segment_new, name="segment_new"),
    path("campaigns/segments/count/", segments.segment_count, name="segment_count"),
    path("campaigns/segments/<int:segment_id>/", segments.segment_edit, name="segment_edit"),
    path(
        "campaigns/segments/<int:segment_id>/members/",
        segments.segment_members,
        name="segment_members",
    ),
    path(
        "campaigns/segments/<int:segment_id>/delete/",
        segments.segment_delete,
        name="segment_delete",
    ),
    path(
        "campaigns/settings/",
        messaging_settings.messaging_settings,
        name="campaigns_settings",
    ),
]

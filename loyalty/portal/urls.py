"""The portal's URLs (/portal/); the members, rewards and webhook pages add theirs."""

from django.urls import path

from campaigns.portal import urls as campaigns_portal_urls
from feedback.portal import urls as feedback_portal_urls
from loyalty.portal.views import (
    account,
    cohorts,
    insights,
    insights_overview,
    insights_report,
    liability,
    program,
    purchases,
    settings,
    staff_flags,
    start,
    till_guide,
)
from loyalty.webhooks import urls as webhooks_urls
from members.portal import urls as members_portal_urls
from rewards.portal import urls as rewards_portal_urls

app_name = "portal"

urlpatterns = [
    path("", start.dashboard, name="dashboard"),
    path("switch/", start.switch_merchant, name="switch_merchant"),
    path("staff-flags/", staff_flags.staff_flags_page, name="staff_flags"),
    path("me/language/", account.my_language, name="my_language"),
    path("insights/", insights_overview.overview, name="insights"),
    path("insights/at-risk/", insights.at_risk, name="insights_at_risk"),
    path("insights/cohorts/", cohorts.cohorts, name="insights_cohorts"),
    path("insights/liability/", liability.liability_page, name="insights_liability"),
    path("insights/liability/count/", liability.liability_count, name="insights_liability_count"),
    path("insights/report/", insights_report.monthly_report, name="insights_report"),
    path("purchases/", purchases.purchases, name="purchases"),
    path("purchases/<int:purchase_id>/", purchases.purchase, name="purchase"),
    path(
        "purchases/<int:purchase_id>/reverse/",
        purchases.purchase_reverse,
        name="purchase_reverse",
    ),
    path("points/adjust/", purchases.adjust_points, name="adjust_points"),
    path("program/", program.program_settings, name="program"),
    path("program/tiers/", program.tiers, name="tiers"),
    path("program/tiers/new/", program.tier_form, name="tier_new"),
    path("program/tiers/<int:tier_id>/", program.tier_form, name="tier_edit"),
    path("program/tiers/<int:tier_id>/delete/", program.tier_delete, name="tier_delete"),
    path("settings/", settings.settings_index, name="settings"),
    path("settings/profile/", settings.profile, name="settings_profile"),
    path("settings/poster/", settings.counter_poster, name="settings_poster"),
    path("settings/shops/", settings.shops, name="settings_shops"),
    path("settings/shops/new/", settings.shop_form, name="settings_shop_new"),
    path("settings/shops/<int:shop_id>/", settings.shop_form, name="settings_shop_edit"),
    path(
        "settings/shops/<int:shop_id>/archive/",
        settings.shop_archive,
        name="settings_shop_archive",
    ),
    path("settings/staff/", settings.staff, name="settings_staff"),
    path("settings/staff/<int:staff_id>/", settings.staff_edit, name="settings_staff_edit"),
    path(
        "settings/staff/<int:staff_id>/remove/",
        settings.staff_remove,
        name="settings_staff_remove",
    ),
    path(
        "settings/invitations/<int:invitation_id>/revoke/",
        settings.invitation_revoke,
        name="settings_invitation_revoke",
    ),
    path("settings/api-keys/", settings.api_keys, name="settings_api_keys"),
    path(
        "settings/api-keys/<int:key_id>/revoke/",
        settings.api_key_revoke,
        name="settings_api_key_revoke",
    ),
    path("settings/api/", till_guide.api_guide, name="settings_api_guide"),
    path("settings/audit/", settings.audit_log, name="settings_audit"),
]

# The members pages are in the members app; they share the portal's namespace.
urlpatterns += members_portal_urls.urlpatterns

# The webhook pages are in loyalty/webhooks (owners only); same namespace.
urlpatterns += webhooks_urls.urlpatterns

# The rewards pages are in the rewards app; same namespace.
urlpatterns += rewards_portal_urls.urlpatterns

# The campaigns pages are in the campaigns app; same namespace.
urlpatterns += campaigns_portal_urls.urlpatterns
# The feedback pages are in the feedback app; same namespace.
urlpatterns += feedback_portal_urls.urlpatterns

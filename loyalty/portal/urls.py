from django.urls import path

from loyalty.portal.views import (
    program as program_views,
)
from loyalty.portal.views import (
    purchases as points_views,
)
from loyalty.portal.views import (
    settings as settings_views,
)
from loyalty.portal.views import (
    start as views,
)
from loyalty.portal.views import till_guide as api_guide
from loyalty.pos.views import main as pos_views
from loyalty.webhooks import urls as webhooks_urls
from members.portal import urls as members_portal_urls
from rewards.portal import urls as rewards_portal_urls

app_name = "portal"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("switch/", views.switch_merchant, name="switch_merchant"),
    path("staff-flags/", pos_views.staff_flags, name="staff_flags"),
    path("purchases/", points_views.purchases, name="purchases"),
    path("purchases/<int:purchase_id>/", points_views.purchase, name="purchase"),
    path(
        "purchases/<int:purchase_id>/reverse/",
        points_views.purchase_reverse,
        name="purchase_reverse",
    ),
    path("points/adjust/", points_views.adjust_points, name="adjust_points"),
    path("program/", program_views.program_settings, name="program"),
    path("program/tiers/", program_views.tiers, name="tiers"),
    path("program/tiers/new/", program_views.tier_form, name="tier_new"),
    path("program/tiers/<int:tier_id>/", program_views.tier_form, name="tier_edit"),
    path("program/tiers/<int:tier_id>/delete/", program_views.tier_delete, name="tier_delete"),
    path("settings/", settings_views.settings_index, name="settings"),
    path("settings/profile/", settings_views.profile, name="settings_profile"),
    path("settings/shops/", settings_views.shops, name="settings_shops"),
    path("settings/shops/new/", settings_views.shop_form, name="settings_shop_new"),
    path("settings/shops/<int:shop_id>/", settings_views.shop_form, name="settings_shop_edit"),
    path(
        "settings/shops/<int:shop_id>/archive/",
        settings_views.shop_archive,
        name="settings_shop_archive",
    ),
    path("settings/staff/", settings_views.staff, name="settings_staff"),
    path("settings/staff/<int:staff_id>/", settings_views.staff_edit, name="settings_staff_edit"),
    path(
        "settings/staff/<int:staff_id>/remove/",
        settings_views.staff_remove,
        name="settings_staff_remove",
    ),
    path(
        "settings/invitations/<int:invitation_id>/revoke/",
        settings_views.invitation_revoke,
        name="settings_invitation_revoke",
    ),
    path("settings/api-keys/", settings_views.api_keys, name="settings_api_keys"),
    path(
        "settings/api-keys/<int:key_id>/revoke/",
        settings_views.api_key_revoke,
        name="settings_api_key_revoke",
    ),
    path("settings/api/", api_guide.api_guide, name="settings_api_guide"),
    path("settings/audit/", settings_views.audit_log, name="settings_audit"),
]

# The members pages are in the members app; they share the portal's namespace.
urlpatterns += members_portal_urls.urlpatterns

# The webhook pages are in loyalty/webhooks (owners only); same namespace.
urlpatterns += webhooks_urls.urlpatterns

# The rewards pages are in the rewards app; same namespace.
urlpatterns += rewards_portal_urls.urlpatterns

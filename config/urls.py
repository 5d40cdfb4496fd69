from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.contrib.admin import AdminSite
from django.urls import include, path
from django.views.generic import RedirectView

from loyalty.portal.views import language as language_views
from loyalty.portal.views import start as loyalty_views

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="start", permanent=False)),
    path("start/", loyalty_views.start, name="start"),
    path("healthz", loyalty_views.healthz, name="healthz"),
    path("welcome/", loyalty_views.onboarding, name="onboarding"),
    path("invite/<str:token>/", loyalty_views.accept_invitation, name="accept_invitation"),
    path("portal/", include("loyalty.portal.urls")),
    path("pos/", include("loyalty.pos.urls")),
    path("api/v1/", include("loyalty.api.urls")),
    path("m/<slug:merchant_slug>/", include("members.member_page.urls")),
    # Campaign links (tracked clicks, the open pixel, in-app dismissals) under the member page.
    path("m/<slug:merchant_slug>/", include("campaigns.member_page.tracking_urls")),
    path("accounts/", include("allauth.urls")),
    # The switcher also keeps the choice on the account (and the member's card); see the view.
    path("i18n/setlang/", language_views.set_language, name="set_language"),
]

if settings.ADMIN_ENABLED:
    # The admin's own password form would skip allauth's two-factor and rate limits: its sign-in
    # sends to allauth's instead. (The class's method, so that reloading this module in the
    # tests does not wrap the wrapper.)
    admin.site.login = secure_admin_login(AdminSite.login.__get__(admin.site))
    urlpatterns.append(path("admin/", admin.site.urls))

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

"""The member's pages, under /m/<merchant-slug>/ (config/urls.py includes them)."""

from django.urls import path

from members.member_page import views
from rewards.member_page import views as rewards_views

app_name = "member"

urlpatterns = [
    path("", views.card, name="card"),
    path("join", views.join, name="join"),
    path("welcome", views.welcome, name="welcome"),
    path("login", views.member_login, name="login"),
    path("login/phone", views.login_phone, name="login_phone"),
    path("login/sms", views.login_sms, name="login_sms"),
    path("logout", views.member_logout, name="logout"),
    path("history", views.history, name="history"),
    path("claim", views.claim, name="claim"),
    path("profile", views.profile, name="profile"),
    path("consent", views.consent, name="consent"),
    path("unsubscribe/<str:token>", views.unsubscribe, name="unsubscribe"),
    path("data.json", views.data_export, name="data_export"),
    path("delete", views.delete_account, name="delete"),
    path("rewards", rewards_views.catalogue, name="rewards"),
    path("rewards/<int:reward_id>/redeem", rewards_views.redeem, name="redeem"),
    path("vouchers", rewards_views.vouchers, name="vouchers"),
    # By id, not by code: a code in a URL lands in browser history and access logs.
    path("vouchers/<int:voucher_id>", rewards_views.voucher, name="voucher"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("icon.svg", views.icon, name="icon"),
]

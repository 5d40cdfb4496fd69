"""The member's pages, under /m/<merchant-slug>/ (config/urls.py includes them)."""

from django.urls import path

from campaigns.member_page import urls as campaigns_urls
from feedback.member_page import urls as feedback_urls
from members.member_page.views import app, card, join, profile, signin
from rewards.member_page import views as rewards_views

app_name = "member"

urlpatterns = [
    path("", card.card, name="card"),
    path("join", join.join, name="join"),
    path("welcome", join.welcome, name="welcome"),
    path("login", signin.member_login, name="login"),
    path("login/phone", signin.login_phone, name="login_phone"),
    path("login/sms", signin.login_sms, name="login_sms"),
    path("logout", signin.member_logout, name="logout"),
    path("history", card.history, name="history"),
    path("claim", card.claim, name="claim"),
    path("profile", profile.profile, name="profile"),
    path("consent", profile.consent, name="consent"),
    path("unsubscribe/<str:token>", profile.unsubscribe, name="unsubscribe"),
    path("data.json", profile.data_export, name="data_export"),
    path("delete", profile.delete_account, name="delete"),
    path("rewards", rewards_views.catalogue, name="rewards"),
    path("rewards/<int:reward_id>/redeem", rewards_views.redeem, name="redeem"),
    path("vouchers", rewards_views.vouchers, name="vouchers"),
    # By id, not by code: a code in a URL lands in browser history and access logs.
    path("vouchers/<int:voucher_id>", rewards_views.voucher, name="voucher"),
    path("manifest.webmanifest", app.manifest, name="manifest"),
    path("icon.svg", app.icon, name="icon"),
]

# The campaigns' pages (the messages' one-click unsubscribe); same namespace.
urlpatterns += campaigns_urls.urlpatterns
# The surveys' pages (answering by a signed link, the receipt's survey); same namespace.
urlpatterns += feedback_urls.urlpatterns

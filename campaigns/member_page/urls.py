"""The campaigns' URLs on the member page; members/member_page/urls.py adds them to its own
list, so they live in the `member` namespace under /m/<merchant-slug>/."""

from django.urls import path

from campaigns.member_page import views

urlpatterns = [
    path("messages/unsubscribe/<str:token>", views.message_unsubscribe, name="message_unsubscribe"),
]

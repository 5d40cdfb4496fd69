"""The survey pages under the member page (`/m/<merchant>/`); `members/member_page/urls.py`
adds them to the `member` namespace."""

from django.urls import path  # noqa: F401

urlpatterns: list = []

"""The feedback pages of the portal; `loyalty/portal/urls.py` adds them to the `portal`
namespace."""

from django.urls import path  # noqa: F401

urlpatterns: list = []

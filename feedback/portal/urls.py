"""The feedback pages of the portal; `loyalty/portal/urls.py` adds them to the `portal`
namespace."""

from django.urls import path

from feedback.portal.views import comments, dashboard

urlpatterns: list = [
    path("feedback/", dashboard.feedback_dashboard, name="feedback"),
    path("feedback/comments/", comments.feedback_comments, name="feedback_comments"),
    path("feedback/comments.csv", comments.feedback_comments_csv, name="feedback_comments_csv"),
]

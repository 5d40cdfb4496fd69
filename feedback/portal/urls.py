"""The feedback pages of the portal; `loyalty/portal/urls.py` adds them to the `portal`
namespace."""

from django.urls import path

from feedback.portal.views import topics

urlpatterns: list = [
    path("feedback/topics/", topics.topics, name="feedback_topics"),
    path("feedback/topics/try/", topics.topics_try, name="feedback_topics_try"),
    path(
        "feedback/topics/<int:keyword_id>/delete/",
        topics.topic_keyword_delete,
        name="feedback_topic_delete",
    ),
]

"""The feedback pages of the portal; `loyalty/portal/urls.py` adds them to the `portal`
namespace."""

from django.urls import path

from feedback.portal.views import cases, comments, dashboard, surveys, topics

urlpatterns: list = [
    path("feedback/", dashboard.feedback_dashboard, name="feedback"),
    path("feedback/comments/", comments.feedback_comments, name="feedback_comments"),
    path("feedback/comments.csv", comments.feedback_comments_csv, name="feedback_comments_csv"),
    path("feedback/survey/", surveys.survey_editor, name="feedback_survey"),
    path("feedback/cases/", cases.case_list, name="feedback_cases"),
    path("feedback/cases/<int:case_id>/", cases.case_detail, name="feedback_case"),
    path("feedback/cases/<int:case_id>/owner/", cases.case_owner, name="feedback_case_owner"),
    path("feedback/cases/<int:case_id>/status/", cases.case_status, name="feedback_case_status"),
    path("feedback/cases/<int:case_id>/note/", cases.case_note, name="feedback_case_note"),
    path("feedback/cases/<int:case_id>/reply/", cases.case_reply, name="feedback_case_reply"),
    path(
        "feedback/cases/<int:case_id>/recovery/",
        cases.case_recovery,
        name="feedback_case_recovery",
    ),
    path("feedback/cases/<int:case_id>/resolve/", cases.case_resolve, name="feedback_case_resolve"),
    path("feedback/topics/", topics.topics, name="feedback_topics"),
    path("feedback/topics/try/", topics.topics_try, name="feedback_topics_try"),
    path(
        "feedback/topics/<int:keyword_id>/delete/",
        topics.topic_keyword_delete,
        name="feedback_topic_delete",
    ),
]

"""The survey pages under the member page (`/m/<merchant>/`); `members/member_page/urls.py`
adds them to the `member` namespace."""

from django.urls import path

from feedback.member_page import views

urlpatterns: list = [
    # Before `survey/<token>/`: "receipt" is no signed token, but the order says it plainly.
    path("survey/receipt/<str:token>/", views.survey_receipt, name="survey_receipt"),
    path("survey/<str:token>/", views.survey, name="survey"),
    path("survey/<str:token>/stop/", views.survey_stop, name="survey_stop"),
]

"""The feedback app's tables: surveys, invitations and answers, cases. This package
re-exports them so that `from feedback.models import Answer` works."""

from feedback.models.answers import (
    Answer,
    AnswerSource,
    Invitation,
    InvitationStatus,
    NpsGroup,
    Sentiment,
    SurveyOptOut,
    Topic,
    TopicKeyword,
)
from feedback.models.cases import Case, CaseNote, CaseNoteKind, CaseOpenedBy, CaseStatus
from feedback.models.surveys import (
    FeedbackSettings,
    InviteChannel,
    QuestionKind,
    Survey,
    SurveyKind,
    SurveyQuestion,
)

__all__ = [
    "Answer",
    "AnswerSource",
    "Case",
    "CaseNote",
    "CaseNoteKind",
    "CaseOpenedBy",
    "CaseStatus",
    "FeedbackSettings",
    "Invitation",
    "InvitationStatus",
    "InviteChannel",
    "NpsGroup",
    "QuestionKind",
    "Sentiment",
    "Survey",
    "SurveyKind",
    "SurveyOptOut",
    "SurveyQuestion",
    "Topic",
    "TopicKeyword",
]

"""The feedback app's background jobs (django-q2), listed in `loyalty/schedules.py`."""

from feedback.cases.services import check_won_back
from feedback.surveys.sending import send_due_invitations


def send_survey_invitations() -> int:
    """Every five minutes: queue the due survey invitations as campaign messages (consent,
    cap and quiet hours apply there) and mark those sent or skipped."""
    return send_due_invitations()


def check_won_back_cases() -> int:
    """Nightly: cases resolved 30 days ago or more get their verdict, won back or not."""
    return check_won_back()

"""The feedback app's background jobs (django-q2), listed in `loyalty/schedules.py`."""

from feedback.surveys.sending import send_due_invitations


def send_survey_invitations() -> int:
    """Every five minutes: queue the due survey invitations as campaign messages (consent,
    cap and quiet hours apply there) and mark those sent or skipped."""
    return send_due_invitations()

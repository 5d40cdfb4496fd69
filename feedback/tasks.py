"""The feedback app's background jobs (django-q2), listed in `loyalty/schedules.py`."""

from feedback.cases.services import check_won_back


def check_won_back_cases() -> int:
    """Nightly: cases resolved 30 days ago or more get their verdict, won back or not."""
    return check_won_back()

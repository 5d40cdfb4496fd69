"""The feedback app's background jobs (django-q2), listed in `loyalty/schedules.py`."""

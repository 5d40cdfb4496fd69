"""The campaigns app's background jobs (django-q2 runs them by their dotted path)."""

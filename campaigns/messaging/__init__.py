"""Messages to members: templates, rendering, channels (email, SMS, in-app), consent and
fatigue, sending exactly once, and what happened to each message."""

"""Fixtures of the campaigns tests."""

from tests.campaigns.sending_kit import smtp_server  # noqa: F401 (the real SMTP server)

"""Sending SMS, behind a pluggable backend as Django sends email.

`settings.SMS_BACKEND` names the backend class by dotted path; when it is empty, SMS is not
configured and nothing offers it (the member sign-in shows no phone option). Two backends ship:
`ConsoleBackend` writes each message to stdout and the log (development), `LocmemBackend` keeps
them in `members.sms.outbox` (tests). A real provider is a class with the same `send_messages`.
"""

import logging
import sys
import threading
from dataclasses import dataclass
from typing import TextIO

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("fidela.sms")

# What LocmemBackend has sent, oldest first (tests empty it between runs).
outbox: list["SmsMessage"] = []


@dataclass(frozen=True)
class SmsMessage:
    to: str  # E.164
    body: str


class BaseBackend:
    """Sends a batch of messages; returns how many were sent."""

    def __init__(self, fail_silently: bool = False, **kwargs) -> None:
        self.fail_silently = fail_silently

    def send_messages(self, messages: list[SmsMessage]) -> int:
        raise NotImplementedError


class ConsoleBackend(BaseBackend):
    def __init__(self, *args, stream: TextIO | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.stream = stream or sys.stdout
        self._lock = threading.RLock()

    def send_messages(self, messages: list[SmsMessage]) -> int:
        with self._lock:
            for message in messages:
                self.stream.write(f"SMS to {message.to}\n{message.body}\n{'-' * 40}\n")
                logger.info("SMS to %s: %s", message.to, message.body)
            self.stream.flush()
        return len(messages)


class LocmemBackend(BaseBackend):
    def send_messages(self, messages: list[SmsMessage]) -> int:
        outbox.extend(messages)
        return len(messages)


def sms_configured() -> bool:
    return bool(getattr(settings, "SMS_BACKEND", None))


def get_backend(backend: str | None = None, **kwargs) -> BaseBackend:
    path = backend or getattr(settings, "SMS_BACKEND", None)
    if not path:
        raise RuntimeError("SMS is not configured: set SMS_BACKEND.")
    return import_string(path)(**kwargs)


def send_sms(to: str, body: str, *, fail_silently: bool = False) -> int:
    return get_backend(fail_silently=fail_silently).send_messages([SmsMessage(to=to, body=body)])

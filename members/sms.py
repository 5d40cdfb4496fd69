"""Sending SMS, behind a pluggable backend as Django sends email.

`settings.SMS_BACKEND` names the backend class by dotted path; when it is empty, SMS is not
configured and nothing offers it (the member sign-in shows no phone option). Backends that ship:
`ConsoleBackend` writes each message to stdout and the log (development), `FileBackend` writes
each to a file of its own in `SMS_FILE_PATH` (development), `LocmemBackend` keeps them in
`members.sms.outbox` (tests), and `JsonHttpBackend`, an example provider adapter: one JSON POST
per message to `SMS_HTTP_URL` with `SMS_HTTP_API_KEY`. Another provider is a class with the
same `send_messages`; a provider's refusal raises `SmsProviderError`, which a sender records.
"""

import json
import logging
import sys
import threading
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
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


class FileBackend(BaseBackend):
    """One file per message in a folder (`SMS_FILE_PATH`), to read what would have been sent."""

    def __init__(self, *args, file_path: str | Path | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.file_path = Path(file_path or settings.SMS_FILE_PATH)

    def send_messages(self, messages: list[SmsMessage]) -> int:
        self.file_path.mkdir(parents=True, exist_ok=True)
        for message in messages:
            stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
            name = self.file_path / f"{stamp}-{uuid.uuid4().hex[:12]}.txt"
            name.write_text(f"To: {message.to}\n\n{message.body}\n", encoding="utf-8")
        return len(messages)


class SmsProviderError(Exception):
    """The provider refused a message or could not be reached. `status` is its HTTP status
    (0 when there was no answer), `detail` the start of what it answered."""

    def __init__(self, message: str, *, status: int = 0, detail: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.detail = detail


class JsonHttpBackend(BaseBackend):
    """An example provider adapter: `POST SMS_HTTP_URL` with `{"to", "text", "from"}` as JSON
    and `Authorization: Bearer SMS_HTTP_API_KEY`, one request per message. Any 2xx answer is
    sent (its JSON `id`, if any, is kept in `sent_ids`); anything else, or no answer within
    `SMS_HTTP_TIMEOUT` seconds, raises `SmsProviderError` unless `fail_silently`.
    """

    def __init__(
        self,
        *args,
        url: str | None = None,
        api_key: str | None = None,
        sender: str | None = None,
        timeout: float | None = None,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.url = url or settings.SMS_HTTP_URL
        self.api_key = api_key if api_key is not None else settings.SMS_HTTP_API_KEY
        self.sender = sender if sender is not None else settings.SMS_HTTP_SENDER
        self.timeout = timeout or settings.SMS_HTTP_TIMEOUT
        if not self.url.startswith(("https://", "http://")):
            raise RuntimeError("JsonHttpBackend needs SMS_HTTP_URL (an http or https address).")
        self.sent_ids: list[str] = []

    def _post(self, message: SmsMessage) -> str:
        body = json.dumps({"to": message.to, "text": message.body, "from": self.sender})
        request = urllib.request.Request(  # noqa: S310 (the scheme is checked in __init__)
            self.url,
            data=body.encode(),
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                "Authorization": f"Bearer {self.api_key}",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:  # noqa: S310
                text = answer.read(4096).decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            detail = error.read(500).decode("utf-8", "replace")
            raise SmsProviderError(
                f"The SMS provider refused the message: HTTP {error.code} {detail[:200]}",
                status=error.code,
                detail=detail,
            ) from error
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise SmsProviderError(f"The SMS provider could not be reached: {error}") from error
        try:
            return str(json.loads(text).get("id", ""))
        except (ValueError, AttributeError):
            return ""

    def send_messages(self, messages: list[SmsMessage]) -> int:
        sent = 0
        for message in messages:
            try:
                self.sent_ids.append(self._post(message))
            except SmsProviderError:
                if not self.fail_silently:
                    raise
                logger.warning("SMS to %s not sent", message.to, exc_info=True)
                continue
            sent += 1
        return sent


def sms_configured() -> bool:
    return bool(getattr(settings, "SMS_BACKEND", None))


def get_backend(backend: str | None = None, **kwargs) -> BaseBackend:
    path = backend or getattr(settings, "SMS_BACKEND", None)
    if not path:
        raise RuntimeError("SMS is not configured: set SMS_BACKEND.")
    return import_string(path)(**kwargs)


def send_sms(to: str, body: str, *, fail_silently: bool = False) -> int:
    return get_backend(fail_silently=fail_silently).send_messages([SmsMessage(to=to, body=body)])

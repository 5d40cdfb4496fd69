"""What the sending tests share: a real SMTP server on localhost (aiosmtpd) that keeps what
arrived and can refuse or drop a given message, members with consents, and a clock.

tests/campaigns/conftest.py makes `smtp_server` a fixture of every campaigns test.
"""

import email
import logging
import socket
import threading
from datetime import datetime
from email.message import EmailMessage
from email.policy import default
from zoneinfo import ZoneInfo

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.core.mail.backends import smtp

from campaigns.messaging.queue import queue_message
from campaigns.models import Channel, Message, Purpose
from members.models import Member
from tests.factories import MemberFactory

BUCHAREST = ZoneInfo("Europe/Bucharest")


class Inbox:
    """The server's handler: what arrived, in order; `refuse` answers RCPT for an address,
    `answers` answers DATA for the n-th message (0-based), `drop_at` closes the connection
    instead of answering the n-th message's DATA."""

    def __init__(self) -> None:
        self.received: list[EmailMessage] = []
        self.refuse: dict[str, str] = {}
        self.answers: dict[int, str] = {}
        self.drop_at: set[int] = set()
        self.data_count = 0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            index = self.data_count
            self.data_count += 1
        if index in self.drop_at:
            server.transport.close()
            return "250 never heard"
        if index in self.answers:
            return self.answers[index]
        message = email.message_from_bytes(envelope.content, policy=default)
        with self.lock:
            self.received.append(message)
        return "250 Message accepted for delivery"

    def ids(self) -> list[int]:
        """The X-Fidela-Message id of each message that arrived, in order."""
        return [int(message["X-Fidela-Message"]) for message in self.received]

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.received if m["To"] == address]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS, settings.EMAIL_USE_SSL = False, False
    settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = "", ""
    settings.EMAIL_TIMEOUT = 10
    yield inbox
    controller.stop()


class WorkerDied(BaseException):
    """What a killed worker looks like to the code it was running: nothing catches it."""


class DyingBackend(smtp.EmailBackend):
    """SMTP, but the worker dies right after the server took the `die_after`-th message,
    before the sender could record it: the window of the at-most-once argument."""

    die_after: int | None = None
    handed = 0

    def send_messages(self, email_messages):
        sent = super().send_messages(email_messages)
        type(self).handed += sent
        if type(self).handed == type(self).die_after:
            raise WorkerDied
        return sent


def at(*args: int) -> time_machine.travel:
    """Travel to a moment on Bucharest's wall clock (the merchant's), the clock standing."""
    return time_machine.travel(datetime(*args, tzinfo=BUCHAREST), tick=False)


def subscriber(merchant, **fields) -> Member:
    """A member who agreed to email and SMS offers, with both addresses."""
    values = {"email_marketing": True, "sms_marketing": True, "phone": "", **fields}
    return MemberFactory(merchant=merchant, **values)


def offer(merchant, member, key: str = "broadcast:1", **fields) -> Message:
    values = {
        "channel": Channel.EMAIL,
        "purpose": Purpose.MARKETING,
        "send_key": key,
        "subject": "Double points this weekend",
        "body_text": f"Hello {member.first_name}, double points on Saturday.",
        "body_html": f"<html><body><p>Hello {member.first_name}</p></body></html>",
        **fields,
    }
    return queue_message(merchant, member, **values)

"""The outbox's vocabulary: every type declared once, `emit` refuses the rest, and webhooks offer
only what something emits."""

import re
from pathlib import Path

import pytest
from django.utils import timezone

from loyalty import events
from loyalty.models import Event

ROOT = Path(__file__).resolve().parents[2]


def test_emit_writes_declared_events(merchant_a):
    rows = events.emit(merchant_a.pk, [("member.joined", {"member": 1})], timezone.now())

    assert [row.type for row in rows] == ["member.joined"]
    assert Event.objects.filter(merchant=merchant_a, type="member.joined").count() == 1


def test_emit_refuses_an_undeclared_type_and_writes_nothing(merchant_a):
    before = Event.objects.count()

    with pytest.raises(events.UnknownEventType):
        events.emit(
            merchant_a.pk,
            [("member.joined", {}), ("member.teleported", {})],
            timezone.now(),
        )

    assert Event.objects.count() == before


def test_a_consumer_for_an_undeclared_type_is_refused():
    with pytest.raises(events.UnknownEventType):
        events.register_consumer("feedback.teleported", lambda event: None)


def _source_files() -> list[Path]:
    return [
        path
        for app in ("loyalty", "members", "rewards", "campaigns", "feedback")
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts and path != ROOT / "loyalty" / "events.py"
    ]


def test_webhooks_offer_only_events_that_something_emits():
    code = "\n".join(path.read_text() for path in _source_files())

    never_emitted = [name for name in events.WEBHOOK_EVENT_TYPES if f'"{name}"' not in code]

    assert never_emitted == []
    # The survey answers emit both (feedback.surveys.answering).
    assert {"feedback.received", "feedback.detractor"} <= events.WEBHOOK_EVENT_TYPES


def test_only_emit_writes_outbox_rows():
    """Every event goes through emit, so every type is checked against EVENT_TYPES."""
    write = re.compile(r"(?<![\w.])Event(\.objects\.(create|bulk_create)\(|\()")
    writers = [
        str(path.relative_to(ROOT))
        for path in _source_files()
        if any(
            write.search(line) and "class Event(" not in line
            for line in path.read_text().splitlines()
        )
    ]

    assert writers == []

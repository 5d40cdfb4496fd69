"""The audit log in words: every action the code records has a label, and the page shows it."""

import importlib
import re
from pathlib import Path

import pytest
from django.utils import timezone, translation
from django.utils.functional import Promise

from loyalty.audit import log_action
from loyalty.dates import DATE, format_day_time
from loyalty.portal.audit_labels import ACTION_LABELS, action_label
from loyalty.tenancy.services import create_api_key

ROOT = Path(__file__).resolve().parents[3]
APPS = ("loyalty", "members", "rewards", "campaigns", "feedback")
# A namespaced action as written in the code: "app.noun.verb", in quotes.
ACTION = re.compile(
    r"""["']((?:loyalty|members|rewards|campaigns|feedback)\.[a-z_]+\.[a-z_]+)["']"""
)


def _is_dotted_path(text: str) -> bool:
    """A module or a module's attribute (a task's, a URLconf's name), not an action."""
    module, _dot, attribute = text.rpartition(".")
    for candidate in (text, module):
        try:
            imported = importlib.import_module(candidate)
        except ImportError:
            continue
        return candidate == text or hasattr(imported, attribute)
    return False


def recorded_actions() -> set[str]:
    """Every action string in the apps' code (tests left out)."""
    found = set()
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if path.name == "audit_labels.py":
                continue
            found.update(ACTION.findall(path.read_text()))
    return {text for text in found if not _is_dotted_path(text)}


def test_the_search_finds_the_actions_recorded_in_the_code():
    actions = recorded_actions()

    # Spot checks from each app, written in different ways (literal, constant, conditional).
    assert {
        "loyalty.api_key.created",
        "loyalty.pos.undone",
        "members.member.blocked",
        "rewards.reward.restored",
        "campaigns.segment.changed",
        "feedback.case.replied",
    } <= actions
    assert len(actions) > 60


def test_every_recorded_action_has_a_label():
    missing = sorted(recorded_actions() - set(ACTION_LABELS))

    assert missing == []


def test_no_label_is_the_raw_action():
    for action, label in ACTION_LABELS.items():
        assert str(label) != action
        assert "." not in str(label) and "_" not in str(label)
        assert str(label)[:1].isupper()


def test_labels_are_marked_for_translation():
    # Lazy: each label is resolved in the reader's language when the page is drawn.
    assert all(isinstance(label, Promise) for label in ACTION_LABELS.values())
    with translation.override("en"):
        assert action_label("loyalty.api_key.created") == "API key created"


@pytest.mark.parametrize(
    ("action", "label"),
    [
        ("loyalty.test.some_thing", "Test some thing"),
        ("rewards.gift_card.sold", "Gift card sold"),
        ("odd", "Odd"),
        ("", "Unknown action"),
    ],
)
def test_an_unknown_action_still_reads_as_words(action, label):
    assert action_label(action) == label


@pytest.mark.django_db
def test_the_audit_page_shows_labels_and_portal_dates(owner_client, merchant_a, shop_a, owner_a):
    create_api_key(merchant=merchant_a, shop=shop_a, actor=owner_a)
    event = log_action(merchant=merchant_a, actor=owner_a, action="loyalty.test.some_thing")

    answer = owner_client.get("/portal/settings/audit/")

    page = answer.content.decode()
    assert ">API key created</span>" in page
    assert ">Test some thing</span>" in page
    local = event.created_at.astimezone(merchant_a.tzinfo)
    with translation.override("en"), timezone.override(merchant_a.tzinfo):
        assert format_day_time(local, DATE) in page  # "3 Dec 2026, 09:05", the shop's clock


@pytest.mark.django_db
def test_the_action_filter_offers_labels(owner_client, merchant_a, shop_a, owner_a):
    create_api_key(merchant=merchant_a, shop=shop_a, actor=owner_a)

    choices = dict(
        owner_client.get("/portal/settings/audit/").context["form"].fields["action"].choices
    )

    assert choices["loyalty.api_key.created"] == "API key created"


@pytest.mark.django_db
def test_the_audit_log_uses_the_shared_pager(owner_client, merchant_a, owner_a):
    for number in range(120):
        log_action(merchant=merchant_a, actor=owner_a, action=f"loyalty.test.n{number}")

    page = owner_client.get("/portal/settings/audit/").content.decode()

    assert 'class="page-numbers"' in page
    assert 'aria-current="page"' in page and "Page 1 of 3" in page

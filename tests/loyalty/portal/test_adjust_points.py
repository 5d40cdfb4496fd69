"""Adjusting a member's points by hand: the form, the confirmation, the ledger and the audit row.

The member is found by card number through the merchant: another merchant's card is simply
not found, and the page says nothing about it.
"""

from decimal import Decimal

import pytest

from loyalty.models import AuditEvent
from loyalty.models.points import EntryKind, PointsEntry
from loyalty.points.ledger import redeem_points
from loyalty.points.purchases import record_purchase
from members.models import Member
from members.services.enrolment import enrol_member

URL = "/portal/points/adjust/"


@pytest.fixture
def ana(ana, shop_a):
    """The shared Ana (tests/conftest.py) after one sale."""
    record_purchase(shop=shop_a, member=ana, external_id="A-1", amount=Decimal("120"))
    return Member.objects.get(pk=ana.pk)  # 120 points


def typo_of(card: str) -> str:
    return card[:-1] + str((int(card[-1]) + 1) % 10)


def adjustments(member) -> list[PointsEntry]:
    return list(PointsEntry.objects.filter(member=member, kind=EntryKind.ADJUST))


def audit_rows(merchant) -> list[AuditEvent]:
    return list(AuditEvent.objects.for_merchant(merchant).filter(action="loyalty.points.adjusted"))


def balance(member) -> int:
    return Member.objects.get(pk=member.pk).points_balance


@pytest.mark.parametrize("persona", ["owner_client", "manager_client"])
def test_owner_and_manager_see_the_form_with_labelled_fields(request, persona):
    html = request.getfixturevalue(persona).get(URL).content.decode()

    for name in ("card_number", "points", "reason"):
        assert f'for="id_{name}"' in html
        assert f'name="{name}"' in html
    assert '<button type="submit"' in html


def test_cashier_gets_403(cashier_client, ana):
    assert cashier_client.get(URL).status_code == 403
    data = {"card_number": ana.card_number, "points": 50, "reason": "x", "confirm": "1"}
    assert cashier_client.post(URL, data).status_code == 403
    assert adjustments(ana) == []


def test_the_confirmation_names_the_member_and_shows_the_balance_before_and_after(
    owner_client, ana
):
    answer = owner_client.post(
        URL, {"card_number": ana.card_number, "points": "50", "reason": "coffee spilled"}
    )
    html = answer.content.decode()

    assert answer.status_code == 200
    assert "Add 50 points?" in html
    assert "Ana Pop" in html and ana.card_number in html
    assert "a••••••@example.com" in html and "ana.pop@example.com" not in html
    assert "120 points · €1.20" in html
    assert "170 points · €1.70" in html
    assert "coffee spilled" in html
    assert "€380.00 more to Silver" in html  # her tier progress
    assert adjustments(ana) == []  # nothing happens before the confirmation


@pytest.mark.parametrize("persona", ["owner_client", "manager_client"])
def test_confirming_adds_the_points_with_a_ledger_entry_and_an_audit_row(
    request, persona, merchant_a, ana
):
    client = request.getfixturevalue(persona)
    data = {"card_number": ana.card_number, "points": "50", "reason": "coffee spilled"}

    answer = client.post(URL, {**data, "confirm": "1"}, follow=True)

    assert answer.redirect_chain == [(URL, 302)]
    assert "50 points added to Ana Pop" in answer.content.decode()
    [entry] = adjustments(ana)
    assert entry.points == 50
    assert entry.reason == "coffee spilled"
    assert entry.actor.email == answer.wsgi_request.user.email
    assert balance(ana) == 170
    [event] = audit_rows(merchant_a)
    assert event.data == {"points": 50, "reason": "coffee spilled"}
    assert event.actor == entry.actor


def test_a_negative_number_takes_points_away(owner_client, ana):
    data = {"card_number": ana.card_number, "points": "-30", "reason": "given twice"}

    confirmation = owner_client.post(URL, data).content.decode()
    owner_client.post(URL, {**data, "confirm": "1"})

    assert "Take 30 points away?" in confirmation
    assert "90 points · €0.90" in confirmation
    assert balance(ana) == 90
    assert [entry.points for entry in adjustments(ana)] == [-30]


def test_the_card_number_may_be_typed_with_spaces(owner_client, ana):
    card = ana.card_number
    spaced = f"{card[:3]} {card[3:6]} {card[6:]}"

    html = owner_client.post(URL, {"card_number": spaced, "points": "5", "reason": "x"})

    assert "Ana Pop" in html.content.decode()


@pytest.mark.parametrize("confirm", [False, True])
def test_a_reason_is_required(owner_client, merchant_a, ana, confirm):
    data = {"card_number": ana.card_number, "points": "50", "reason": "  "}
    if confirm:
        data["confirm"] = "1"

    html = owner_client.post(URL, data).content.decode()

    assert "Say why the points change." in html
    assert adjustments(ana) == []
    assert audit_rows(merchant_a) == []


def test_zero_points_is_refused(owner_client, ana):
    data = {"card_number": ana.card_number, "points": "0", "reason": "x", "confirm": "1"}

    html = owner_client.post(URL, data).content.decode()

    assert "Enter a number of points other than zero." in html
    assert adjustments(ana) == []


def test_a_typo_in_the_card_number_is_caught_by_its_check_digit(owner_client, ana):
    data = {"card_number": typo_of(ana.card_number), "points": "50", "reason": "x"}

    html = owner_client.post(URL, data).content.decode()

    assert "This card number has a typo: check the digits." in html
    assert "Ana Pop" not in html


def test_a_card_of_another_merchant_is_not_found_and_reveals_nothing(owner_client, merchant_b, ana):
    bee = enrol_member(merchant=merchant_b, email="bee@example.com", first_name="Beatrice")
    data = {"card_number": bee.card_number, "points": "50", "reason": "x", "confirm": "1"}

    html = owner_client.post(URL, data).content.decode()

    assert "No member with this card number." in html
    assert "Beatrice" not in html and "b••@example.com" not in html
    assert adjustments(bee) == []
    assert balance(bee) == 0


def test_taking_more_than_the_balance_is_refused_before_the_confirmation(owner_client, ana):
    data = {"card_number": ana.card_number, "points": "-500", "reason": "x"}

    html = owner_client.post(URL, data).content.decode()

    assert "Ana Pop has 120 points available." in html
    assert "Take 500 points away?" not in html


def test_a_refusal_of_the_engine_is_a_form_error_and_changes_nothing(owner_client, merchant_a, ana):
    # The balance changed between the confirmation and the click: the engine decides.
    data = {"card_number": ana.card_number, "points": "-100", "reason": "x"}
    assert "Take 100 points away?" in owner_client.post(URL, data).content.decode()
    redeem_points(member=ana, points=50)

    html = owner_client.post(URL, {**data, "confirm": "1"}).content.decode()

    assert "The member has 70 points available." in html
    assert adjustments(ana) == []
    assert balance(ana) == 70
    assert audit_rows(merchant_a) == []


def test_a_refusal_of_the_engine_is_shown_on_the_form(owner_client, ana):
    # The confirmation was for 100 of the 120 points; the member spent 100 at the till meanwhile.
    redeem_points(member=ana, points=100)
    data = {"card_number": ana.card_number, "points": "-100", "reason": "x", "confirm": "1"}

    html = owner_client.post(URL, data).content.decode()

    assert "The member has 20 points available." in html
    assert 'name="card_number"' in html
    assert adjustments(ana) == []
    assert balance(ana) == 20


def test_change_something_brings_the_form_back_filled_in(owner_client, ana):
    data = {"card_number": ana.card_number, "points": "50", "reason": "coffee", "edit": "1"}

    html = owner_client.post(URL, data).content.decode()

    assert f'value="{ana.card_number}"' in html
    assert 'value="coffee"' in html
    assert "Add 50 points?" not in html
    assert adjustments(ana) == []

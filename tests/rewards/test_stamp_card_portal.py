"""The portal's stamp card pages: the list and its results, the form and its checks, switching
a card off after a confirmation; another merchant's card is a 404, a cashier may not edit."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from loyalty.models import AuditEvent
from members.services.enrolment import enrol_member
from rewards.models import (
    MemberCard,
    RewardKind,
    StampCard,
    StampEarnOn,
    VoucherSource,
    VoucherStatus,
)
from rewards.services import issue_voucher
from rewards.stamp_cards import save_stamp_card

pytestmark = pytest.mark.django_db

LIST = reverse("portal:stamp_cards")
NEW = reverse("portal:stamp_card_new")


def _edit(card) -> str:
    return reverse("portal:stamp_card_edit", kwargs={"card_id": card.pk})


def _deactivate(card) -> str:
    return reverse("portal:stamp_card_deactivate", kwargs={"card_id": card.pk})


def _form(reward, **fields) -> dict:
    data = {
        "name": "Coffee card",
        "earn_on": StampEarnOn.PURCHASE,
        "min_amount": "",
        "categories": "",
        "skus": "",
        "stamps_needed": "10",
        "reward": reward.pk,
        "item_word": "coffees",
        "stamp_validity_days": "",
        "restart": "on",
        "active": "on",
    }
    return data | fields


def _card(merchant, reward, **fields) -> StampCard:
    return save_stamp_card(
        merchant=merchant, actor=None, reward=reward, **({"name": "Coffee card"} | fields)
    )


def test_the_empty_list_says_what_to_do(manager_client):
    page = manager_client.get(LIST).content.decode()

    assert "Create your first stamp card: buy nine coffees, the tenth is free." in page
    assert NEW in page
    assert 'aria-current="page">Stamp cards</a>' in page


def test_a_manager_creates_a_card_with_words_lower_cased(manager_client, merchant_a, coffee):
    answer = manager_client.post(
        NEW,
        _form(
            coffee,
            earn_on=StampEarnOn.ITEM,
            categories="Coffee, TEA, coffee,",
            skus=" ESP-01 ",
            per_item="on",
            stamps_needed="9",
        ),
    )

    assert answer.status_code == 302 and answer["Location"] == LIST
    card = StampCard.objects.get(merchant=merchant_a)
    assert card.categories == ["coffee", "tea"] and card.skus == ["esp-01"]
    assert card.per_item and card.stamps_needed == 9 and card.reward == coffee
    assert AuditEvent.objects.filter(
        merchant=merchant_a, action="rewards.stamp_card.saved", target_id=str(card.pk)
    ).exists()


def test_a_manager_edits_a_card(manager_client, merchant_a, coffee):
    card = _card(merchant_a, coffee, categories=["coffee"], earn_on=StampEarnOn.ITEM)
    page = manager_client.get(_edit(card)).content.decode()
    assert 'value="coffee"' in page

    answer = manager_client.post(
        _edit(card), _form(coffee, name="Big card", earn_on=StampEarnOn.AMOUNT, min_amount="5")
    )

    card.refresh_from_db()
    assert answer.status_code == 302
    assert card.name == "Big card" and card.min_amount == Decimal("5.00")
    assert card.categories == []  # terms that no longer apply are dropped
    assert StampCard.objects.count() == 1
    listed = manager_client.get(LIST).content.decode()
    assert "Big card" in listed and "A purchase of" in listed


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        (
            {"earn_on": StampEarnOn.AMOUNT, "min_amount": "0"},
            "Enter the amount a purchase must reach to earn a stamp.",
        ),
        (
            {"earn_on": StampEarnOn.ITEM},
            "Name at least one category or product (SKU) that earns it.",
        ),
        ({"stamps_needed": "1"}, "Ensure this value is greater than or equal to 2."),
    ],
)
def test_wrong_fields_are_summed_up_and_nothing_is_saved(manager_client, coffee, fields, error):
    answer = manager_client.post(NEW, _form(coffee, **fields))

    page = answer.content.decode()
    assert answer.status_code == 200
    assert "Some fields need another look. Nothing was saved." in page
    assert error in page
    assert not StampCard.objects.exists()


def test_the_reward_is_one_of_the_merchants_live_rewards(manager_client, merchant_a, merchant_b):
    theirs = merchant_b.rewards.first()
    hidden = merchant_a.rewards.get(kind=RewardKind.AMOUNT_OFF)
    hidden.active = False
    hidden.save()

    for reward in (theirs, hidden):
        answer = manager_client.post(NEW, _form(reward))
        assert answer.status_code == 200
        assert "Select a valid choice" in answer.content.decode()
    assert not StampCard.objects.exists()


def test_deactivating_asks_first_then_switches_the_card_off(manager_client, merchant_a, coffee):
    card = _card(merchant_a, coffee)

    page = manager_client.get(_deactivate(card)).content.decode()
    card.refresh_from_db()
    assert card.active
    assert "Switch off “Coffee card”?" in page

    answer = manager_client.post(_deactivate(card))
    card.refresh_from_db()
    assert answer.status_code == 302 and answer["Location"] == LIST
    assert not card.active
    assert AuditEvent.objects.filter(
        merchant=merchant_a, action="rewards.stamp_card.deactivated", target_id=str(card.pk)
    ).exists()
    assert "Switched off" in manager_client.get(LIST).content.decode()


def test_the_list_counts_each_cards_results(manager_client, merchant_a, shop_a, coffee):
    card = _card(merchant_a, coffee, stamps_needed=3)
    other = _card(merchant_a, coffee, stamps_needed=5)
    members = [
        enrol_member(merchant=merchant_a, email=f"m{i}@example.com", shop=shop_a) for i in range(4)
    ]
    now = timezone.now()

    def filled(member, number, *, used: bool) -> MemberCard:
        voucher = issue_voucher(
            merchant=merchant_a, reward=coffee, source=VoucherSource.MANUAL, member=member
        )
        if used:
            type(voucher).objects.filter(pk=voucher.pk).update(status=VoucherStatus.USED)
        return MemberCard.objects.create(
            merchant=merchant_a,
            card=card,
            member=member,
            number=number,
            stamps=3,
            filled_at=now,
            voucher=voucher,
        )

    # Two members filling a card, one with an empty new card (not in progress).
    MemberCard.objects.create(merchant=merchant_a, card=card, member=members[0], stamps=2)
    MemberCard.objects.create(merchant=merchant_a, card=card, member=members[1], stamps=1)
    filled(members[2], 1, used=True)
    filled(members[2], 2, used=False)
    MemberCard.objects.create(merchant=merchant_a, card=card, member=members[2], number=3)
    filled(members[3], 1, used=True)
    MemberCard.objects.create(merchant=merchant_a, card=other, member=members[3], stamps=4)

    answer = manager_client.get(LIST)

    cards = {c.pk: c for c in answer.context["cards"]}
    assert (cards[card.pk].in_progress, cards[card.pk].filled, cards[card.pk].vouchers_used) == (
        2,
        3,
        2,
    )
    assert (cards[other.pk].in_progress, cards[other.pk].filled) == (1, 0)


def test_the_lists_statements_do_not_grow_with_the_cards(manager_client, merchant_a, coffee):
    _card(merchant_a, coffee, name="Card 0")
    manager_client.get(LIST)  # warm the session
    with CaptureQueriesContext(connection) as one:
        manager_client.get(LIST)
    for i in range(1, 4):
        _card(merchant_a, coffee, name=f"Card {i}")
    with CaptureQueriesContext(connection) as four:
        assert manager_client.get(LIST).status_code == 200

    assert len(four) == len(one)


def test_another_merchants_card_is_a_404(outsider_client, merchant_a, coffee):
    card = _card(merchant_a, coffee)

    for url in (_edit(card), _deactivate(card)):
        assert outsider_client.get(url).status_code == 404
        assert outsider_client.post(url, _form(coffee)).status_code == 404
    card.refresh_from_db()
    assert card.active and card.name == "Coffee card"


def test_a_cashier_cannot_edit_or_switch_off(cashier_client, merchant_a, coffee):
    card = _card(merchant_a, coffee)

    for url in (LIST, NEW, _edit(card), _deactivate(card)):
        assert cashier_client.get(url).status_code == 403
    assert cashier_client.post(_deactivate(card)).status_code == 403
    card.refresh_from_db()
    assert card.active

"""Who enters a campaign in which group, and what the campaign did per group, checked on a
hand-made campaign (campaigns/automations/audience.py, results.py)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import transaction

from campaigns.automations.audience import enter, group_of
from campaigns.automations.results import results
from campaigns.automations.stats import Verdict
from campaigns.models import (
    Campaign,
    CampaignEntry,
    CampaignKind,
    Message,
    MessageEvent,
    MessageEventKind,
    MessageStatus,
    Variant,
)
from loyalty.models.points import EntryKind
from loyalty.points.ledger import credit, get_program, lock_member
from loyalty.points.purchases import record_purchase
from loyalty.points.refunds import reverse_purchase
from members.services.enrolment import enrol_member
from rewards.models import Reward, Voucher, VoucherSource, VoucherStatus
from rewards.services import issue_voucher

pytestmark = pytest.mark.django_db
ENTERED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _campaign(merchant, *, holdout=10, weights=(1, 1)) -> Campaign:
    campaign = Campaign.objects.create(
        merchant=merchant,
        name="Spring comeback",
        kind=CampaignKind.BROADCAST,
        holdout_percent=holdout,
        conversion_days=14,
    )
    for name, weight in zip("AB", weights, strict=False):
        Variant.objects.create(merchant=merchant, campaign=campaign, name=name, weight=weight)
    return campaign


def test_groups_are_fixed_per_member_and_split_as_asked(merchant_a):
    campaign = _campaign(merchant_a, holdout=10, weights=(3, 1))
    variants = list(campaign.variants.order_by("name"))

    groups = [group_of(campaign, member_id, variants) for member_id in range(1, 20_001)]

    assert groups == [group_of(campaign, member_id, variants) for member_id in range(1, 20_001)]
    held = groups.count(None) / len(groups)
    share_a = groups.count(variants[0]) / (len(groups) - groups.count(None))
    assert held == pytest.approx(0.10, abs=0.01)
    assert share_a == pytest.approx(0.75, abs=0.015)


def test_a_member_enters_a_campaign_once(merchant_a, merchant_b):
    campaign = _campaign(merchant_a)
    ana = enrol_member(merchant=merchant_a, email="ana@example.com")
    bob = enrol_member(merchant=merchant_a, email="bob@example.com")

    assert enter(campaign, [ana.pk, bob.pk], now=ENTERED) == 2
    assert enter(campaign, [ana.pk, bob.pk], now=ENTERED + timedelta(days=1)) == 0

    first = CampaignEntry.objects.get(campaign=campaign, member=ana)
    assert first.entered_at == ENTERED
    assert first.converts_until == ENTERED + timedelta(days=14)


def _entry(campaign, member, variant):
    return CampaignEntry.objects.create(
        merchant=campaign.merchant,
        campaign=campaign,
        member=member,
        variant=variant,
        entered_at=ENTERED,
        converts_until=ENTERED + timedelta(days=campaign.conversion_days),
    )


def _buy(shop, member, amount: str, receipt: str, days: float):
    return record_purchase(
        shop=shop,
        member=member,
        external_id=receipt,
        amount=Decimal(amount),
        occurred_at=ENTERED + timedelta(days=days),
        now=ENTERED + timedelta(days=days),
    ).purchase


@pytest.fixture
def finished(merchant_a, shop_a, manager_a):
    """Variant A: four members who spend 10, 0, 20 and 10 in the window; the holdout: three
    who spend 0, 10 and 5. Outside the figures: a sale after the window, a reversed sale, a
    sale before entering. Variant B is empty."""
    campaign = _campaign(merchant_a)
    variant_a = campaign.variants.get(name="A")
    people = [enrol_member(merchant=merchant_a, email=f"p{n}@example.com") for n in range(7)]
    for person in people[:4]:
        _entry(campaign, person, variant_a)
    for person in people[4:]:
        _entry(campaign, person, None)
    _buy(shop_a, people[0], "10.00", "A0", 1)
    _buy(shop_a, people[2], "15.00", "A2a", 2)
    _buy(shop_a, people[2], "5.00", "A2b", 13.9)
    _buy(shop_a, people[3], "10.00", "A3", 3)
    _buy(shop_a, people[1], "99.00", "late", 14.5)  # after the window: no conversion
    reversed_sale = _buy(shop_a, people[1], "50.00", "typo", 1)
    reverse_purchase(purchase=reversed_sale, actor=manager_a, reason="Typo")
    _buy(shop_a, people[4], "70.00", "before", -1)  # before entering
    _buy(shop_a, people[5], "10.00", "H5", 4)
    _buy(shop_a, people[6], "5.00", "H6", 5)
    # The campaign gave person 0 a bonus of 100 points (1.00 at the default point value).
    with transaction.atomic():
        member = lock_member(people[0].pk)
        credit(
            member=member,
            program=get_program(merchant_a),
            kind=EntryKind.BONUS,
            points=100,
            now=ENTERED,
            reference=f"campaign:{campaign.pk}:step:1",
        )
    # Messages: A's four delivered, one opened and clicked; another campaign's does not count.
    for person in people[:4]:
        message = Message.objects.create(
            merchant=merchant_a,
            member=person,
            channel="email",
            send_key=f"campaign:{campaign.pk}:step:1",
            source_type="campaign",
            source_id=campaign.pk,
            variant="A",
            status=MessageStatus.SENT,
        )
        if person == people[0]:
            for kind in (MessageEventKind.OPENED, MessageEventKind.CLICKED):
                MessageEvent.objects.create(merchant=merchant_a, message=message, kind=kind)
    Message.objects.create(
        merchant=merchant_a,
        member=people[5],
        channel="email",
        send_key="campaign:999:step:1",
        source_type="campaign",
        source_id=999,
        status=MessageStatus.SENT,
    )
    return campaign


def test_each_group_counts_its_members_messages_conversions_and_revenue(finished):
    answer = results(finished)

    a, b = answer.variants
    assert (a.name, a.members, a.delivered, a.opened, a.clicked) == ("A", 4, 4, 1, 1)
    assert (a.converted, a.revenue, a.revenue_squares) == (3, Decimal("40.00"), Decimal("600"))
    assert (a.points_given, a.cost) == (100, Decimal("1.00"))
    assert (b.name, b.members, b.converted) == ("B", 0, 0)
    held = answer.holdout
    assert (held.members, held.delivered, held.converted) == (3, 0, 2)
    assert (held.revenue, held.revenue_squares) == (Decimal("15.00"), Decimal("125"))


def test_the_comparison_with_the_holdout(finished):
    answer = results(finished)

    # 3 of 4 (75%) against 2 of 3 (66.7%); revenue as in test_stats: +5 a member, se 5.
    assert answer.lift.estimate == pytest.approx(0.75 - 2 / 3)
    assert answer.incremental_conversions.estimate == pytest.approx(4 * (0.75 - 2 / 3))
    assert answer.incremental_revenue.estimate == pytest.approx(20.0)
    assert answer.net_return.estimate == pytest.approx(19.0)  # less the 1.00 of points
    assert answer.net_return.low == pytest.approx(4 * (5 - 9.79982) - 1, abs=1e-3)
    assert answer.verdict == Verdict.CHANGE  # far too few members to tell


def test_another_merchants_entries_never_count(finished, merchant_b):
    other = _campaign(merchant_b)
    outsider = enrol_member(merchant=merchant_b, email="out@example.com")
    _entry(other, outsider, other.variants.get(name="A"))

    assert results(finished).treated.members == 4
    assert results(other).treated.members == 1


def test_a_used_voucher_the_campaign_gave_counts_in_its_cost(finished, merchant_a):
    entry = CampaignEntry.objects.filter(campaign=finished, variant__name="A").order_by("pk")[1]
    coffee = Reward.objects.create(
        merchant=merchant_a, name="Coffee", points_cost=300, value=Decimal("3.00")
    )
    entry.voucher = issue_voucher(
        merchant=merchant_a, reward=coffee, source=VoucherSource.CAMPAIGN, member=entry.member
    )
    entry.save(update_fields=["voucher"])
    assert results(finished).variants[0].cost == Decimal("1.00")  # given, not used yet

    Voucher.objects.filter(pk=entry.voucher_id).update(status=VoucherStatus.USED)

    a = results(finished).variants[0]
    assert (a.vouchers_given, a.vouchers_used, a.cost) == (1, 1, Decimal("4.00"))

"""Over random histories (enrolments, sales, refunds, reversals, redemptions, vouchers used,
adjustments, expiry), across a daylight-saving change, the daily rows equal the same figures
computed here in Python from the raw rows, and the points figures add up to the balances."""

import itertools
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db.models import F, Sum
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loyalty.analytics.rollups import FIGURES, MONEY_FIGURES, rebuild
from loyalty.clock import local_today
from loyalty.models import DailyStat, EnrolmentStat, EntryKind, Event, PointsEntry, Purchase, Refund
from loyalty.points.jobs import expire_points, reevaluate_tiers
from loyalty.points.ledger import adjust_points
from loyalty.points.purchases import record_purchase
from loyalty.points.refunds import refund_purchase, reverse_purchase
from loyalty.tenancy.services import create_merchant, create_shop
from members.models import Member
from members.services.enrolment import enrol_member
from rewards.models import Reward, RewardKind, Voucher, VoucherStatus
from rewards.services import cancel_voucher, redeem_reward, use_voucher
from tests.factories import RewardFactory, TierFactory, UserFactory
from tests.loyalty.points.helpers import configure

pytestmark = pytest.mark.django_db

# Bucharest moves its clocks forward on Sunday 31 March 2030: one day has 23 hours.
START = datetime(2030, 3, 27, 7, 0, tzinfo=UTC)
ACTIONS = (
    "sale",
    "sale",
    "anonymous",
    "refund",
    "reverse",
    "redeem",
    "use",
    "cancel",
    "join",
    "adjust",
    "tiers",
)
_examples = itertools.count(1)

steps = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=40),  # hours later
        st.sampled_from(ACTIONS),
        st.integers(min_value=0, max_value=11),  # which member, shop, sale or voucher
        st.decimals(min_value=Decimal("0.50"), max_value=Decimal("400"), places=2),
    ),
    min_size=1,
    max_size=25,
)


def zeros() -> dict:
    return {name: (Decimal("0.00") if name in MONEY_FIGURES else 0) for name in FIGURES}


def by_hand(merchant) -> dict:
    """{(day, shop id or None): figures}, straight from every raw row of the merchant."""
    day_of = lambda moment: local_today(merchant, moment)  # noqa: E731
    out: dict = defaultdict(zeros)

    def add(day, shop, name, value):
        out[(day, None)][name] += value
        if shop is not None:
            out[(day, shop)][name] += value

    active = defaultdict(set)
    counted = [
        sale
        for sale in Purchase.objects.filter(merchant=merchant).order_by("occurred_at", "pk")
        if sale.reversed_at is None and sale.refunded_amount < sale.amount
    ]
    first_day_of: dict[int, object] = {}  # member -> the local day of their first counted sale
    first_seen: set[int] = set()
    for sale in counted:
        day, who = day_of(sale.occurred_at), "members" if sale.member_id else "anonymous"
        add(day, sale.shop_id, f"sales_{who}", 1)
        add(day, sale.shop_id, f"revenue_{who}", sale.amount - sale.refunded_amount)
        if sale.flags:
            add(day, sale.shop_id, "sales_flagged", 1)
        if sale.member_id:
            active[(day, None)].add(sale.member_id)
            active[(day, sale.shop_id)].add(sale.member_id)
            first = first_day_of.setdefault(sale.member_id, day)
            if day > first:
                add(day, sale.shop_id, "sales_repeat", 1)
            elif sale.member_id not in first_seen:
                first_seen.add(sale.member_id)
                add(day, sale.shop_id, "first_purchases", 1)
    for key, members in active.items():
        out[key]["active_members"] = len(members)
    # The 90 days ending each day, on every day from the first activity to the rebuild's last.
    buying_days = defaultdict(set)
    for sale in counted:
        if sale.member_id:
            buying_days[day_of(sale.occurred_at)].add(sale.member_id)
    last = local_today(merchant, START + timedelta(days=45))
    day = day_of(START)  # the first activity: the first member joined
    while day <= last:
        window = set().union(*(buying_days[day - timedelta(days=n)] for n in range(90)))
        out[(day, None)]["active_members_90d"] = len(window)
        day += timedelta(days=1)
    for event in Event.objects.filter(merchant=merchant, type="tier.changed"):
        add(day_of(event.created_at), None, f"tier_{event.payload['direction']}s", 1)
    for refund in Refund.objects.filter(merchant=merchant).select_related("purchase"):
        if refund.purchase.reversed_at is None:
            add(day_of(refund.created_at), refund.shop_id, "refunds", 1)
            add(day_of(refund.created_at), refund.shop_id, "refunds_amount", refund.amount)
    for member in Member.objects.filter(merchant=merchant):
        add(day_of(member.joined_at), member.enrolled_at_shop_id, "new_members", 1)
    redeemed_at = {
        v.redeem_entry_id: v.issued_at_shop_id
        for v in Voucher.objects.filter(merchant=merchant, redeem_entry__isnull=False)
    }
    names = {
        EntryKind.EARN: "points_issued",
        EntryKind.BONUS: "points_issued",
        EntryKind.REDEEM: "points_redeemed",
        EntryKind.EXPIRE: "points_expired",
        EntryKind.CLAWBACK: "points_clawed_back",
        EntryKind.REVERSAL: "points_clawed_back",
    }
    for entry in PointsEntry.objects.filter(merchant=merchant).select_related("purchase"):
        shop = entry.purchase.shop_id if entry.purchase_id else redeemed_at.get(entry.pk)
        name = names.get(entry.kind, "points_adjusted")
        if entry.kind == EntryKind.ADJUST:
            ref = entry.reference or ""
            if ref.startswith("voucher:") and ref.endswith(":cancelled"):
                add(day_of(entry.created_at), shop, "points_returned", entry.points)
            elif entry.points > 0 and not ref.startswith(("voucher:", "merge:")):
                add(day_of(entry.created_at), shop, "points_added", entry.points)
        add(
            day_of(entry.created_at),
            shop,
            name,
            entry.points * (1 if name in ("points_issued", "points_adjusted") else -1),
        )
    for voucher in Voucher.objects.filter(merchant=merchant):
        cost = voucher.value
        if voucher.kind == RewardKind.PERCENT_OFF:
            cost = voucher.max_discount or Decimal("0")
        add(day_of(voucher.issued_at), voucher.issued_at_shop_id, "vouchers_issued", 1)
        add(day_of(voucher.issued_at), voucher.issued_at_shop_id, "vouchers_issued_value", cost)
        if voucher.status == VoucherStatus.USED:
            add(day_of(voucher.used_at), voucher.used_shop_id, "vouchers_used", 1)
            add(day_of(voucher.used_at), voucher.used_shop_id, "vouchers_used_value", cost)
    return {key: figures for key, figures in out.items() if key[1] is None or any(figures.values())}


def play(history, merchant, shops, owner) -> None:
    """Run the history on a clock that only moves forward; refusals are part of life."""
    rewards = list(Reward.objects.for_merchant(merchant))
    with time_machine.travel(START, tick=False):
        members = [enrol_member(merchant=merchant, email="first@example.com", shop=shops[0])]
    sales: list[Purchase] = []
    receipts = itertools.count(1)
    now = START
    for hours, action, pick, amount in history:
        now += timedelta(hours=hours, minutes=7)
        with time_machine.travel(now, tick=False):
            shop = shops[pick % 2]
            member = members[pick % len(members)]
            member.refresh_from_db()
            open_sales = [s for s in sales if s.reversed_at is None]
            if action in ("sale", "anonymous"):
                who = member if action == "sale" and member.status == "active" else None
                sales.append(
                    record_purchase(
                        shop=shop, member=who, external_id=f"S{next(receipts)}", amount=amount
                    ).purchase
                )
            elif action == "refund" and open_sales:
                sale = open_sales[pick % len(open_sales)]
                sale.refresh_from_db()
                part = min(amount, sale.refundable_amount)
                if part > 0:
                    refund_purchase(purchase=sale, external_id=f"R{next(receipts)}", amount=part)
            elif action == "reverse" and open_sales:
                sale = open_sales[pick % len(open_sales)]
                reverse_purchase(purchase=sale, actor=owner, reason="mistake")
                sale.refresh_from_db()
            elif action == "redeem":
                reward = rewards[pick % len(rewards)]
                if member.points_balance >= reward.points_cost:
                    redeem_reward(member=member, reward=reward, shop=shop if pick % 3 else None)
            elif action == "use":
                live = list(Voucher.objects.filter(merchant=merchant, status="issued"))
                if live:
                    use_voucher(code=live[pick % len(live)].code, shop=shop)
            elif action == "cancel":
                live = list(Voucher.objects.filter(merchant=merchant, status="issued"))
                if live:
                    cancel_voucher(voucher=live[pick % len(live)], actor=owner, reason="no")
            elif action == "tiers":
                reevaluate_tiers(now=timezone.now())
            elif action == "join":
                members.append(
                    enrol_member(
                        merchant=merchant,
                        email=f"m{next(receipts)}@example.com",
                        shop=shop if pick % 3 else None,
                        actor=owner if pick % 2 else None,
                    )
                )
            elif action == "adjust":
                points = int(amount) if pick % 2 else -min(int(amount), member.points_balance)
                if points:
                    adjust_points(member=member, points=points, reason="by hand", actor=owner)
            expire_points(now=timezone.now())


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=steps)
def test_the_rollups_equal_the_raw_rows(history, db):
    n = next(_examples)
    owner = UserFactory(email=f"owner.roll{n}@example.com")
    with time_machine.travel(START - timedelta(days=1), tick=False):
        merchant = create_merchant(owner=owner, name=f"Roll {n}", slug=f"roll-{n}", shop_name="One")
        shops = [merchant.shops.get(), create_shop(merchant=merchant, actor=owner, name="Two")]
    configure(merchant, welcome_bonus=7, expiry_mode="after_earning", expiry_months=1)
    RewardFactory(merchant=merchant, points_cost=40, value=Decimal("1.50"))
    # Tiers within reach of a few sales, so that sales, reversals and the nightly
    # re-evaluation (with no grace) move members both ways.
    merchant.tiers.update(threshold=F("threshold") + 1_000_000)
    TierFactory(merchant=merchant, name="Regular", threshold=Decimal("150"))
    TierFactory(merchant=merchant, name="Friend", threshold=Decimal("500"))
    configure(merchant, tier_grace_days=0)
    RewardFactory(
        merchant=merchant,
        kind=RewardKind.PERCENT_OFF,
        value=Decimal("15"),
        max_discount=Decimal("6.00"),
        item="",
        points_cost=60,
    )
    play(history, merchant, shops, owner)
    with time_machine.travel(START + timedelta(days=45), tick=False):
        done = rebuild(merchant)

    rows = {
        (row.day, row.shop_id): {name: getattr(row, name) for name in FIGURES}
        for row in DailyStat.objects.for_merchant(merchant)
    }
    expected = by_hand(merchant)
    assert {k: v for k, v in rows.items() if k[1] is not None or any(v.values())} == {
        k: v for k, v in expected.items() if k[1] is not None or any(v.values())
    }
    assert done.rows == len(rows)
    # Enrolments by shop and staff member: the members' own fields, day by day.
    enrolled = defaultdict(int)
    for member in Member.objects.filter(merchant=merchant):
        key = (local_today(merchant, member.joined_at), member.enrolled_at_shop_id)
        enrolled[(*key, member.enrolled_by_id)] += 1
    assert {
        (row.day, row.shop_id, row.enrolled_by_id): row.members
        for row in EnrolmentStat.objects.for_merchant(merchant)
    } == dict(enrolled)
    # Every day has its total row; the points figures add up to what the members hold.
    assert sum(1 for _day, shop in rows if shop is None) == done.days
    change = sum(
        f["points_issued"]
        - f["points_redeemed"]
        - f["points_expired"]
        - f["points_clawed_back"]
        + f["points_adjusted"]
        for (_day, shop), f in rows.items()
        if shop is None
    )
    held = Member.objects.filter(merchant=merchant).aggregate(
        points=Sum("points_balance") + Sum("pending_points")
    )["points"]
    assert change == held

"""Challenges counted at the till: each kind completes, limits, budget, hidden, reversal, badges."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from loyalty.clock import local_today
from loyalty.models.points import AppendOnlyError, PointsEntry
from loyalty.points.refunds import refund_purchase
from rewards.engagement import challenges as engine
from rewards.models import (
    Badge,
    BadgeIcon,
    BadgeSource,
    Challenge,
    ChallengeCompletion,
    ChallengeKind,
    MemberBadge,
    Voucher,
)
from rewards.sales import reverse_sale
from tests.loyalty.points.helpers import events_of, fresh, ring

pytestmark = pytest.mark.django_db


def make_challenge(merchant, **fields) -> Challenge:
    defaults = {
        "name": "Five visits in a month",
        "kind": ChallengeKind.VISITS,
        "goal_count": 5,
        "window_days": 30,
        "reward_points": 100,
        "starts_on": local_today(merchant) - timedelta(days=60),
    }
    return Challenge.objects.create(merchant=merchant, **(defaults | fields))


def days_ago(days: int, hour: int = 12) -> datetime:
    moment = timezone.now() - timedelta(days=days)
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0)


def visit(shop, member, days: int = 0, amount: str = "10.00", **kwargs):
    at = kwargs.pop("occurred_at", None) or (timezone.now() - timedelta(days=days))
    return ring(shop, member, amount, occurred_at=at, **kwargs).purchase


def completed(challenge, member) -> list[ChallengeCompletion]:
    return list(ChallengeCompletion.objects.filter(challenge=challenge, member=member))


def test_five_visits_within_thirty_days_pay_points_once(shop_a, member_a):
    challenge = make_challenge(shop_a.merchant)
    for days in (20, 15, 10, 5):
        visit(shop_a, member_a, days)
    visit(shop_a, member_a, 5)  # a second sale the same day is not another visit
    assert completed(challenge, member_a) == []
    before = fresh(member_a).points_balance
    sale = visit(shop_a, member_a, 0)
    [done] = completed(challenge, member_a)
    assert (done.n, done.points, done.purchase_id) == (1, 100, sale.pk)
    entry = PointsEntry.objects.get(member=member_a, reference=f"challenge:{challenge.pk}:1")
    assert entry.points == 100 and "Five visits" in entry.reason
    assert fresh(member_a).points_balance == before + 10 + 100
    [event] = events_of(shop_a.merchant, "challenge.completed")
    assert (event["challenge"], event["points"], event["n"]) == (challenge.pk, 100, 1)
    visit(shop_a, member_a, 0)  # the limit is one
    assert len(completed(challenge, member_a)) == 1
    challenge.refresh_from_db()
    assert challenge.points_paid == 100


def test_visits_outside_the_rolling_window_do_not_count(shop_a, member_a):
    challenge = make_challenge(shop_a.merchant, goal_count=3, window_days=7)
    visit(shop_a, member_a, 20)
    visit(shop_a, member_a, 10)
    visit(shop_a, member_a, 0)
    assert completed(challenge, member_a) == []
    visit(shop_a, member_a, 3)
    visit(shop_a, member_a, 1)  # a late receipt: its window ends at its own moment
    assert completed(challenge, member_a) == []
    visit(shop_a, member_a, 0, amount="2.00")  # days 3, 1 and 0 within 7
    assert len(completed(challenge, member_a)) == 1


def test_a_limit_of_two_counts_again_from_the_last_completion(shop_a, member_a):
    challenge = make_challenge(shop_a.merchant, goal_count=2, limit_per_member=2)
    for days in (12, 10, 8, 6, 4, 2):
        visit(shop_a, member_a, days)
    assert [c.n for c in completed(challenge, member_a)] == [1, 2]


def test_spend_within_the_calendar_month(shop_a, member_a):
    merchant = shop_a.merchant
    challenge = make_challenge(
        merchant, kind=ChallengeKind.SPEND, goal_amount=Decimal("50.00"), window_days=None
    )
    today = local_today(merchant)
    first = datetime.combine(today.replace(day=1), datetime.min.time(), tzinfo=merchant.tzinfo)
    visit(shop_a, member_a, occurred_at=first - timedelta(hours=2), amount="40.00")  # last month
    visit(shop_a, member_a, occurred_at=first + timedelta(hours=10), amount="30.00")
    assert completed(challenge, member_a) == []
    visit(shop_a, member_a, occurred_at=first + timedelta(hours=11), amount="20.00")
    assert len(completed(challenge, member_a)) == 1


def test_a_new_category_completes_once_and_the_hidden_flag(shop_a, member_a, coffee):
    challenge = make_challenge(
        shop_a.merchant,
        name="Try a pastry",
        kind=ChallengeKind.NEW_CATEGORY,
        categories=["pastry"],
        reward_points=0,
        reward=coffee,
        hidden=True,
    )
    croissant = [{"sku": "CR", "category": "Pastry", "quantity": 1, "unit_price": "4.00"}]
    ring(shop_a, member_a, "4.00", items=croissant, occurred_at=days_ago(90))  # before
    ring(shop_a, member_a, "4.00", items=croissant)
    assert completed(challenge, member_a) == []  # pastry was bought before

    other = make_challenge(shop_a.merchant, kind=ChallengeKind.NEW_CATEGORY, categories=[])
    tea = [{"sku": "T", "category": "Tea", "quantity": 1, "unit_price": "2.00"}]
    ring(shop_a, member_a, "2.00", items=tea)
    assert len(completed(other, member_a)) == 1  # any category never bought before

    from tests.personas import make_bob

    bob = make_bob(shop_a.merchant)
    ring(shop_a, bob, "4.00", items=croissant)
    [done] = completed(challenge, bob)
    voucher = Voucher.objects.get(pk=done.voucher_id)
    assert (voucher.source, voucher.reward, voucher.member) == ("challenge", coffee, bob)
    assert done.points == 0
    ring(shop_a, bob, "4.00", items=croissant)
    assert len(completed(challenge, bob)) == 1


def test_a_weekday_and_hours_window(shop_a, member_a):
    merchant = shop_a.merchant
    tz = merchant.tzinfo
    now_local = timezone.now().astimezone(tz)
    weekday = (now_local - timedelta(days=1)).weekday()
    challenge = make_challenge(
        merchant,
        kind=ChallengeKind.TIME_WINDOW,
        goal_count=1,
        window_days=None,
        weekday=weekday,
        hour_from=8,
        hour_to=10,
    )
    yesterday = (now_local - timedelta(days=1)).date()
    midnight = datetime.combine(yesterday, datetime.min.time(), tzinfo=tz)

    def at(hour: int) -> datetime:
        return midnight + timedelta(hours=hour)

    visit(shop_a, member_a, occurred_at=at(10))  # 10:00 is past the window
    visit(shop_a, member_a, occurred_at=now_local - timedelta(days=2))  # another weekday
    assert completed(challenge, member_a) == []
    visit(shop_a, member_a, occurred_at=at(9) + timedelta(minutes=30))
    assert len(completed(challenge, member_a)) == 1


def test_the_dates_of_the_challenge(shop_a, member_a):
    today = local_today(shop_a.merchant)
    later = make_challenge(shop_a.merchant, goal_count=1, starts_on=today + timedelta(days=1))
    over = make_challenge(
        shop_a.merchant,
        goal_count=1,
        starts_on=today - timedelta(days=30),
        ends_on=today - timedelta(days=1),
    )
    off = make_challenge(shop_a.merchant, goal_count=1, active=False)
    visit(shop_a, member_a)
    assert not ChallengeCompletion.objects.filter(challenge__in=[later, over, off]).exists()


def test_visits_before_the_start_do_not_count(shop_a, member_a):
    challenge = make_challenge(
        shop_a.merchant, goal_count=2, starts_on=local_today(shop_a.merchant)
    )
    visit(shop_a, member_a, 3)
    visit(shop_a, member_a, 0)
    assert completed(challenge, member_a) == []


def test_the_budget_stops_paying_when_spent(shop_a, member_a):
    from tests.personas import make_bob

    challenge = make_challenge(shop_a.merchant, goal_count=1, points_budget=150)
    bob = make_bob(shop_a.merchant)
    visit(shop_a, member_a)
    visit(shop_a, bob)  # 100 + 100 > 150: Bob's is not paid
    challenge.refresh_from_db()
    assert challenge.points_paid == 100 and challenge.budget_left == 50
    assert completed(challenge, bob) == []
    Challenge.objects.filter(pk=challenge.pk).update(points_budget=200)
    visit(shop_a, bob)  # a raised budget pays the goal reached
    assert len(completed(challenge, bob)) == 1


def test_a_reversed_sale_takes_back_progress_not_yet_paid(shop_a, member_a, manager_a):
    challenge = make_challenge(shop_a.merchant, goal_count=3)
    visit(shop_a, member_a, 4)
    mistaken = visit(shop_a, member_a, 2)
    reverse_sale(purchase=mistaken, actor=manager_a, reason="Wrong card")
    visit(shop_a, member_a, 1)
    assert completed(challenge, member_a) == []  # two visits left of three
    visit(shop_a, member_a, 0)
    assert len(completed(challenge, member_a)) == 1


def test_a_paid_completion_stays_paid_after_a_reversal(shop_a, member_a, manager_a):
    challenge = make_challenge(shop_a.merchant, goal_count=1)
    sale = visit(shop_a, member_a)
    reverse_sale(purchase=sale, actor=manager_a, reason="Wrong card")
    [done] = completed(challenge, member_a)
    assert done.points == 100
    assert PointsEntry.objects.filter(reference=f"challenge:{challenge.pk}:1").count() == 1
    with pytest.raises(AppendOnlyError):
        ChallengeCompletion.objects.filter(pk=done.pk).delete()


def test_a_full_refund_does_not_count_as_a_visit(shop_a, member_a):
    challenge = make_challenge(shop_a.merchant, goal_count=2)
    sale = visit(shop_a, member_a, 3)
    refund_purchase(purchase=sale, amount=sale.amount, external_id="RF1")
    visit(shop_a, member_a, 0)
    assert completed(challenge, member_a) == []


def test_a_challenge_awards_its_badge_once(shop_a, member_a):
    badge = Badge.objects.create(merchant=shop_a.merchant, name="Regular", icon=BadgeIcon.TROPHY)
    challenge = make_challenge(shop_a.merchant, goal_count=1, limit_per_member=2, badge=badge)
    visit(shop_a, member_a, 2)
    visit(shop_a, member_a, 0)
    assert len(completed(challenge, member_a)) == 2
    held = MemberBadge.objects.get(member=member_a)
    assert (held.badge, held.source) == (badge, BadgeSource.CHALLENGE)
    [event] = events_of(shop_a.merchant, "badge.awarded")
    assert (event["badge"], event["source"]) == (badge.pk, "challenge")


def test_award_badge_is_idempotent_and_tenant_checked(shop_a, member_a, member_b):
    badge = Badge.objects.create(merchant=shop_a.merchant, name="Streaker", icon=BadgeIcon.FIRE)
    assert engine.award_badge(member_a, badge, BadgeSource.STREAK) is not None
    assert engine.award_badge(member_a, badge, BadgeSource.STREAK) is None
    assert MemberBadge.objects.filter(member=member_a).count() == 1
    assert len(events_of(shop_a.merchant, "badge.awarded")) == 1
    with pytest.raises(ValueError):
        engine.award_badge(member_b, badge, BadgeSource.STREAK)


def test_no_challenge_costs_one_query(shop_a, member_a, django_assert_num_queries):
    sale = visit(shop_a, member_a)
    with django_assert_num_queries(1):
        engine.count_sale_challenges(
            purchase=sale, member=member_a, shop=shop_a, items=[], actor=None, now=timezone.now()
        )

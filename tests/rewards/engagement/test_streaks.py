"""Visit streaks: extended by a visit in the next period, kept once by the grace, restarted after a
gap, milestones paid once per run, stepped back by a reversal, periods in the merchant's zone."""

from datetime import timedelta

import pytest

from loyalty.models.points import PointsEntry
from loyalty.points.refunds import refund_purchase
from rewards.engagement.queries import member_streak
from rewards.engagement.streaks import count_sale_visit, next_length, period_of, periods_between
from rewards.models import MemberStreak, StreakPeriod, StreakReward, StreakVisit
from rewards.sales import reverse_sale
from tests.loyalty.points.helpers import events_of, fresh, ring
from tests.rewards.engagement.streak_helpers import MONDAY, at, make_program, visit, week

pytestmark = pytest.mark.django_db


def streak_of(program, member) -> MemberStreak:
    return MemberStreak.objects.get(program=program, member=member)


def test_periods_are_mondays_or_days():
    assert period_of(StreakPeriod.WEEK, MONDAY + timedelta(days=6)) == MONDAY
    assert period_of(StreakPeriod.DAY, MONDAY + timedelta(days=6)) == MONDAY + timedelta(days=6)
    assert periods_between(StreakPeriod.WEEK, MONDAY, MONDAY + timedelta(weeks=3)) == 3
    assert periods_between(StreakPeriod.DAY, MONDAY, MONDAY + timedelta(days=3)) == 3
    blank = MemberStreak(length=0)
    assert next_length(StreakPeriod.WEEK, False, blank, MONDAY) == (1, False, True)


def test_a_visit_each_week_extends_the_streak(shop_a, member_a):
    program = make_program(shop_a.merchant)
    for n in range(3):
        visit(shop_a, member_a, week(n))
    streak = streak_of(program, member_a)
    assert (streak.length, streak.run, streak.best, streak.last_period) == (
        3,
        1,
        3,
        MONDAY + timedelta(weeks=2),
    )
    assert StreakVisit.objects.filter(member_streak=streak).count() == 3


def test_another_visit_in_the_same_week_changes_nothing(shop_a, member_a):
    program = make_program(shop_a.merchant)
    visit(shop_a, member_a, MONDAY)
    visit(shop_a, member_a, MONDAY + timedelta(days=6), hour=20)  # Sunday evening
    streak = streak_of(program, member_a)
    assert streak.length == 1
    assert StreakVisit.objects.filter(member_streak=streak).count() == 1


def test_the_grace_forgives_one_missed_week_per_streak(shop_a, member_a):
    program = make_program(shop_a.merchant, grace=True)
    visit(shop_a, member_a, week(0))
    visit(shop_a, member_a, week(2))  # week 1 missed: forgiven
    streak = streak_of(program, member_a)
    assert (streak.length, streak.grace_used, streak.run) == (2, True, 1)
    visit(shop_a, member_a, week(4))  # week 3 missed: the grace is spent
    streak = streak_of(program, member_a)
    assert (streak.length, streak.grace_used, streak.run) == (1, False, 2)
    assert streak.best == 2


def test_without_grace_a_missed_week_restarts_the_streak(shop_a, member_a):
    program = make_program(shop_a.merchant)
    visit(shop_a, member_a, week(0))
    visit(shop_a, member_a, week(1))
    visit(shop_a, member_a, week(3))
    streak = streak_of(program, member_a)
    assert (streak.length, streak.run, streak.best) == (1, 2, 2)


def test_a_long_gap_restarts_even_with_grace(shop_a, member_a):
    program = make_program(shop_a.merchant, grace=True)
    visit(shop_a, member_a, week(0))
    visit(shop_a, member_a, week(5))
    assert (streak_of(program, member_a).length, streak_of(program, member_a).run) == (1, 2)


def test_a_late_sale_of_an_older_week_changes_nothing(shop_a, member_a):
    program = make_program(shop_a.merchant)
    visit(shop_a, member_a, week(0))
    visit(shop_a, member_a, week(1))
    late = at(shop_a.merchant, week(0) + timedelta(days=1))
    ring(shop_a, member_a, "4.00", occurred_at=late, now=at(shop_a.merchant, week(1), 18))
    assert streak_of(program, member_a).length == 2
    assert StreakVisit.objects.count() == 2


def test_sales_before_the_program_started_do_not_count(shop_a, member_a):
    program = make_program(shop_a.merchant, started_at=at(shop_a.merchant, week(1), 0))
    visit(shop_a, member_a, week(0))
    assert not MemberStreak.objects.filter(program=program).exists()
    visit(shop_a, member_a, week(1))
    assert streak_of(program, member_a).length == 1


def test_a_milestone_pays_its_points_once_and_emits_its_event(shop_a, member_a):
    program = make_program(shop_a.merchant)
    before = fresh(member_a).points_balance
    for n in range(4):
        last = visit(shop_a, member_a, week(n))
    reward = StreakReward.objects.get()
    assert (reward.points, reward.run, reward.milestone.length) == (100, 1, 4)
    assert reward.entry.kind == "bonus" and reward.entry.purchase_id == last.pk
    earned_on_sales = sum(
        PointsEntry.objects.filter(member=member_a, kind="earn").values_list("points", flat=True)
    )
    assert fresh(member_a).points_balance == before + earned_on_sales + 100
    (event,) = events_of(shop_a.merchant, "streak.milestone")
    assert event == {
        "member": member_a.pk,
        "card_number": member_a.card_number,
        "streak_program": program.pk,
        "period": "week",
        "length": 4,
        "run": 1,
        "points": 100,
    }
    visit(shop_a, member_a, week(3) + timedelta(days=1))  # the same week again
    assert StreakReward.objects.count() == 1


def test_a_new_run_pays_its_milestones_again(shop_a, member_a):
    make_program(shop_a.merchant, milestones=((2, 30),))
    visit(shop_a, member_a, week(0))
    visit(shop_a, member_a, week(1))
    visit(shop_a, member_a, week(5))
    visit(shop_a, member_a, week(6))
    assert list(StreakReward.objects.values_list("run", "points")) == [(1, 30), (2, 30)]


def test_a_reversed_sale_steps_the_streak_back_and_a_paid_milestone_stays(shop_a, member_a):
    program = make_program(shop_a.merchant, milestones=((3, 50),))
    visit(shop_a, member_a, week(0))
    visit(shop_a, member_a, week(1))
    third = visit(shop_a, member_a, week(2))
    assert StreakReward.objects.count() == 1
    reverse_sale(purchase=third, actor=None, reason="wrong member")
    streak = streak_of(program, member_a)
    assert (streak.length, streak.last_period) == (2, MONDAY + timedelta(weeks=1))
    assert StreakReward.objects.count() == 1  # paid stays paid
    visit(shop_a, member_a, week(2) + timedelta(days=1))
    assert streak_of(program, member_a).length == 3
    assert StreakReward.objects.count() == 1  # not twice in one run
    rows = (
        StreakVisit.objects.filter(member_streak=streak)
        .order_by("id")
        .values_list("kind", flat=True)
    )
    assert list(rows) == ["count", "count", "count", "undo", "count"]


def test_reversing_one_of_two_sales_of_a_week_keeps_the_week(shop_a, member_a):
    program = make_program(shop_a.merchant)
    visit(shop_a, member_a, week(0))
    first = visit(shop_a, member_a, week(1))
    second = visit(shop_a, member_a, week(1) + timedelta(days=1))
    reverse_sale(purchase=first, actor=None, reason="wrong member")
    streak = streak_of(program, member_a)
    assert streak.length == 2
    standing = StreakVisit.objects.filter(
        member_streak=streak, kind="count", undone_by__isnull=True
    ).latest("id")
    assert standing.purchase_id == second.pk


def test_reversing_an_older_weeks_sale_changes_nothing(shop_a, member_a):
    program = make_program(shop_a.merchant)
    first = visit(shop_a, member_a, week(0))
    visit(shop_a, member_a, week(1))
    reverse_sale(purchase=first, actor=None, reason="wrong member")
    assert streak_of(program, member_a).length == 2


def test_reversing_the_first_visit_leaves_no_streak(shop_a, member_a):
    program = make_program(shop_a.merchant)
    first = visit(shop_a, member_a, week(0))
    reverse_sale(purchase=first, actor=None, reason="wrong member")
    assert streak_of(program, member_a).length == 0
    visit(shop_a, member_a, week(1))
    assert (streak_of(program, member_a).length, streak_of(program, member_a).run) == (1, 2)


def test_the_week_turns_at_the_merchants_midnight(shop_a, member_a):
    """Sunday 23:30 in Bucharest is Sunday 21:30 UTC; Monday 00:30 there is Sunday 22:30 UTC:
    both are Sunday in UTC but two different weeks for the shop."""
    program = make_program(shop_a.merchant)
    sunday = MONDAY + timedelta(days=6)
    visit(shop_a, member_a, sunday, hour=23, minute=30)
    visit(shop_a, member_a, sunday + timedelta(days=1), hour=0, minute=30)
    streak = streak_of(program, member_a)
    assert (streak.length, streak.last_period) == (2, MONDAY + timedelta(weeks=1))


def test_a_daily_streak(shop_a, member_a):
    program = make_program(shop_a.merchant, period=StreakPeriod.DAY, milestones=((3, 20),))
    for n in range(3):
        visit(shop_a, member_a, MONDAY + timedelta(days=n))
    assert streak_of(program, member_a).length == 3
    assert StreakReward.objects.get().points == 20


def test_no_streak_program_no_rows(shop_a, member_a):
    visit(shop_a, member_a, MONDAY)
    assert not MemberStreak.objects.exists()


def test_a_switched_off_program_counts_nothing(shop_a, member_a):
    make_program(shop_a.merchant, active=False)
    visit(shop_a, member_a, MONDAY)
    assert not MemberStreak.objects.exists()


# --- What the till and the member page say ------------------------------------------------------


def test_the_status_lapses_by_itself(shop_a, member_a):
    program = make_program(shop_a.merchant)
    for n in range(5):
        visit(shop_a, member_a, week(n))
    merchant = shop_a.merchant
    same_week = member_streak(member_a, now=at(merchant, week(4) + timedelta(days=1)))
    assert (same_week.length, same_week.alive, same_week.at_risk) == (5, True, False)
    assert same_week.label == "5 weeks in a row"
    assert same_week.next_milestone.length == 8
    assert same_week.periods_to_next == 3
    assert same_week.till_line == "3 more weeks to 8 weeks: 250 points"
    assert same_week.next_line == "next: 8 weeks pays 250 points"
    next_week = member_streak(member_a, now=at(merchant, week(5)))
    assert (next_week.length, next_week.at_risk) == (5, True)
    lapsed = member_streak(member_a, now=at(merchant, week(6)))
    assert (lapsed.length, lapsed.alive, lapsed.best) == (0, False, 5)
    assert lapsed.label == "No streak yet"
    assert lapsed.till_line == "4 more weeks to 4 weeks: 100 points"
    assert program.pk == lapsed.program.pk


def test_the_grace_keeps_the_status_alive_one_more_week(shop_a, member_a):
    make_program(shop_a.merchant, grace=True)
    visit(shop_a, member_a, week(0))
    status = member_streak(member_a, now=at(shop_a.merchant, week(2)))
    assert (status.length, status.at_risk, status.grace_left) == (1, True, True)
    assert member_streak(member_a, now=at(shop_a.merchant, week(3))).length == 0


def test_a_member_without_visits_and_a_merchant_without_program(shop_a, member_a):
    assert member_streak(member_a) is None
    make_program(shop_a.merchant)
    status = member_streak(member_a)
    assert (status.length, status.alive, status.next_milestone.length) == (0, False, 4)
    assert status.till_line == "4 more weeks to 4 weeks: 100 points"


def test_every_milestone_reached(shop_a, member_a):
    make_program(shop_a.merchant, milestones=((2, 10),))
    visit(shop_a, member_a, week(0))
    visit(shop_a, member_a, week(1))
    status = member_streak(member_a, now=at(shop_a.merchant, week(1)))
    assert status.next_milestone is None and status.till_line == "Every milestone reached"


def test_the_hook_costs_one_statement_without_a_streak_program(
    shop_a, member_a, django_assert_num_queries
):
    sale = visit(shop_a, member_a, MONDAY)
    with django_assert_num_queries(1):
        count_sale_visit(
            purchase=sale, member=member_a, shop=shop_a, items=[], actor=None, now=sale.recorded_at
        )


def test_a_refund_keeps_the_visit(shop_a, member_a):
    program = make_program(shop_a.merchant)
    sale = visit(shop_a, member_a, week(0))
    refund_purchase(purchase=sale, external_id="RF-STREAK", amount=sale.amount)
    assert streak_of(program, member_a).length == 1

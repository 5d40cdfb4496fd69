"""Streak fixtures: the café's weekly streak, 4, 8 and 12 weeks paying points."""

from datetime import date, datetime, time, timedelta

from rewards.models import StreakMilestone, StreakPeriod, StreakProgram
from tests.loyalty.points.helpers import ring

MONDAY = date(2026, 3, 2)  # a Monday


def make_program(merchant, *, milestones=((4, 100), (8, 250), (12, 500)), **fields):
    defaults = {
        "name": "Weekly regulars",
        "period": StreakPeriod.WEEK,
        "grace": False,
        "started_at": datetime(2025, 1, 1, tzinfo=merchant.tzinfo),
    }
    program = StreakProgram.objects.create(merchant=merchant, **(defaults | fields))
    for length, points in milestones:
        StreakMilestone.objects.create(
            merchant=merchant, program=program, length=length, points=points
        )
    return program


def at(merchant, day: date, hour: int = 12, minute: int = 0) -> datetime:
    """A moment of the merchant's wall clock."""
    return datetime.combine(day, time(hour, minute), tzinfo=merchant.tzinfo)


def visit(shop, member, day: date, hour: int = 12, minute: int = 0, **kwargs):
    """A sale on `day` at the merchant's `hour`, recorded then (as a backfill would)."""
    moment = at(shop.merchant, day, hour, minute)
    return ring(shop, member, "5.00", occurred_at=moment, now=moment, **kwargs).purchase


def week(n: int) -> date:
    """The Wednesday of the n-th week after MONDAY's (0: MONDAY's week)."""
    return MONDAY + timedelta(weeks=n, days=2)

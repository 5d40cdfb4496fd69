"""How the demo's customers behave: two years of visits, drawn before anything is written.

Each customer follows a BG/NBD-like process, the one the CLV models assume: while "alive" they
come back at their own rate (a Gamma-distributed number of visits a week), and after each visit
they may stop for good (a Beta-distributed chance). So each month's newcomers thin out over the
following months, a few heavy regulars stopped a while ago (the "at risk" list), and most of the
money comes from a minority. On top of the rate, the café's rhythm: busier on Fridays and
Saturdays, quieter on Sundays, in August and in the January lull, busiest in December; mornings
and lunch are the peaks. Baskets are built from the menu, each customer with their habits.

Pure: no database. `loyalty.demo.points` enrols the members, imports the visits before the
program's launch through the purchase history import and records the rest through the engine.
"""

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

# BG/NBD-like parameters, time in weeks: rate ~ Gamma(R, 1/ALPHA) (mean one visit in eleven weeks,
# a long tail of daily regulars), drop-out chance after a visit ~ Beta(A, B) (mean 1 in 7).
R, ALPHA = 0.45, 5.0
A, B = 1.0, 6.0
MAX_RATE = 6.0  # visits a week: nobody comes more than about once a day
MIN_RATE = 0.01  # about once in two years
# Monday first. Relative busyness of a weekday and of a month (January to December).
WEEKDAYS = (0.95, 0.95, 1.0, 1.05, 1.2, 1.25, 0.7)
MONTHS = (0.8, 0.9, 1.0, 1.0, 1.05, 1.0, 0.9, 0.7, 1.05, 1.1, 1.05, 1.3)
PEAK = max(WEEKDAYS) * max(MONTHS)
# Opening hours 7:30 to 20:00; (first hour, last hour, weight): morning rush, lunch, afternoon.
HOURS = ((7, 9, 4.0), (10, 11, 1.5), (12, 13, 3.0), (14, 16, 1.5), (17, 19, 1.0))
# The menu in euros: (name, price). Drinks, pastries, food, and beans to take home.
DRINKS = (
    ("espresso", "2.20"),
    ("cappuccino", "3.40"),
    ("flat white", "3.80"),
    ("latte", "3.90"),
    ("tea", "2.60"),
    ("iced coffee", "4.10"),
)
PASTRIES = (("croissant", "2.50"), ("pain au chocolat", "2.80"), ("cake", "4.20"))
FOOD = (("sandwich", "5.90"), ("salad", "7.50"), ("quiche", "6.40"))
BEANS = "12.90"


@dataclass(frozen=True)
class Habits:
    """What a customer is like: when they started, how often they come, where and for what."""

    start: datetime  # their first visit (or when they could first have come)
    rate: float  # visits a week while they are a customer
    drop: float  # the chance that a visit is their last
    home_shop: int  # index of the shop they mostly go to
    loyal_to_shop: float  # share of their visits at their home shop
    pastry: float  # chance of a pastry with the coffee
    food: float  # chance of lunch
    company: float  # chance they pay for a friend too


@dataclass(frozen=True)
class Visit:
    customer: int  # index of the customer
    at: datetime  # aware, in the merchant's time zone
    amount: Decimal
    shop: int  # index of the shop


def habits(rng: random.Random, start: datetime, shops: int) -> Habits:
    """A customer drawn from the café's population."""
    return Habits(
        start=start,
        rate=min(MAX_RATE, max(MIN_RATE, rng.gammavariate(R, 1 / ALPHA))),
        drop=rng.betavariate(A, B),
        home_shop=rng.randrange(shops),
        loyal_to_shop=rng.uniform(0.7, 0.97),
        pastry=rng.uniform(0.1, 0.7),
        food=rng.uniform(0.0, 0.35),
        company=rng.uniform(0.0, 0.3),
    )


def basket(rng: random.Random, habit: Habits) -> Decimal:
    """One receipt from the menu: a drink or two, perhaps a pastry or lunch, now and then beans."""
    people = 2 if rng.random() < habit.company else 1
    total = Decimal(0)
    for _person in range(people):
        total += Decimal(rng.choice(DRINKS)[1])
        if rng.random() < habit.pastry:
            total += Decimal(rng.choice(PASTRIES)[1])
        if rng.random() < habit.food:
            total += Decimal(rng.choice(FOOD)[1])
    if rng.random() < 0.03:
        total += Decimal(BEANS)
    return total


def _busyness(moment: datetime) -> float:
    return WEEKDAYS[moment.weekday()] * MONTHS[moment.month - 1]


def _opening_time(rng: random.Random, day: datetime, tz: ZoneInfo) -> datetime:
    first, last, _weight = rng.choices(HOURS, [weight for *_span, weight in HOURS])[0]
    hour = rng.randint(first, last)
    minute = rng.randint(30 if hour == 7 else 0, 59)
    return datetime.combine(day.date(), time(hour, minute), tzinfo=tz)


def visits_of(
    rng: random.Random,
    customer: int,
    habit: Habits,
    until: datetime,
    tz: ZoneInfo,
    shops: int,
    *,
    first_at_start: bool = False,
) -> list[Visit]:
    """The customer's visits from `habit.start` until `until` (or until they stop coming).

    The gaps follow their rate, thinned by the café's rhythm (a quiet day is skipped more
    often); with `first_at_start` the first visit is at `habit.start` itself (joining at the
    till with a purchase), else on the first opening hour after it.
    """
    visits: list[Visit] = []
    moment = habit.start
    while moment < until:
        if first_at_start and not visits:
            at = habit.start
        else:
            at = _opening_time(rng, moment.astimezone(tz), tz)
            if at <= habit.start:
                at = habit.start + timedelta(minutes=rng.randint(5, 90))
        if at >= until:
            break
        shop = habit.home_shop if rng.random() < habit.loyal_to_shop else rng.randrange(shops)
        visits.append(Visit(customer, at, basket(rng, habit), shop))
        if rng.random() < habit.drop:
            break
        # The next visit: a gap at the peak rate, kept with the chance of that day's busyness.
        moment = at
        while True:
            gap = rng.expovariate(habit.rate * PEAK)
            moment = until if gap > 520 else moment + timedelta(weeks=gap)
            if moment >= until or rng.random() < _busyness(moment) / PEAK:
                break
        # At most one visit a day: the next one is on a later day.
        moment = max(moment, datetime.combine(at.date() + timedelta(days=1), time(0), tzinfo=tz))
    return visits

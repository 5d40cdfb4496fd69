"""Demo data for the points engine: a program with bonuses, members and two years of purchases.

The program started a year ago (`LAUNCH_DAYS`). The café's old till knew its regular customers
for a year before that: those customers were imported as members on the launch morning, and
their purchases from the old till come in through the purchase history import, as a CSV file
(`import_history`, the path of `manage.py import_purchases`), without points. Since the launch
every sale goes through the engine with the clock set to its moment, and the nightly jobs run
on their historic days (points expire after six months without a visit), so the ledger, lots,
tiers, caches and the monthly liability are what real use would have produced and
`reconcile_points` passes on the demo.

Who comes when is drawn by `loyalty.demo.behaviour`, before anything is written.
"""

import contextlib
import csv
import io
import random
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from loyalty.demo.behaviour import Habits, Visit, habits, visits_of
from loyalty.demo.members import enrol_demo_members
from loyalty.errors import DomainError
from loyalty.models import ExpiryMode, Merchant, Shop
from loyalty.points.jobs import expire_points, reevaluate_tiers
from loyalty.points.ledger import CENT, get_program
from loyalty.points.purchases import record_purchase
from loyalty.points.refunds import refund_purchase
from members.models import Member, MemberSource
from members.services.history_import import import_history

# How a regular spends points at a visit: the rewards app redeems a reward of the catalogue
# through its own service (rewards.demo.redeem_at_visit, registered by rewards.apps), so that
# every redemption of the demo is a voucher and the dashboard and the redemptions report agree.
DEMO_REDEEMERS: list[Callable[..., object]] = []


def register_demo_redeemer(redeem: Callable[..., object]) -> None:
    """Let `redeem(member=, balance=, shop=, rng=, now=)` redeem at a regular's visits."""
    if redeem not in DEMO_REDEEMERS:
        DEMO_REDEEMERS.append(redeem)


DEMO_MEMBERS = 2000  # tests set a dozen, or a few hundred for the CLV
LAUNCH_DAYS = 365  # the program started a year ago...
HISTORY_DAYS = 730  # ...and the old till's history goes back a year before it
NEVER_CAME = 0.15  # of those who joined on the join page: never bought anything
# The longest-standing members include a few regulars who come two or three times a week and
# never stop, so that whatever day the demo is seeded (and however few members a test seeds),
# streaks, stamp cards and rewards have someone to show.
REGULARS = 3
REGULAR_RATE = 2.5  # visits a week
ANONYMOUS_PER_DAY = 1.0  # receipts without a card since the launch (each through the engine)
REFUNDED = 0.01  # of the sales since the launch: half refunded two days later
HISTORY_HEADER = ("customer_id", "date", "time", "amount", "shop", "external_id", "email", "phone")


def seed_points(merchant: Merchant, stdout=None, *, members: int | None = None) -> None:
    count = members or DEMO_MEMBERS
    rng = random.Random(20261123)  # noqa: S311 - the same demo every time, not a secret
    program = get_program(merchant)
    program.welcome_bonus = 50
    program.first_purchase_bonus = 25
    program.birthday_bonus = 100
    program.referral_bonus = 100  # a referred friend's first purchase pays both, once
    program.excluded_categories = ["gift cards"]
    # Ten points a euro: a free coffee (300 points) after about six visits.
    program.points_per_unit = Decimal("10")
    # A cap on the points of one sale: a few big sales are capped and flagged for review.
    program.max_points_per_purchase = 250
    # Points of a member who stops coming expire: the liability view has breakage to show.
    program.expiry_mode = ExpiryMode.INACTIVITY
    program.expiry_months = 6
    program.save()
    # Tiers a café's regulars reach in a year of coffees (spend over twelve months).
    for name, threshold in (("Gold", 200), ("Silver", 100)):
        merchant.tiers.filter(name=name).update(threshold=Decimal(threshold))
    shops = list(Shop.objects.for_merchant(merchant).active().order_by("pk"))
    now = timezone.now()
    launch = now - timedelta(days=LAUNCH_DAYS)
    people = enrol_demo_members(merchant, count, rng, now, launch)
    visits = _visits(merchant, people, shops, rng, now)
    # Before a member joined, their purchases were on the old till; since, on Fidela.
    before = [visit.at < people[visit.customer].joined_at for visit in visits]
    old_till = [visit for visit, old in zip(visits, before, strict=True) if old]
    imported = import_old_till(merchant, history_csv(old_till, people, shops), now)
    sales = _Sales(merchant, shops, rng, now)
    sales.replay(people, [visit for visit, old in zip(visits, before, strict=True) if not old])
    sales.anonymous(launch)
    reevaluate_tiers(now=now)
    if stdout is not None:
        stdout.write(
            f"  {count} members, {imported} purchases of the old till imported as history "
            f"(the year before the program) and {sales.count} sales since its launch a year ago."
        )


def _visits(
    merchant: Merchant, people: list[Member], shops: list[Shop], rng: random.Random, now
) -> list[Visit]:
    """Every member's visits over the two years, in time order.

    The imported members were customers of the old till since some day of the year before the
    launch (some had stopped coming by then); the others start when they join: with a
    purchase at the till, or a little later after joining online (a few never come).
    """
    tz = merchant.tzinfo
    first_day = now - timedelta(days=HISTORY_DAYS)
    visits: list[Visit] = []
    longest = sorted(range(len(people)), key=lambda index: people[index].joined_at)
    regulars = set(longest[:REGULARS])
    for index, member in enumerate(people):
        first_at_start = False
        if member.source == MemberSource.IMPORT:
            start = first_day + (member.joined_at - first_day) * rng.random()
        elif member.source == MemberSource.POS:
            start, first_at_start = member.joined_at + timedelta(minutes=1), True
        else:
            start = member.joined_at
            if rng.random() < NEVER_CAME and index not in regulars:
                continue
        habit: Habits = habits(rng, start, len(shops))
        own = visits_of(rng, index, habit, now, tz, len(shops), first_at_start=first_at_start)
        if index in regulars:
            # Drawn from a generator of their own, so everyone else's visits stay as they were.
            regular = replace(habit, rate=max(habit.rate, REGULAR_RATE), drop=0.0)
            own = visits_of(
                random.Random(index + 7919),  # noqa: S311 - the same demo every time
                index,
                regular,
                now,
                tz,
                len(shops),
                first_at_start=first_at_start,
            )
        visits += own
    return sorted(visits, key=lambda visit: (visit.at, visit.customer))
    return sorted(visits, key=lambda visit: (visit.at, visit.customer))


def history_csv(visits: list[Visit], people: list[Member], shops: list[Shop]) -> str:
    """The old till's export: one line per receipt, the customer by the till's own id with the
    email and phone it knew, dates and times in the café's time zone."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HISTORY_HEADER)
    for number, visit in enumerate(visits, start=1):
        member = people[visit.customer]
        writer.writerow(
            (
                f"AROMA-{visit.customer + 1:05d}",
                visit.at.date().isoformat(),
                visit.at.strftime("%H:%M"),
                f"{visit.amount:.2f}",
                shops[visit.shop].name,
                f"TILL-{number:06d}",
                member.email,
                member.phone,
            )
        )
    return out.getvalue()


def import_old_till(merchant: Merchant, text: str, now: datetime) -> int:
    """The old till's history through the purchase history import, without points. Every
    customer in it is a demo member already (found by email or phone, and given the till's
    id as their reference). Returns the purchases added."""
    report = import_history(merchant=merchant, text=text, award_points=False, now=now)
    if not report.ok or report.members_created:
        # The file is made here from the members: an error is a bug of the demo.
        problems = "; ".join(str(error) for error in report.errors[:5])
        raise RuntimeError(f"The demo's history import failed: {report.counts()} {problems}")
    return report.purchases_added


# What a café sells, with how likely each is a customer's favourite (the line items give the
# campaigns' category affinity and the category promotions something to work with).
CATEGORIES = (("coffee", 45), ("pastries", 30), ("coffee beans", 15), ("tea", 10))


def basket(customer: int, sale: int, amount: Decimal) -> list[dict]:
    """The sale's line items: most of it in the customer's favourite category, sometimes a
    second line in another; the lines add up to the amount. Drawn from their own generator
    (seeded by the customer and the sale), so the demo's visits and amounts stay as they were."""
    rng = random.Random(customer * 7919 + 17)  # noqa: S311 - the same demo every time
    names = [name for name, _weight in CATEGORIES]
    favourite = rng.choices(names, weights=[w for _name, w in CATEGORIES])[0]
    draw = random.Random(customer * 104729 + sale)  # noqa: S311
    lines = [favourite]
    if amount >= Decimal("6") and draw.random() < 0.4:
        lines.append(draw.choice([name for name in names if name != favourite]))
    if len(lines) == 1:
        shares = [amount]
    else:
        first = (amount * Decimal(str(round(draw.uniform(0.55, 0.85), 2)))).quantize(CENT)
        shares = [first, amount - first]
    return [
        {
            "sku": category.upper().replace(" ", "-"),
            "name": category.capitalize(),
            "category": category,
            "quantity": "1",
            "unit_price": f"{share:.2f}",
        }
        for category, share in zip(lines, shares, strict=True)
    ]


class _Sales:
    """Sales of the demo through the engine, each with the clock at its moment."""

    def __init__(self, merchant: Merchant, shops: list[Shop], rng: random.Random, now):
        self.merchant, self.shops, self.rng, self.now = merchant, shops, rng, now
        self.count = 0

    def record(self, member: Member | None, shop: Shop, occurred: datetime, amount: Decimal):
        self.count += 1
        return record_purchase(
            shop=shop,
            member=member,
            external_id=f"DEMO-{self.count:06d}",
            amount=amount,
            occurred_at=occurred,
            now=occurred,
            items=basket(member.pk if member else self.count, self.count, amount),
        )

    def replay(self, people: list[Member], visits: list[Visit]) -> None:
        """The visits in time order, with the nightly jobs in between on the first of each
        month (often enough for the demo): points expiry, then the tiers' re-evaluation."""
        jobs = _job_days(visits[0].at if visits else self.now, self.now, self.merchant.tzinfo)
        for visit in visits:
            while jobs and jobs[0] <= visit.at:
                self.jobs(jobs.pop(0))
            self.visit(people[visit.customer], visit)
        for moment in jobs:
            self.jobs(moment)

    @staticmethod
    def jobs(moment: datetime) -> None:
        expire_points(now=moment)
        reevaluate_tiers(now=moment)

    def visit(self, member: Member, visit: Visit) -> None:
        """One sale; now and then a refund two days later, or points spent on a reward."""
        rng = self.rng
        result = self.record(member, self.shops[visit.shop], visit.at, visit.amount)
        refund_at = visit.at + timedelta(days=2)
        if rng.random() < REFUNDED and refund_at < self.now:
            refund_purchase(
                purchase=result.purchase,
                external_id=f"DEMO-R{self.count:06d}",
                amount=(result.purchase.amount / 2).quantize(Decimal("0.01")),
                now=refund_at,
            )
        elif (result.points_balance or 0) > 300 and rng.random() < 0.25:
            for redeem in DEMO_REDEEMERS:
                with contextlib.suppress(DomainError):
                    redeem(
                        member=member,
                        balance=result.points_balance,
                        shop=result.purchase.shop,
                        rng=rng,
                        now=visit.at + timedelta(minutes=1),
                    )

    def anonymous(self, launch: datetime) -> None:
        """Receipts without a card since the launch, the last twenty waiting to be claimed."""
        rng = self.rng
        days = (self.now - launch).days
        for _sale in range(int(days * ANONYMOUS_PER_DAY)):
            day = (launch + timedelta(days=rng.uniform(0, days))).astimezone(self.merchant.tzinfo)
            occurred = datetime.combine(
                day.date(), time(rng.randint(8, 19), rng.randint(0, 59)), tzinfo=day.tzinfo
            )
            if occurred < self.now:
                self.record(None, rng.choice(self.shops), occurred, _anonymous_amount(rng))
        for extra in range(20):
            self.record(
                None,
                rng.choice(self.shops),
                self.now - timedelta(hours=extra * 5 + 1),
                _anonymous_amount(rng),
            )


def _anonymous_amount(rng: random.Random) -> Decimal:
    return Decimal(rng.randint(250, 2500)) / 100


def _job_days(first: datetime, now: datetime, tz) -> list[datetime]:
    """The first of each month from `first` to `now`, at 03:00 in the merchant's time zone."""
    day = first.astimezone(tz).date().replace(day=1)
    jobs = []
    while day <= now.astimezone(tz).date():
        moment = datetime.combine(day, time(3, 0), tzinfo=tz)
        if first < moment < now:
            jobs.append(moment)
        day = (day + timedelta(days=32)).replace(day=1)
    return jobs

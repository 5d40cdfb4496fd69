"""Demo data for the points engine: a program with bonuses, members and a year of purchases.

The members come from `loyalty.demo.members`; the regulars among them have a year of visits,
the others one or two sales or none.

Everything goes through the real services with the clock set to the moment of each sale,
so the ledger, lots, tiers and caches are exactly what real use would have produced and
`reconcile_points` passes on the demo.
"""

import contextlib
import random
from collections.abc import Callable
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from loyalty.demo.members import enrol_demo_members
from loyalty.errors import DomainError
from loyalty.models import Merchant, Shop
from loyalty.points.jobs import reevaluate_tiers
from loyalty.points.ledger import get_program
from loyalty.points.purchases import record_purchase
from loyalty.points.refunds import refund_purchase
from members.models import Member, MemberSource

# How a regular spends points at a visit: the rewards app redeems a reward of the catalogue
# through its own service (rewards.demo.redeem_at_visit, registered by rewards.apps), so that
# every redemption of the demo is a voucher and the dashboard and the redemptions report agree.
DEMO_REDEEMERS: list[Callable[..., object]] = []


def register_demo_redeemer(redeem: Callable[..., object]) -> None:
    """Let `redeem(member=, balance=, shop=, rng=, now=)` redeem at a regular's visits."""
    if redeem not in DEMO_REDEEMERS:
        DEMO_REDEEMERS.append(redeem)


DEMO_MEMBERS = 2000  # tests set a dozen
# Regulars with a year of visits; everyone else came once or twice, or not since joining.
# Each sale goes through the engine, so this is most of the seed's time.
HISTORY_MEMBERS = 200


def seed_points(merchant: Merchant, stdout=None, *, members: int | None = None) -> None:
    count = members or DEMO_MEMBERS
    rng = random.Random(20261123)  # noqa: S311 - the same demo every time, not a secret
    program = get_program(merchant)
    program.welcome_bonus = 50
    program.first_purchase_bonus = 25
    program.birthday_bonus = 100
    program.referral_bonus = 100  # a referred friend's first purchase pays both, once
    program.excluded_categories = ["gift cards"]
    # A cap on the points of one sale: a few big sales are capped and flagged for review.
    program.max_points_per_purchase = 60
    program.save()
    shops = list(Shop.objects.for_merchant(merchant).active())
    now = timezone.now()
    people = enrol_demo_members(merchant, count, rng, now)
    regulars = set(rng.sample(range(len(people)), min(HISTORY_MEMBERS, len(people))))
    sales = _Sales(merchant, shops, rng, now)
    for index, member in enumerate(people):
        if index in regulars:
            sales.regular(member)
        else:
            sales.occasional(member)
    # Anonymous sales waiting to be claimed, recent ones.
    for extra in range(20):
        sales.record(
            None, now - timedelta(hours=extra * 5 + 1), Decimal(rng.randint(300, 2500)) / 100
        )
    reevaluate_tiers(now=now)
    if stdout is not None:
        stdout.write(
            f"  {count} members ({len(regulars)} regulars) and {sales.count} sales over the "
            "last year."
        )


class _Sales:
    """Sales of the demo through the engine, each with the clock at its moment."""

    def __init__(self, merchant: Merchant, shops: list[Shop], rng: random.Random, now):
        self.merchant, self.shops, self.rng, self.now = merchant, shops, rng, now
        self.count = 0

    def at_opening_hours(self, moment: datetime) -> datetime | None:
        local = moment.astimezone(self.merchant.tzinfo)
        opening = datetime.combine(
            local.date(), time(self.rng.randint(8, 19), self.rng.randint(0, 59))
        )
        occurred = timezone.make_aware(opening, self.merchant.tzinfo)
        return occurred if occurred < self.now else None

    def record(self, member: Member | None, occurred: datetime, amount: Decimal | None = None):
        self.count += 1
        return record_purchase(
            shop=self.rng.choice(self.shops),
            member=member,
            external_id=f"DEMO-{self.count:06d}",
            amount=amount or Decimal(self.rng.randint(250, 6500)) / 100,
            occurred_at=occurred,
            now=occurred if member else None,
        )

    def regular(self, member: Member) -> None:
        """Regulars, occasional visitors and a few who came once, from joining until now."""
        rng = self.rng
        visits = rng.choice([1, 2, 3, 5, 8, 12, 20, 30, 45])
        moment = member.joined_at
        for _visit in range(visits):
            moment += timedelta(days=rng.expovariate(1 / max(2.0, 300 / visits)))
            if moment >= self.now - timedelta(hours=1):
                break
            occurred = self.at_opening_hours(moment)
            if occurred is None:
                break
            result = self.record(member, occurred)
            if rng.random() < 0.03:
                refund_purchase(
                    purchase=result.purchase,
                    external_id=f"DEMO-R{self.count:06d}",
                    amount=(result.purchase.amount / 2).quantize(Decimal("0.01")),
                    now=occurred + timedelta(days=2),
                )
            elif (result.points_balance or 0) > 300 and rng.random() < 0.25:
                for redeem in DEMO_REDEEMERS:
                    with contextlib.suppress(DomainError):
                        redeem(
                            member=member,
                            balance=result.points_balance,
                            shop=result.purchase.shop,
                            rng=rng,
                            now=occurred + timedelta(minutes=1),
                        )

    def occasional(self, member: Member) -> None:
        """None, one or two sales: at the till the first comes with the card."""
        rng = self.rng
        visits = rng.choice([0, 0, 1, 1, 1, 2])
        moment = member.joined_at
        for visit in range(visits):
            if visit == 0 and member.source == MemberSource.POS:
                occurred = moment + timedelta(minutes=1)
            else:
                moment += (self.now - moment) * rng.random()
                occurred = self.at_opening_hours(moment)
            if occurred is None or occurred >= self.now or occurred < member.joined_at:
                break
            moment = occurred
            self.record(member, occurred)

"""Demo data for the points engine: a program with bonuses, members and a year of purchases.

Everything goes through the real services with the clock set to the moment of each sale,
so the ledger, lots, tiers and caches are exactly what real use would have produced and
`reconcile_points` passes on the demo.
"""

import contextlib
import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from loyalty.errors import DomainError
from loyalty.models import Merchant, Shop
from loyalty.services import points
from members.models import MemberSource
from members.services import enrol_member

FIRST_NAMES = [
    "Ana", "Mihai", "Ioana", "Andrei", "Elena", "Radu", "Maria", "Alex", "Sofia", "Tudor",
    "Irina", "Vlad", "Carmen", "Dan", "Lucia", "Paul", "Oana", "Stefan", "Bianca", "Matei",
    "Emma", "Luca", "Clara", "Noah", "Mia", "Leo", "Zoe", "Hugo", "Ines", "Theo",
]  # fmt: skip
LAST_NAMES = [
    "Popescu", "Ionescu", "Dumitru", "Stan", "Georgescu", "Matei", "Constantin", "Marin",
    "Tudor", "Dobre", "Barbu", "Nistor", "Florea", "Lazar", "Moldovan", "Smith", "Weber",
    "Rossi", "Martin", "Novak",
]  # fmt: skip
DEMO_MEMBERS = 150


def seed_points(merchant: Merchant, stdout=None, *, members: int | None = None) -> None:
    members = members or DEMO_MEMBERS
    rng = random.Random(20261123)  # noqa: S311 - the same demo every time, not a secret
    program = points.get_program(merchant)
    program.welcome_bonus = 50
    program.first_purchase_bonus = 25
    program.birthday_bonus = 100
    program.excluded_categories = ["gift cards"]
    # A cap on the points of one sale: a few big sales are capped and flagged for review.
    program.max_points_per_purchase = 60
    program.save()
    shops = list(Shop.objects.for_merchant(merchant).active())
    now = timezone.now()
    year_ago = now - timedelta(days=365)
    sale_number = 0
    for index in range(members):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        joined = year_ago + timedelta(days=rng.uniform(0, 330))
        birthday = date(rng.randint(1960, 2004), rng.randint(1, 12), rng.randint(1, 28))
        member = enrol_member(
            merchant=merchant,
            email=f"{first}.{last}.{index}@example.com".lower(),
            phone=f"+4072{index:07d}",
            first_name=first,
            last_name=last,
            birthday=birthday if rng.random() < 0.7 else None,
            source=rng.choice([MemberSource.POS, MemberSource.POS, MemberSource.JOIN_PAGE]),
            shop=rng.choice(shops),
            joined_at=joined,
            now=joined,
        )
        # Regulars, occasional visitors and a few who came once.
        visits = rng.choice([1, 2, 3, 5, 8, 12, 20, 30, 45])
        moment = joined
        for _visit in range(visits):
            moment += timedelta(days=rng.expovariate(1 / max(2.0, 300 / visits)))
            if moment >= now - timedelta(hours=1):
                break
            local = moment.astimezone(merchant.tzinfo)
            opening = datetime.combine(local.date(), time(rng.randint(8, 19), rng.randint(0, 59)))
            occurred = timezone.make_aware(opening, merchant.tzinfo)
            if occurred >= now:
                break
            sale_number += 1
            amount = Decimal(rng.randint(250, 6500)) / 100
            result = points.record_purchase(
                shop=rng.choice(shops),
                member=member,
                external_id=f"DEMO-{sale_number:06d}",
                amount=amount,
                occurred_at=occurred,
                now=occurred,
            )
            if rng.random() < 0.03:
                refund_amount = (amount / 2).quantize(Decimal("0.01"))
                points.refund_purchase(
                    purchase=result.purchase,
                    external_id=f"DEMO-R{sale_number:06d}",
                    amount=refund_amount,
                    now=occurred + timedelta(days=2),
                )
            elif (result.points_balance or 0) > 300 and rng.random() < 0.25:
                with contextlib.suppress(DomainError):
                    points.redeem_points(
                        member=member,
                        points=rng.choice([100, 150, 250]),
                        reason="Demo reward",
                        now=occurred + timedelta(minutes=1),
                    )
    # Anonymous sales waiting to be claimed, recent ones.
    for extra in range(20):
        sale_number += 1
        points.record_purchase(
            shop=rng.choice(shops),
            member=None,
            external_id=f"DEMO-{sale_number:06d}",
            amount=Decimal(rng.randint(300, 2500)) / 100,
            occurred_at=now - timedelta(hours=extra * 5 + 1),
        )
    points.reevaluate_tiers(now=now)
    if stdout is not None:
        stdout.write(f"  {members} members and {sale_number} sales over the last year.")

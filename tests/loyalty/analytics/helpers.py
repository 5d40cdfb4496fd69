"""Purchase histories for the analytics tests, recorded through the real sales service."""

import random
from datetime import datetime, timedelta
from decimal import Decimal

from loyalty.points.purchases import record_purchase
from members.services.enrolment import enrol_member


def sale(shop, member, local: datetime, amount: str, receipt: str):
    occurred = local.replace(tzinfo=shop.merchant.tzinfo)
    return record_purchase(
        shop=shop, member=member, external_id=receipt, amount=Decimal(amount), occurred_at=occurred
    ).purchase


def make_history(merchant, shop, members: int, seed: int) -> int:
    """Members with one to eight visits over a year; returns how many came back."""
    rng = random.Random(seed)
    start = datetime(2025, 3, 1, 10, 0)
    repeaters = 0
    for n in range(members):
        member = enrol_member(merchant=merchant, email=f"c{n}@example.com")
        first = start + timedelta(days=rng.randint(0, 200))
        visits = 1 + min(7, int(rng.expovariate(0.5)))
        days = sorted({first + timedelta(days=rng.randint(1, 150)) for _ in range(visits - 1)})
        repeaters += bool(days)
        for k, moment in enumerate([first, *days]):
            amount = f"{rng.uniform(3, 40):.2f}"
            sale(shop, member, moment, amount, f"H{n}-{k}")
    return repeaters

"""Hand-made histories for the liability tests, recorded through the real services and rolled
up with `rollups.rebuild`; each module's test works out what the figures must be."""

from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal

import time_machine

from loyalty.analytics.rollups import rebuild
from loyalty.models.points import ExpiryMode
from loyalty.points.jobs import expire_points
from loyalty.points.ledger import adjust_points, redeem_points
from loyalty.points.purchases import record_purchase
from loyalty.points.refunds import refund_purchase
from members.services.enrolment import enrol_member
from tests.loyalty.points.helpers import configure

TODAY = datetime(2026, 3, 25, 10, 0)  # local (Bucharest, UTC+2 in March before the 29th)


def local(merchant, moment: datetime) -> datetime:
    return moment.replace(tzinfo=merchant.tzinfo)


@contextmanager
def at(merchant, moment: datetime):
    """The clock stopped at this local time of the merchant."""
    with time_machine.travel(local(merchant, moment), tick=False):
        yield


def sale(shop, member, amount: str, receipt: str):
    return record_purchase(
        shop=shop, member=member, external_id=receipt, amount=Decimal(amount)
    ).purchase


def three_months(merchant, shop, manager) -> None:
    """January to March 2026, points expiring two months after they are earned, one point per
    unit spent, a point worth 0.05:

    - 10 Jan: Ana buys for 400.00, Bob for 100.00: 500 points issued (expire 10 Mar);
    - 1 Feb 00:30 local (31 Jan 22:30 UTC): Cara buys for 50.00: 50 points, in February;
    - 15 Feb: Ana redeems 300 points;
    - 12 Mar: the expiry job takes Ana's last 100 and Bob's 100: 200 expired;
    - 20 Mar: Cara's sale is refunded 10.00 (10 points clawed back, from her sale's lot) and a
      manager adds 20 points by hand (they expire 20 May).
    """
    configure(
        merchant,
        welcome_bonus=0,
        first_purchase_bonus=0,
        point_value=Decimal("0.05"),
        expiry_mode=ExpiryMode.AFTER_EARNING,
        expiry_months=2,
    )
    with at(merchant, datetime(2026, 1, 10, 9, 0)):
        ana = enrol_member(merchant=merchant, email="ana@example.com", shop=shop)
        bob = enrol_member(merchant=merchant, email="bob@example.com", shop=shop)
        sale(shop, ana, "400.00", "J1")
        sale(shop, bob, "100.00", "J2")
    with at(merchant, datetime(2026, 2, 1, 0, 30)):
        cara = enrol_member(merchant=merchant, email="cara@example.com", shop=shop)
        cara_sale = sale(shop, cara, "50.00", "F1")
    with at(merchant, datetime(2026, 2, 15, 12, 0)):
        redeem_points(member=ana, points=300)
    expire_points(now=local(merchant, datetime(2026, 3, 12, 3, 0)))
    with at(merchant, datetime(2026, 3, 20, 12, 0)):
        refund_purchase(purchase=cara_sale, external_id="RF1", amount=Decimal("10.00"))
        adjust_points(member=cara, points=20, reason="Goodwill", actor=manager)
    with at(merchant, TODAY):
        rebuild(merchant, since=date(2026, 1, 1))

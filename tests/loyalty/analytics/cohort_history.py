"""A hand-made history for the cohort tests (the analytics and the page), with its answer."""

from datetime import date, datetime
from decimal import Decimal

from loyalty.points.refunds import refund_purchase, reverse_purchase
from members.services.enrolment import enrol_member
from tests.loyalty.analytics.helpers import sale

# Bucharest is UTC+2 in winter: 00:30 on 1 December there is 22:30 on 30 November in UTC.
MARCH_15 = datetime(2026, 3, 15, 12, 0)


def make_history(merchant, shop, owner):
    """Five members (see the module's expectations below) and an anonymous sale."""
    members = {
        name: enrol_member(merchant=merchant, email=f"{name}@example.com")
        for name in ("ana", "bob", "cara", "dan", "eve")
    }
    ana, bob, cara, dan, eve = members.values()
    # Ana: first at 00:30 on 1 Dec local (still November in UTC): the December cohort.
    sale(shop, ana, datetime(2025, 12, 1, 0, 30), "10.00", "A1")
    sale(shop, ana, datetime(2026, 1, 10, 9, 0), "10.00", "A2")  # month 1
    sale(shop, ana, datetime(2026, 1, 20, 9, 0), "10.00", "A3")  # month 1 again: one member
    sale(shop, ana, datetime(2026, 3, 2, 9, 0), "10.00", "A4")  # month 3
    # Bob: first at 23:30 on 30 Nov local: November. Then 23:50 on 31 Dec (December, month 1)
    # and 00:10 on 1 Jan local, still 31 Dec in UTC: January 2026, month 2 across the year end.
    sale(shop, bob, datetime(2025, 11, 30, 23, 30), "10.00", "B1")
    sale(shop, bob, datetime(2025, 12, 31, 23, 50), "10.00", "B2")
    sale(shop, bob, datetime(2026, 1, 1, 0, 10), "10.00", "B3")
    # Cara: a typo sale in November, reversed; her first real sale is in December.
    typo = sale(shop, cara, datetime(2025, 11, 5, 9, 0), "900.00", "C0")
    reverse_purchase(purchase=typo, actor=owner, reason="typo at the till")
    sale(shop, cara, datetime(2025, 12, 15, 9, 0), "10.00", "C1")
    sale(shop, cara, datetime(2026, 2, 3, 9, 0), "10.00", "C2")  # month 2
    # Dan: November's sale refunded in full does not count; December's, half refunded, does.
    returned = sale(shop, dan, datetime(2025, 11, 10, 9, 0), "20.00", "D0")
    refund_purchase(purchase=returned, external_id="RD0", amount=Decimal("20.00"))
    kept = sale(shop, dan, datetime(2025, 12, 20, 9, 0), "20.00", "D1")
    refund_purchase(purchase=kept, external_id="RD1", amount=Decimal("10.00"))
    # Eve: January only.
    sale(shop, eve, datetime(2026, 1, 5, 9, 0), "10.00", "E1")
    # No member: counts for no cohort.
    sale(shop, None, datetime(2025, 10, 1, 9, 0), "10.00", "X1")
    return members


# (cohort, offset): (members, size)
EXPECTED = {
    (date(2025, 11, 1), 0): (1, 1),  # Bob
    (date(2025, 11, 1), 1): (1, 1),  # Bob in December
    (date(2025, 11, 1), 2): (1, 1),  # Bob in January
    (date(2025, 12, 1), 0): (3, 3),  # Ana, Cara, Dan
    (date(2025, 12, 1), 1): (1, 3),  # Ana in January (twice: one member)
    (date(2025, 12, 1), 2): (1, 3),  # Cara in February
    (date(2025, 12, 1), 3): (1, 3),  # Ana in March
    (date(2026, 1, 1), 0): (1, 1),  # Eve
}

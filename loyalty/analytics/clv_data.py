"""A merchant's purchases as the CLV models read them (loyalty.analytics.clv).

Conventions: time in weeks; a member's repeat purchases are their distinct purchase days (in the
merchant's time zone) after the first; t_x and T count from the first purchase day, T to the
as-of date; the spend of a repeat day is what was paid that day less refunds, and m is the mean
over the repeat days. Reversed sales do not count, and nor do sales after the as-of date.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
from django.db.models import F, Sum
from django.db.models.functions import TruncDate

from loyalty.clock import midnight
from loyalty.models import Merchant
from loyalty.models.points import Purchase


@dataclass(frozen=True)
class CustomerSummary:
    member_ids: np.ndarray
    x: np.ndarray
    t_x: np.ndarray
    T: np.ndarray
    m: np.ndarray

    @property
    def repeaters(self) -> int:
        return int(np.count_nonzero(self.x))


def customer_summary(merchant: Merchant, as_of: date) -> CustomerSummary:
    """(x, t_x, T, m) of every member of the merchant who bought by `as_of`, one query."""
    end = midnight(as_of + timedelta(days=1), merchant.tzinfo)
    rows = (
        Purchase.objects.for_merchant(merchant)
        .filter(member__isnull=False, reversed_at__isnull=True, occurred_at__lt=end)
        .annotate(day=TruncDate("occurred_at", tzinfo=merchant.tzinfo))
        .values("member_id", "day")
        .annotate(spend=Sum(F("amount") - F("refunded_amount")))
        .order_by("member_id", "day")
    )
    days: dict[int, list[tuple[date, Decimal]]] = defaultdict(list)
    for row in rows:
        days[row["member_id"]].append((row["day"], row["spend"] or Decimal("0")))
    ids, x, t_x, T, m = [], [], [], [], []
    for member_id, visits in days.items():
        first = visits[0][0]
        repeats = visits[1:]
        ids.append(member_id)
        x.append(len(repeats))
        t_x.append((repeats[-1][0] - first).days / 7 if repeats else 0.0)
        T.append((as_of - first).days / 7)
        m.append(float(sum(spend for _day, spend in repeats) / len(repeats)) if repeats else 0.0)
    return CustomerSummary(
        member_ids=np.array(ids, dtype=np.int64),
        x=np.array(x, dtype=float),
        t_x=np.array(t_x, dtype=float),
        T=np.array(T, dtype=float),
        m=np.array(m, dtype=float),
    )

"""The arithmetic of "what did this campaign earn": the smallest lift a test can detect before
launch, and after it the lift against the holdout with its confidence interval and a verdict.

Conversion is a purchase within the campaign's window; the holdout (members picked at random
who get nothing) tells what would have happened anyway. All of it is textbook statistics for
two independent samples, written out so a test can check each figure by hand:

- **Detectable lift** (before launch): the smallest difference between the treated and the
  holdout conversion rates that a two-sided two-proportion z-test at `ALPHA` (95 % confidence)
  detects with probability `POWER` (80 %), given the group sizes and the baseline rate (the
  holdout's expected rate, from the merchant's history). Solved exactly for the treated rate
  p1 > p0 from ``z_a * sqrt(p(1-p)(1/n1 + 1/n0)) + z_b * sqrt(p1(1-p1)/n1 + p0(1-p0)/n0)
  = p1 - p0``, with p the pooled rate under the null: the left side grows slower than the
  right, so bisection finds the root. No root below 1 means no lift can be detected.
- **Lift** (after): the difference of the two rates with the unpooled (Wald) standard error,
  ``sqrt(p1(1-p1)/n1 + p0(1-p0)/n0)``, and its 95 % interval; incremental conversions are the
  difference times the treated group's size.
- **Incremental revenue**: the difference of the mean revenue per member (treated minus
  holdout, every member counted, zero for those who did not buy) with Welch's standard error
  from each group's sum and sum of squares, times the treated size. **Net return** subtracts
  what the campaign cost (points and vouchers spent, in money); its interval is the revenue's
  shifted by the (known) cost.
- **Verdict**: *keep* when the whole interval of the net return is above zero, *stop* when it
  is all below, otherwise *change* (or wait) — the test cannot tell yet, and the page says
  which of "too few members" or "no clear difference" applies.
"""

import math
from dataclasses import dataclass
from decimal import Decimal

from scipy.stats import norm

ALPHA = 0.05
POWER = 0.80
CENT = Decimal("0.01")


def z_two_sided(alpha: float = ALPHA) -> float:
    return float(norm.ppf(1 - alpha / 2))


def z_power(power: float = POWER) -> float:
    return float(norm.ppf(power))


def detectable_lift(
    treated: int, holdout: int, baseline: float, *, alpha: float = ALPHA, power: float = POWER
) -> float | None:
    """The smallest absolute lift in conversion rate (0.05 = five points) that the test
    detects; None when the groups are empty or no lift up to a rate of 1 can be detected."""
    if treated <= 0 or holdout <= 0 or not 0 <= baseline < 1:
        return None
    z_a, z_b = z_two_sided(alpha), z_power(power)
    p0 = baseline

    def gap(p1: float) -> float:
        pooled = (treated * p1 + holdout * p0) / (treated + holdout)
        null_se = math.sqrt(pooled * (1 - pooled) * (1 / treated + 1 / holdout))
        alt_se = math.sqrt(p1 * (1 - p1) / treated + p0 * (1 - p0) / holdout)
        return (p1 - p0) - (z_a * null_se + z_b * alt_se)

    low, high = p0, 1.0
    if gap(high) < 0:
        return None
    for _step in range(100):
        middle = (low + high) / 2
        if gap(middle) >= 0:
            high = middle
        else:
            low = middle
    return high - p0


@dataclass(frozen=True)
class Interval:
    estimate: float
    low: float
    high: float

    @property
    def in_points(self) -> "Interval":
        """A difference of rates in percentage points (0.05 -> 5.0)."""
        return self.scaled(100)

    def scaled(self, factor: float, shift: float = 0.0) -> "Interval":
        return Interval(
            self.estimate * factor + shift, self.low * factor + shift, self.high * factor + shift
        )


def lift(
    treated: int, treated_converted: int, holdout: int, holdout_converted: int, *, alpha=ALPHA
) -> Interval | None:
    """The treated rate minus the holdout rate, with its Wald interval; None without both."""
    if treated <= 0 or holdout <= 0:
        return None
    p1, p0 = treated_converted / treated, holdout_converted / holdout
    se = math.sqrt(p1 * (1 - p1) / treated + p0 * (1 - p0) / holdout)
    margin = z_two_sided(alpha) * se
    difference = p1 - p0
    return Interval(difference, difference - margin, difference + margin)


@dataclass(frozen=True)
class Revenue:
    """A group's revenue in the window: members counted, the sum and the sum of squares of
    each member's revenue (zero for members who did not buy)."""

    members: int
    total: Decimal
    sum_of_squares: Decimal

    @property
    def mean(self) -> float:
        return float(self.total) / self.members if self.members else 0.0

    @property
    def variance(self) -> float:
        """The sample variance of a member's revenue."""
        if self.members < 2:
            return 0.0
        n = self.members
        return max(0.0, (float(self.sum_of_squares) - n * self.mean**2) / (n - 1))


def incremental_revenue(treated: Revenue, holdout: Revenue, *, alpha=ALPHA) -> Interval | None:
    """(mean treated - mean holdout) x treated members, with Welch's interval."""
    if treated.members <= 0 or holdout.members <= 0:
        return None
    difference = treated.mean - holdout.mean
    se = math.sqrt(treated.variance / treated.members + holdout.variance / holdout.members)
    margin = z_two_sided(alpha) * se
    per_member = Interval(difference, difference - margin, difference + margin)
    return per_member.scaled(treated.members)


class Verdict:
    KEEP = "keep"
    CHANGE = "change"
    STOP = "stop"


def verdict(net_return: Interval | None) -> str:
    """Keep when the whole interval is above zero, stop when all of it is below, else change."""
    if net_return is None:
        return Verdict.CHANGE
    if net_return.low > 0:
        return Verdict.KEEP
    if net_return.high < 0:
        return Verdict.STOP
    return Verdict.CHANGE


def money(value: float) -> Decimal:
    return Decimal(str(value)).quantize(CENT)

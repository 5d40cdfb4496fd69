"""The Net Promoter Score, its 95 % margin of error, CSAT, and when a figure means nothing.

Pure arithmetic on counts; no database.

**NPS.** Answers 9-10 are promoters, 7-8 passives, 0-6 detractors. With `n` answers,
``p_P = promoters / n`` and ``p_D = detractors / n``, the NPS is ``100 · (p_P - p_D)``, from
-100 (everyone a detractor) to +100 (everyone a promoter).

**Its margin of error.** Each answer scores +1 (promoter), 0 (passive) or -1 (detractor); the
NPS is 100 times their mean. The variance of one answer's score is
``E[x²] - E[x]² = p_P + p_D - (p_P - p_D)²``, so the variance of the mean of `n` answers is

    var = (p_P + p_D - (p_P - p_D)²) / n

and the 95 % margin of error, in NPS points, is ``MoE = 1.96 · √var · 100`` (the normal
approximation: the true NPS lies within NPS ± MoE nineteen times out of twenty). 50
promoters, 30 passives and 20 detractors give NPS 30 ± 15.3.

**CSAT** is the share of answers 4 or 5 on the 1-5 scale, in percent.

**Too few answers.** Under `MIN_ANSWERS` (10) answers no figure is shown at all: one unhappy
customer would swing it by ten points or more. Under `RELIABLE_ANSWERS` (30) the figure is
shown with a warning: its margin of error is still some 30 points wide.
"""

from dataclasses import dataclass
from math import sqrt

Z_95 = 1.96
MIN_ANSWERS = 10  # below: no figure
RELIABLE_ANSWERS = 30  # below: a figure, with a warning

# What a figure's reliability is called (the pages turn them into words).
NONE, LOW, OK = "none", "low", "ok"


def nps(promoters: int, passives: int, detractors: int) -> float | None:
    """The NPS, -100 to 100; None without answers."""
    n = promoters + passives + detractors
    if n == 0:
        return None
    return 100 * (promoters - detractors) / n


def nps_margin(promoters: int, passives: int, detractors: int, z: float = Z_95) -> float | None:
    """The margin of error of the NPS in NPS points, ``z · √((p_P + p_D - (p_P - p_D)²) / n)
    · 100`` (95 % with the default z); None without answers."""
    n = promoters + passives + detractors
    if n == 0:
        return None
    p_promoters, p_detractors = promoters / n, detractors / n
    variance = (p_promoters + p_detractors - (p_promoters - p_detractors) ** 2) / n
    # Rounding can leave a hair below zero when everyone is in one group.
    return z * sqrt(max(variance, 0.0)) * 100


def csat(satisfied: int, total: int) -> float | None:
    """The share of answers 4-5 on the 1-5 scale, in percent; None without answers."""
    if total == 0:
        return None
    return 100 * satisfied / total


def reliability(n: int) -> str:
    """`NONE` under MIN_ANSWERS answers (show no figure), `LOW` under RELIABLE_ANSWERS (show
    it with a warning), `OK` otherwise."""
    if n < MIN_ANSWERS:
        return NONE
    if n < RELIABLE_ANSWERS:
        return LOW
    return OK


@dataclass(frozen=True)
class NpsFigure:
    """An NPS as a page shows it: the counts behind it always, the score and its margin only
    when there are enough answers (see `reliability`)."""

    promoters: int = 0
    passives: int = 0
    detractors: int = 0

    @property
    def n(self) -> int:
        return self.promoters + self.passives + self.detractors

    @property
    def reliability(self) -> str:
        return reliability(self.n)

    @property
    def shown(self) -> bool:
        return self.reliability != NONE

    @property
    def warning(self) -> bool:
        return self.reliability == LOW

    @property
    def score(self) -> float | None:
        return nps(self.promoters, self.passives, self.detractors) if self.shown else None

    @property
    def margin(self) -> float | None:
        return nps_margin(self.promoters, self.passives, self.detractors) if self.shown else None

    @property
    def low(self) -> float | None:
        """The band's lower edge, clipped to -100."""
        if self.score is None or self.margin is None:
            return None
        return max(-100.0, self.score - self.margin)

    @property
    def high(self) -> float | None:
        """The band's upper edge, clipped to 100."""
        if self.score is None or self.margin is None:
            return None
        return min(100.0, self.score + self.margin)

    def share(self, count: int) -> float:
        """`count` out of the answers, in percent (0 without answers)."""
        return 100 * count / self.n if self.n else 0.0


@dataclass(frozen=True)
class CsatFigure:
    satisfied: int = 0
    total: int = 0

    @property
    def n(self) -> int:
        return self.total

    @property
    def reliability(self) -> str:
        return reliability(self.total)

    @property
    def shown(self) -> bool:
        return self.reliability != NONE

    @property
    def warning(self) -> bool:
        return self.reliability == LOW

    @property
    def score(self) -> float | None:
        return csat(self.satisfied, self.total) if self.shown else None

"""The nightly CLV run: fit the models on each merchant's history and store every member's
score (P(alive), expected purchases and predicted value), so lists and segments filter on them
without fitting anything; and the "at risk" list: valuable members who are slipping away.
"""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
from django.db import transaction
from django.db.models import QuerySet

from loyalty.analytics.clv import BgNbd, GammaGamma, TooLittleData, fit_bgnbd, fit_gamma_gamma
from loyalty.analytics.clv_data import customer_summary
from loyalty.clock import local_today
from loyalty.models import Merchant
from members.models import ClvFit, Member, MemberScore, MemberStatus

CENT = Decimal("0.01")
WEEKS_90D = 90 / 7
WEEKS_12M = 52.0
# "At risk": among the members whose historic spend is in the top share, those the model gives
# less than this chance of still being a customer.
AT_RISK_P_ALIVE = 0.5
VALUABLE_TOP_SHARE = 0.2


@dataclass(frozen=True)
class Scored:
    fit: ClvFit
    scored: int


def _money(values: np.ndarray) -> list[Decimal]:
    return [Decimal(str(value)).quantize(CENT, ROUND_HALF_UP) for value in np.nan_to_num(values)]


@transaction.atomic
def score_members(merchant: Merchant, as_of: date | None = None) -> Scored:
    """Fit the models on the merchant's purchases up to `as_of` (default today) and replace every
    member's score. With too little history the fit row says what is missing and the scores are
    left as they were."""
    as_of = as_of or local_today(merchant)
    data = customer_summary(merchant, as_of)
    fit = ClvFit(merchant=merchant, as_of=as_of, customers=len(data.x), repeaters=data.repeaters)
    try:
        bgnbd = fit_bgnbd(data.x, data.t_x, data.T)
        spend = fit_gamma_gamma(data.x, data.m)
    except TooLittleData as exc:
        fit.problem = str(exc)[:300]
        fit.save()
        return Scored(fit=fit, scored=0)
    fit.params = {
        "bgnbd": {"r": bgnbd.r, "alpha": bgnbd.alpha, "a": bgnbd.a, "b": bgnbd.b},
        "gamma_gamma": {"p": spend.p, "q": spend.q, "gamma": spend.gamma},
    }
    fit.save()
    scores = _scores(merchant, as_of, data, bgnbd, spend)
    flag_at_risk(merchant, scores)
    MemberScore.objects.filter(merchant=merchant).delete()
    MemberScore.objects.bulk_create(scores, batch_size=5000)
    return Scored(fit=fit, scored=len(scores))


def _scores(merchant, as_of, data, bgnbd: BgNbd, spend: GammaGamma) -> list[MemberScore]:
    alive = bgnbd.p_alive(data.x, data.t_x, data.T)
    purchases_90d = bgnbd.expected_purchases(WEEKS_90D, data.x, data.t_x, data.T)
    purchases_12m = bgnbd.expected_purchases(WEEKS_12M, data.x, data.t_x, data.T)
    # A member who never came back spends like the population's average (x = 0 in the model).
    per_purchase = spend.expected_spend(data.x, data.m)
    value_90d = _money(purchases_90d * per_purchase)
    value_12m = _money(purchases_12m * per_purchase)
    return [
        MemberScore(
            merchant=merchant,
            member_id=int(member_id),
            as_of=as_of,
            p_alive=float(alive[i]),
            expected_purchases_90d=float(purchases_90d[i]),
            predicted_value_90d=value_90d[i],
            predicted_value_12m=value_12m[i],
        )
        for i, member_id in enumerate(data.member_ids)
    ]


def flag_at_risk(merchant: Merchant, scores: list[MemberScore]) -> None:
    """Mark the valuable members slipping away: among the scored active members, those whose
    historic spend is in the top VALUABLE_TOP_SHARE and whose P(alive) is under
    AT_RISK_P_ALIVE. Stored with the score, so the list is an indexed read, not a sort of
    every member on each visit."""
    spend = dict(
        Member.objects.for_merchant(merchant)
        .filter(status=MemberStatus.ACTIVE)
        .values_list("pk", "lifetime_spend")
    )
    scored = [score for score in scores if score.member_id in spend]
    if not scored:
        return
    ranked = sorted((spend[score.member_id] for score in scored), reverse=True)
    threshold = ranked[max(0, int(len(scored) * VALUABLE_TOP_SHARE) - 1)]
    for score in scored:
        score.lifetime_spend = spend[score.member_id]
        score.at_risk = spend[score.member_id] >= threshold and score.p_alive < AT_RISK_P_ALIVE


def latest_fit(merchant: Merchant) -> ClvFit | None:
    return ClvFit.objects.for_merchant(merchant).first()


def at_risk(merchant: Merchant) -> QuerySet[Member]:
    """Valuable members slipping away, as the latest fit flagged them (`flag_at_risk`) and
    still active; the most valuable first."""
    return (
        Member.objects.for_merchant(merchant)
        .filter(status=MemberStatus.ACTIVE, score__at_risk=True)
        .select_related("score", "tier")
        .order_by("-score__lifetime_spend", "pk")
    )


def at_risk_count(merchant: Merchant) -> int:
    """How many members the latest fit flagged (an index-only count; a member blocked since
    the fit still counts until the next night's)."""
    return MemberScore.objects.for_merchant(merchant).filter(at_risk=True).count()


def score_all_merchants() -> int:
    """Nightly: every merchant with purchases is fitted and scored. Returns members scored."""
    scored = 0
    for merchant in Merchant.objects.filter(purchases__isnull=False).distinct():
        scored += score_members(merchant).scored
    return scored

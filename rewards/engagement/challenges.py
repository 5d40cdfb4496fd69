"""The challenge engine: goals checked as sales, referrals and survey answers come in, paid once.

- `count_sale_challenges`: the sale hook (`loyalty.points.hooks`), registered by `rewards.apps`:
  one query (the merchant's active challenges) when there is none, then for each challenge the
  sale can move, its progress read from the member's history (`rewards.engagement.progress`).
- `on_referral_rewarded` / `on_survey_answered`: outbox consumers of `referral.rewarded` (the
  referrer brought a friend whose first sale paid) and `feedback.received` (a survey answer).
- `complete`: one completion paid (points through the ledger, or a reward's voucher), its badge
  and the `challenge.completed` event.
- `award_badge`: give a member a badge once (challenges here, streak milestones elsewhere).

Reversals: progress is not stored but read from the sales that are not reversed (nor refunded
in full), so a reversed sale takes back the progress it made that was not paid yet. A completion
already paid stays paid: its points or voucher are the member's, like a stamp card's used
voucher, and the undo hook has nothing to do (none is registered).

Concurrency: the sale hook runs under the member's row lock (the consumers take it), so one
member's completions are one after the other; `(challenge, member, n)` is unique besides. The
points budget is charged with one conditional UPDATE (`points_paid + cost <= points_budget`),
which two tills completing for two members at once cannot both pass when one is left.
"""

from collections.abc import Sequence
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.clock import local_today
from loyalty.content import localized
from loyalty.events import emit
from loyalty.models import Shop, User
from loyalty.models.points import EntryKind, Event, Purchase
from loyalty.points.hooks import probed_none
from loyalty.points.ledger import credit, get_program, lock_member
from members.models import Member, MemberStatus
from rewards.engagement.progress import (
    completions,
    new_categories,
    progress,
    reached,
    sale_counts,
)
from rewards.models import (
    Badge,
    BadgeSource,
    Challenge,
    ChallengeCompletion,
    ChallengeKind,
    MemberBadge,
    VoucherSource,
)
from rewards.services import issue_voucher


def live_challenges(merchant_id: int) -> list[Challenge]:
    """The merchant's active challenges with their rewards and badges (one query)."""
    return list(
        Challenge.objects.filter(merchant_id=merchant_id, active=True).select_related(
            "reward", "badge"
        )
    )


def in_window(challenge: Challenge, day) -> bool:
    return challenge.starts_on <= day and (challenge.ends_on is None or day <= challenge.ends_on)


# --- Badges --------------------------------------------------------------------------------------


def award_badge(
    member: Member, badge: Badge, source: str, now: datetime | None = None
) -> MemberBadge | None:
    """Give `member` the badge once; None when they already hold it (idempotent).

    Emits `badge.awarded` only for a new one. Safe under concurrency: the database holds one
    (member, badge) row, a second attempt finds it.
    """
    if badge.merchant_id != member.merchant_id:
        raise ValueError("The badge belongs to another merchant.")
    if source not in BadgeSource.values:
        raise ValueError(source)
    now = now or timezone.now()
    if MemberBadge.objects.filter(member=member, badge=badge).exists():
        return None
    try:
        with transaction.atomic():
            held = MemberBadge.objects.create(
                merchant_id=member.merchant_id,
                member=member,
                badge=badge,
                source=source,
                awarded_at=now,
            )
    except IntegrityError:
        return None
    emit(
        member.merchant_id,
        [
            (
                "badge.awarded",
                {
                    "member": member.pk,
                    "card_number": member.card_number,
                    "badge": badge.pk,
                    "name": badge.name,
                    "source": source,
                },
            )
        ],
        now,
    )
    return held


# --- Completing ----------------------------------------------------------------------------------


def _charge_budget(challenge: Challenge, cost: int) -> bool:
    """Add `cost` to what the challenge paid, within its budget (one conditional UPDATE)."""
    paid = Challenge.objects.filter(pk=challenge.pk)
    if challenge.points_budget is not None:
        paid = paid.filter(points_paid__lte=F("points_budget") - cost)
    return bool(paid.update(points_paid=F("points_paid") + cost))


def complete(
    challenge: Challenge,
    member: Member,
    n: int,
    now: datetime,
    purchase: Purchase | None = None,
    actor: User | None = None,
) -> ChallengeCompletion | None:
    """Pay the member's `n`-th completion of the challenge; None when the budget cannot pay it
    or it was paid already. The caller holds the member's lock and the transaction."""
    cost = challenge.cost
    try:
        with transaction.atomic():
            if not _charge_budget(challenge, cost):
                return None
            voucher = None
            if challenge.reward_id is not None:
                voucher = issue_voucher(
                    merchant=member.merchant,
                    reward=challenge.reward,
                    source=VoucherSource.CHALLENGE,
                    member=member,
                    now=now,
                )
            points = 0 if challenge.reward_id is not None else challenge.reward_points
            if points:
                credit(
                    member=member,
                    program=get_program(member.merchant),
                    kind=EntryKind.BONUS,
                    points=points,
                    now=now,
                    reference=f"challenge:{challenge.pk}:{n}",
                    reason=(
                        _("Challenge completed: %(name)s") % {"name": localized(challenge, "name")}
                    )[:200],
                    actor=actor,
                    purchase=purchase,
                )
            done = ChallengeCompletion.objects.create(
                merchant_id=member.merchant_id,
                challenge=challenge,
                member=member,
                n=n,
                purchase=purchase,
                points=points,
                voucher=voucher,
                created_at=now,
            )
    except IntegrityError:
        return None  # this completion was paid by another request
    challenge.points_paid += cost
    events = [
        (
            "challenge.completed",
            {
                "member": member.pk,
                "card_number": member.card_number,
                "challenge": challenge.pk,
                "name": challenge.name,
                "n": n,
                "points": points,
                "voucher": voucher.pk if voucher else None,
                "purchase": purchase.pk if purchase else None,
            },
        )
    ]
    if points:
        events.append(
            ("points.earned", {"member": member.pk, "points": points, "challenge": challenge.pk})
        )
    emit(member.merchant_id, events, now)
    if challenge.badge_id is not None and challenge.badge.active:
        award_badge(member, challenge.badge, BadgeSource.CHALLENGE, now)
    return done


def check(
    challenge: Challenge,
    member: Member,
    at: datetime,
    now: datetime,
    purchase: Purchase | None = None,
    items: Sequence[dict] = (),
    actor: User | None = None,
) -> ChallengeCompletion | None:
    """Complete the challenge if the member reached its goal at `at` (within their limit)."""
    tz = member.merchant.tzinfo
    done = completions(challenge, member)
    if done.count >= challenge.limit_per_member:
        return None
    if challenge.kind == ChallengeKind.NEW_CATEGORY:
        if purchase is None or not new_categories(challenge, member, purchase, items):
            return None
    elif not reached(challenge, progress(challenge, member, at, done.since, tz)):
        return None
    return complete(challenge, member, done.count + 1, now, purchase=purchase, actor=actor)


def challenges_probe() -> Exists:
    """The sale probe (`loyalty.points.hooks`): has the sale's merchant an active challenge?"""
    return Exists(Challenge.objects.filter(merchant_id=OuterRef("merchant_id"), active=True))


def count_sale_challenges(
    *,
    purchase: Purchase,
    member: Member,
    shop: Shop,
    items: Sequence[dict],
    actor: User | None,
    now: datetime,
) -> None:
    """The sale hook: every active challenge the sale can move is checked (no query without
    one, the sale probe said so)."""
    if probed_none(member, "challenges"):
        return
    challenges = live_challenges(member.merchant_id)
    if not challenges or member.status != MemberStatus.ACTIVE:
        return
    tz = member.merchant.tzinfo
    day = local_today(member.merchant, purchase.occurred_at)
    for challenge in challenges:
        if in_window(challenge, day) and sale_counts(challenge, purchase, items, tz):
            check(
                challenge,
                member,
                purchase.occurred_at,
                now,
                purchase=purchase,
                items=items,
                actor=actor,
            )


def _check_kind(kind: str, merchant_id: int, member_id: int | None, now: datetime) -> None:
    """A consumer's part: the member's active challenges of `kind`, checked under their lock."""
    if member_id is None:
        return
    challenges = [c for c in live_challenges(merchant_id) if c.kind == kind]
    if not challenges:
        return
    with transaction.atomic():
        member = lock_member(member_id)
        if member.merchant_id != merchant_id or member.status != MemberStatus.ACTIVE:
            return
        day = local_today(member.merchant, now)
        for challenge in challenges:
            if in_window(challenge, day):
                check(challenge, member, now, now)


def on_referral_rewarded(event: Event) -> None:
    """`referral.rewarded`: the referrer brought a friend whose first sale paid."""
    referrer = event.payload.get("referrer")
    _check_kind(ChallengeKind.REFERRAL, event.merchant_id, referrer, timezone.now())


def on_survey_answered(event: Event) -> None:
    """`feedback.received`: a member answered a survey."""
    member = event.payload.get("member")
    _check_kind(ChallengeKind.SURVEY, event.merchant_id, member, timezone.now())

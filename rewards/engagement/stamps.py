"""The stamp engine: stamps counted at the till, taken back with their sale, full cards paid.

Everything here runs under the member's row lock (the sale's, or `lock_member` for a stamp by
hand), so two tills at once are one after the other: a card never gets more stamps than its
sales earn, and a full card issues exactly one voucher (the open card is locked and the
database allows one open card per member and stamp card).

- `stamps_for_sale` (pure): what one sale earns on one card.
- `count_sale_stamps`: the sale hook (`loyalty.points.hooks`), registered by `rewards.apps`.
- `take_back_sale_stamps`: the undo hook: a refund takes back floor(earned x refunded /
  amount) of the sale's stamps, cumulatively (the rule the points follow); a reversal takes
  them all. A stamp on a card that was filled since gives the card's voucher back when it is
  still unused (the card's other stamps move to the card being filled); when the voucher was
  used, the card being filled pays the stamp back instead (it may go below zero).
- `stamp_by_hand`: the till's "+1 stamp" for a sale recorded without items, counted in the
  staff flags.
- `expire_stamps`: the nightly pass for cards whose stamps expire.
- `differences`: the cached counts against the rows (`manage.py reconcile_stamps`).
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, Decimal

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.clock import local_today
from loyalty.errors import DomainError
from loyalty.events import emit
from loyalty.models import Merchant, Shop, User
from loyalty.models.points import Purchase, Refund
from loyalty.models.pos import FlagKind
from loyalty.points.hooks import probed_none
from loyalty.points.ledger import lock_member
from loyalty.staff_flags import record_flag
from members.models import Member, MemberStatus
from rewards.models import (
    MemberCard,
    Stamp,
    StampCard,
    StampEarnOn,
    StampKind,
    Voucher,
    VoucherSource,
    VoucherStatus,
)
from rewards.services import issue_voucher

POSITIVE = (StampKind.EARN, StampKind.MANUAL, StampKind.CARRIED)


# --- What a sale earns ---------------------------------------------------------------------------


def _matches(card: StampCard, item: dict) -> bool:
    category = str(item.get("category", "")).lower()
    sku = str(item.get("sku", "")).lower()
    return category in card.categories or sku in card.skus


def stamps_for_sale(card: StampCard, amount: Decimal, items: Sequence[dict]) -> int:
    """The stamps one sale earns on `card`, from its amount and line items (no query)."""
    if card.earn_on == StampEarnOn.PURCHASE:
        return 1 if amount > 0 else 0
    if card.earn_on == StampEarnOn.AMOUNT:
        return 1 if amount >= (card.min_amount or Decimal("0")) and amount > 0 else 0
    matching = [item for item in items if _matches(card, item)]
    if not matching:
        return 0
    if not card.per_item:
        return 1
    quantity = sum(
        int(Decimal(str(item.get("quantity", 1))).to_integral_value(ROUND_FLOOR))
        for item in matching
    )
    return max(quantity, 0)


# --- Adding stamps -------------------------------------------------------------------------------


def _open_card(card: StampCard, member: Member, now: datetime) -> MemberCard | None:
    """The member's card of `card` being filled, locked; a new one when none is (None when the
    last card is full, its voucher unused and the card does not start again at once)."""
    current = (
        MemberCard.objects.select_for_update()
        .filter(card=card, member=member, filled_at__isnull=True)
        .first()
    )
    if current is not None:
        return current
    last = MemberCard.objects.filter(card=card, member=member).order_by("-number").first()
    waiting = last is not None and not card.restart and last.voucher_id is not None
    if waiting and Voucher.objects.filter(pk=last.voucher_id, status=VoucherStatus.ISSUED).exists():
        return None
    number = (last.number + 1) if last is not None else 1
    return MemberCard.objects.create(
        merchant_id=member.merchant_id, card=card, member=member, number=number, started_at=now
    )


def _fill(member_card: MemberCard, member: Member, actor: User | None, now: datetime) -> None:
    """A card just reached its stamps: its voucher, once, and the event."""
    card = member_card.card
    voucher = issue_voucher(
        merchant=member.merchant,
        reward=card.reward,
        source=VoucherSource.STAMP_CARD,
        member=member,
        now=now,
    )
    MemberCard.objects.filter(pk=member_card.pk).update(filled_at=now, voucher=voucher)
    member_card.filled_at, member_card.voucher = now, voucher
    emit(
        member.merchant_id,
        [
            (
                "stamp.card_filled",
                {
                    "member": member.pk,
                    "card_number": member.card_number,
                    "stamp_card": card.pk,
                    "member_card": member_card.pk,
                    "number": member_card.number,
                    "voucher": voucher.pk,
                },
            )
        ],
        now,
    )


def add_stamps(
    *,
    card: StampCard,
    member: Member,
    count: int,
    kind: str,
    now: datetime,
    purchase: Purchase | None = None,
    shop: Shop | None = None,
    actor: User | None = None,
    reason: str = "",
    undoes: Sequence[Stamp] = (),
) -> list[Stamp]:
    """Put `count` stamps on the member's open card(s), one row each; fills pay their voucher.

    The caller holds the member's lock. `undoes` pairs a carried stamp with the moved one.
    """
    rows: list[Stamp] = []
    expires = now + timedelta(days=card.stamp_validity_days) if card.stamp_validity_days else None
    for index in range(count):
        member_card = _open_card(card, member, now)
        if member_card is None:
            break  # the full card's voucher comes first; extra stamps are not kept
        row = Stamp.objects.create(
            merchant_id=member.merchant_id,
            member=member,
            member_card=member_card,
            kind=kind,
            stamps=1,
            purchase=undoes[index].purchase if index < len(undoes) else purchase,
            shop=shop,
            actor=actor,
            reason=reason[:200],
            created_at=now,
            expires_at=undoes[index].expires_at if index < len(undoes) else expires,
            undoes=undoes[index] if index < len(undoes) else None,
        )
        rows.append(row)
        MemberCard.objects.filter(pk=member_card.pk).update(stamps=F("stamps") + 1)
        member_card.stamps += 1
        if member_card.stamps >= card.stamps_needed:
            _fill(member_card, member, actor, now)
    return rows


def live_cards(merchant_id: int) -> list[StampCard]:
    """The merchant's active stamp cards, with their rewards."""
    return list(
        StampCard.objects.filter(merchant_id=merchant_id, active=True).select_related("reward")
    )


def stamp_cards_probe() -> Exists:
    """The sale probe (`loyalty.points.hooks`): has the sale's merchant an active card?"""
    return Exists(StampCard.objects.filter(merchant_id=OuterRef("merchant_id"), active=True))


def count_sale_stamps(
    *,
    purchase: Purchase,
    member: Member,
    shop: Shop,
    items: Sequence[dict],
    actor: User | None,
    now: datetime,
) -> None:
    """The sale hook: each active card gets the stamps the sale earns (no query without any,
    the sale probe said so)."""
    if probed_none(member, "stamp_cards"):
        return
    amount = (
        purchase.points_basis_amount
        if purchase.points_basis_amount is not None
        else (purchase.amount)
    )
    for card in live_cards(member.merchant_id):
        count = stamps_for_sale(card, amount, items)
        if count:
            add_stamps(
                card=card,
                member=member,
                count=count,
                kind=StampKind.EARN,
                now=now,
                purchase=purchase,
                shop=shop,
                actor=actor,
            )


class StampError(DomainError):
    pass


@transaction.atomic
def stamp_by_hand(
    *,
    card: StampCard,
    member: Member,
    shop: Shop,
    actor: User,
    now: datetime | None = None,
) -> list[Stamp]:
    """The till's "+1 stamp" for a sale recorded without items: counted in the staff flags."""
    now = now or timezone.now()
    if card.merchant_id != member.merchant_id or shop.merchant_id != member.merchant_id:
        raise StampError(_("No such stamp card."), code="not_found")
    if not card.active:
        raise StampError(_("This stamp card is no longer active."), code="stamp_card_inactive")
    member = lock_member(member.pk)
    if member.status != MemberStatus.ACTIVE:
        raise StampError(_("This member is not active."), code="member_inactive")
    rows = add_stamps(
        card=card,
        member=member,
        count=1,
        kind=StampKind.MANUAL,
        now=now,
        shop=shop,
        actor=actor,
        reason=_("Added at the till"),
    )
    if not rows:
        raise StampError(
            _("The full card's voucher must be used before a new card starts."),
            code="stamp_card_full",
        )
    merchant: Merchant = member.merchant
    day = local_today(merchant, now)
    start = datetime.combine(day, datetime.min.time(), tzinfo=merchant.tzinfo)
    today = Stamp.objects.filter(
        merchant_id=merchant.pk, kind=StampKind.MANUAL, actor=actor, created_at__gte=start
    ).count()
    record_flag(
        merchant=merchant,
        kind=FlagKind.MANUAL_STAMPS,
        key=f"stamps:{actor.pk}:{day.isoformat()}",
        count=today,
        user=actor,
        shop=shop,
        member=member,
        now=now,
    )
    return rows


# --- Taking stamps back --------------------------------------------------------------------------


def _live_rows(filters: Q) -> list[Stamp]:
    """Positive rows nothing has undone yet (newest first), with their cards."""
    return list(
        Stamp.objects.filter(filters, kind__in=POSITIVE, undone_by__isnull=True)
        .select_related("member_card__card__reward", "member_card__voucher")
        .order_by("-created_at", "-id")
    )


def _negative(
    row: Stamp, on: MemberCard, kind: str, now: datetime, refund: Refund | None = None, **extra
) -> Stamp:
    taken = Stamp.objects.create(
        merchant_id=row.merchant_id,
        member_id=row.member_id,
        member_card=on,
        kind=kind,
        stamps=-1,
        purchase=row.purchase,
        refund=refund,
        undoes=row,
        created_at=now,
        **extra,
    )
    MemberCard.objects.filter(pk=on.pk).update(stamps=F("stamps") - 1)
    return taken


def _withdraw(member_card: MemberCard, now: datetime) -> bool:
    """Give back a full card's voucher if it is still unused; True when it was."""
    changed = Voucher.objects.filter(pk=member_card.voucher_id, status=VoucherStatus.ISSUED).update(
        status=VoucherStatus.CANCELLED,
        cancelled_at=now,
        cancel_reason=_("A stamp of its card was taken back"),
    )
    return bool(changed)


def _take_back_one(
    row: Stamp,
    member: Member,
    refund: Refund | None,
    now: datetime,
    actor: User | None,
    reason: str,
) -> None:
    member_card = row.member_card
    extra = {"actor": actor, "reason": reason[:200]}
    if member_card.filled_at is None:
        _negative(row, member_card, StampKind.TAKE_BACK, now, refund, **extra)
        return
    if _withdraw(member_card, now):
        # The card is no longer full: this stamp goes, the others move to the card being filled.
        _negative(row, member_card, StampKind.TAKE_BACK, now, refund, **extra)
        others = _live_rows(Q(member_card=member_card))
        moved = [_negative(other, member_card, StampKind.MOVED, now, **extra) for other in others]
        add_stamps(
            card=member_card.card,
            member=member,
            count=len(others),
            kind=StampKind.CARRIED,
            now=now,
            reason=reason,
            undoes=moved,
        )
        return
    # The voucher was used: the card being filled pays the stamp back.
    current = _open_card(member_card.card, member, now) or member_card
    _negative(row, current, StampKind.TAKE_BACK, now, refund, **extra)


def take_back_sale_stamps(
    *,
    purchase: Purchase,
    member: Member,
    refund: Refund | None,
    refunded_total: Decimal,
    reversed: bool,
    actor: User | None,
    now: datetime,
) -> None:
    """The undo hook: the sale's stamps taken back (all on a reversal, pro rata on refunds)."""
    earned = Stamp.objects.filter(
        purchase=purchase, kind__in=(StampKind.EARN, StampKind.MANUAL)
    ).count()
    if not earned:
        return
    taken = Stamp.objects.filter(purchase=purchase, kind=StampKind.TAKE_BACK).count()
    if reversed:
        due = earned
    else:
        basis = purchase.points_basis_amount or purchase.amount
        share = min(refunded_total / basis, Decimal("1")) if basis else Decimal("1")
        due = int((earned * share).to_integral_value(ROUND_FLOOR))
    reason = _("Sale reversed") if reversed else _("Sale refunded")
    # One at a time, read afresh: giving a voucher back moves the card's other stamps (this
    # sale's among them) to the next card, so a list read before would hold stale rows.
    for _n in range(max(due - taken, 0)):
        live = _live_rows(Q(purchase=purchase))
        if not live:
            break
        _take_back_one(live[0], member, refund, now, actor, str(reason))


# --- Expiry and reconciliation -------------------------------------------------------------------


def expire_stamps(now: datetime | None = None) -> int:
    """Expire the stamps past their date on cards being filled; returns how many expired."""
    now = now or timezone.now()
    member_ids = (
        Stamp.objects.filter(
            kind__in=POSITIVE,
            undone_by__isnull=True,
            expires_at__lte=now,
            member_card__filled_at__isnull=True,
        )
        .values_list("member_id", flat=True)
        .distinct()
    )
    expired = 0
    for member_id in list(member_ids):
        with transaction.atomic():
            lock_member(member_id)
            for row in _live_rows(
                Q(member_id=member_id, expires_at__lte=now, member_card__filled_at__isnull=True)
            ):
                _negative(row, row.member_card, StampKind.EXPIRE, now, reason="expired")
                expired += 1
    return expired


@dataclass(frozen=True)
class StampDifference:
    member_card_id: int
    cached: int
    counted: int


def differences(merchant: Merchant | None = None) -> Iterator[StampDifference]:
    """Member cards whose cached count is not the sum of their stamp rows."""
    cards = MemberCard.objects.all()
    if merchant is not None:
        cards = cards.filter(merchant=merchant)
    for row in (
        cards.annotate(counted=Sum("rows__stamps"))
        .exclude(stamps=F("counted"))
        .values("pk", "stamps", "counted")
    ):
        counted = row["counted"] or 0
        if counted != row["stamps"]:
            yield StampDifference(row["pk"], row["stamps"], counted)

"""Closing the loop: a case per unhappy answer, followed up by the shop's manager.

A detractor's score (NPS 0-6, CSAT 1-2) or a negative comment opens one case
(`open_case_for_answer`, called by the outbox consumer of `feedback.received`; the one-to-one
on the answer decides a race, so a re-delivered event or two workers open it once). Only
answers with a member open one: an anonymous receipt answer has nobody to tell. The manager
assigns it, writes notes, replies to the customer through the channel the invitation came by
(a transactional message in the campaigns' queue: no consent needed, no cap), may give one
recovery (a voucher of a reward or bonus points, its cost in money kept on the case), and
resolves it once the customer has been told. "Told" is when the reply is queued: the sender
takes it within the minute, and a message that cannot go (no address) is refused before.
Thirty days after resolving, the nightly `check_won_back` records whether the customer bought
again.

Every write is one transaction, locks the case row first, leaves a `CaseNote` (append-only)
and an audit row.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from campaigns.messaging.policy import address_for
from campaigns.messaging.queue import queue_message
from campaigns.models import Channel, Purpose
from feedback.models import (
    Answer,
    Case,
    CaseNote,
    CaseNoteKind,
    CaseOpenedBy,
    CaseStatus,
    FeedbackSettings,
    NpsGroup,
    Sentiment,
    SurveyKind,
)
from loyalty.audit import log_action
from loyalty.errors import DomainError
from loyalty.events import emit
from loyalty.languages import reader_language
from loyalty.models import Merchant, Purchase, Role, StaffMember
from loyalty.models.points import EntryKind
from loyalty.points.ledger import credit, get_program, lock_member, points_money
from members.models import MemberStatus
from rewards.models import Reward, VoucherSource
from rewards.pricing import reward_worth
from rewards.services import issue_voucher

DEFAULT_DUE_HOURS = 24
CSAT_UNHAPPY = 2  # a CSAT score at or below this is a detractor's
WON_BACK_DAYS = 30
MAX_NOTE = 4000
MAX_REPLY = 2000
MAX_RECOVERY_POINTS = 100_000


class CaseError(DomainError):
    code = "case_error"


class NotToldYet(CaseError):
    code = "case_not_told"
    default_message = gettext_lazy(
        "Reply to the customer before resolving the case: it is resolved once they have been told."
    )


class CaseClosed(CaseError):
    code = "case_resolved"
    default_message = gettext_lazy("The case is resolved. Reopen it first.")


class RecoveryGiven(CaseError):
    code = "recovery_given"
    default_message = gettext_lazy("This case has had its recovery already.")


class CannotReach(CaseError):
    code = "cannot_reach"


# --- Opening -------------------------------------------------------------------------------------


def opened_by(answer: Answer) -> str | None:
    """Why this answer opens a case (an unhappy score first), or None. An NPS detractor
    (0-6) or a CSAT score of 1 or 2 (what `feedback.detractor` announces) is unhappy."""
    if answer.group == NpsGroup.DETRACTOR:
        return CaseOpenedBy.DETRACTOR
    if not answer.group and answer.score <= CSAT_UNHAPPY and answer.survey.kind == SurveyKind.CSAT:
        return CaseOpenedBy.DETRACTOR
    if answer.sentiment == Sentiment.NEGATIVE:
        return CaseOpenedBy.NEGATIVE
    return None


def due_hours(merchant: Merchant | int) -> int:
    """The hours a manager has to answer a case (the merchant's setting, 24 by default)."""
    merchant_id = merchant if isinstance(merchant, int) else merchant.pk
    row = FeedbackSettings.objects.filter(merchant_id=merchant_id).first()
    return row.case_due_hours if row and row.case_due_hours else DEFAULT_DUE_HOURS


def _shop_manager(answer: Answer) -> User | None:
    """The manager bound to the answer's shop, when there is exactly one."""
    if answer.shop_id is None:
        return None
    staff = list(
        StaffMember.objects.filter(
            merchant_id=answer.merchant_id, shop_id=answer.shop_id, role=Role.MANAGER
        )
        .select_related("user")
        .order_by("pk")[:2]
    )
    return staff[0].user if len(staff) == 1 else None


@transaction.atomic
def open_case_for_answer(*, answer: Answer, now: datetime | None = None) -> Case | None:
    """The answer's case: opened when the answer is a detractor's or its comment negative,
    and it has a member. The existing case when there is one (a re-delivered event, a second
    worker: the one-to-one on the answer decides). None when the answer opens no case."""
    reason = opened_by(answer)
    if reason is None or answer.member_id is None:
        return None
    existing = Case.objects.filter(answer=answer).first()
    if existing is not None:
        return existing
    now = now or timezone.now()
    owner = _shop_manager(answer)
    try:
        with transaction.atomic():  # a savepoint: the other worker's row wins a race
            case = Case.objects.create(
                merchant_id=answer.merchant_id,
                answer=answer,
                member_id=answer.member_id,
                shop_id=answer.shop_id,
                opened_by=reason,
                owner=owner,
                opened_at=now,
                due_at=now + timedelta(hours=due_hours(answer.merchant_id)),
            )
    except IntegrityError:
        return Case.objects.get(answer=answer)
    log_action(
        merchant=case.merchant,
        actor=None,
        action="feedback.case.opened",
        target=case,
        data={"answer": answer.pk, "opened_by": reason},
    )
    return case


def open_case_on_event(event) -> None:
    """The outbox consumer of `feedback.received`: opens the answer's case, if it needs one.
    Reads the answer itself (the row is the truth, the payload only names it)."""
    answer_id = (event.payload or {}).get("answer")
    if not answer_id:
        return
    answer = Answer.objects.for_merchant(event.merchant_id).filter(pk=answer_id).first()
    if answer is not None:
        open_case_for_answer(answer=answer, now=event.created_at)


# --- Following up --------------------------------------------------------------------------------


def _locked(case: Case) -> Case:
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("merchant", "member", "answer__invitation")
        .get(pk=case.pk, merchant_id=case.merchant_id)
    )


def _note(case: Case, kind: str, actor: User | None, text: str, now: datetime, channel=""):
    return CaseNote.objects.create(
        merchant_id=case.merchant_id,
        case=case,
        kind=kind,
        author=actor if actor is not None and actor.is_authenticated else None,
        text=text,
        channel=channel,
        created_at=now,
    )


def _audit(case: Case, actor: User | None, action: str, **data) -> None:
    log_action(merchant=case.merchant, actor=actor, action=action, target=case, data=data)


def case_owners(merchant: Merchant) -> list[User]:
    """Who may own a case: the merchant's managers and owners."""
    staff = merchant.staff.filter(role__in=[Role.MANAGER, Role.OWNER]).select_related("user")
    return sorted((s.user for s in staff), key=lambda user: user.email.lower())


@transaction.atomic
def assign(*, case: Case, owner: User | None, actor: User) -> Case:
    """Give the case to one of the merchant's managers or owners (None: nobody)."""
    case = _locked(case)
    if owner is not None and owner.pk not in {u.pk for u in case_owners(case.merchant)}:
        raise CaseError(_("Choose a manager or an owner of this business."), code="bad_owner")
    if case.owner_id == (owner.pk if owner else None):
        return case
    case.owner = owner
    case.save(update_fields=["owner"])
    text = _("Assigned to %(who)s.") % {"who": owner.email} if owner else _("No longer assigned.")
    _note(case, CaseNoteKind.STATUS, actor, text, timezone.now())
    _audit(case, actor, "feedback.case.assigned", owner=owner.email if owner else None)
    return case


@transaction.atomic
def add_note(*, case: Case, text: str, actor: User) -> CaseNote:
    """An internal note on the case (the customer never sees it)."""
    text = text.strip()
    if not text:
        raise CaseError(_("Write the note first."), code="empty_note")
    case = _locked(case)
    note = _note(case, CaseNoteKind.NOTE, actor, text[:MAX_NOTE], timezone.now())
    _audit(case, actor, "feedback.case.noted")
    return note


def _resolve_locked(case: Case, actor: User, now: datetime) -> None:
    if case.told_at is None:
        raise NotToldYet()
    case.status = CaseStatus.RESOLVED
    case.resolved_at = now
    case.save(update_fields=["status", "resolved_at"])
    _note(case, CaseNoteKind.STATUS, actor, str(CaseStatus.RESOLVED.label), now)
    _audit(case, actor, "feedback.case.resolved")


@transaction.atomic
def set_status(*, case: Case, status: str, actor: User) -> Case:
    """Open, in progress or resolved. Resolving needs the customer told; reopening a resolved
    case forgets its resolution (and the won-back verdict that depends on it)."""
    if status not in CaseStatus.values:
        raise CaseError(_("Choose a status."), code="bad_status")
    case = _locked(case)
    if case.status == status:
        return case
    now = timezone.now()
    if status == CaseStatus.RESOLVED:
        _resolve_locked(case, actor, now)
        return case
    case.status = status
    case.resolved_at = None
    case.won_back = None
    case.won_back_checked_at = None
    case.save(update_fields=["status", "resolved_at", "won_back", "won_back_checked_at"])
    _note(case, CaseNoteKind.STATUS, actor, str(CaseStatus(status).label), now)
    _audit(case, actor, "feedback.case.status", status=status)
    return case


@transaction.atomic
def resolve(*, case: Case, actor: User) -> Case:
    """Resolve the case; refused until the customer has been told (a reply sent)."""
    case = _locked(case)
    if case.status == CaseStatus.RESOLVED:
        return case
    _resolve_locked(case, actor, timezone.now())
    return case


# --- Telling the customer ------------------------------------------------------------------------


def reply_channel(case: Case) -> str:
    """The channel the customer came by: the invitation's; without one (a receipt answer),
    email when the member has an address, else SMS, else the member page."""
    invitation = getattr(case.answer, "invitation", None) if case.answer_id else None
    if invitation is not None and invitation.channel in Channel.values:
        return invitation.channel
    member = case.member
    if member is not None and member.email:
        return Channel.EMAIL
    if member is not None and member.phone:
        return Channel.SMS
    return Channel.IN_APP


def _recovery_words(case: Case) -> str:
    """What the recovery gave, in the customer's words (added to the first reply after it)."""
    voucher = case.recovery_voucher
    if voucher is not None:
        return _("Your voucher: %(code)s (%(reward)s), valid until %(date)s.") % {
            "code": voucher.code,
            "reward": voucher.title,
            "date": date_format(timezone.localtime(voucher.expires_at, case.merchant.tzinfo)),
        }
    if case.recovery_points:
        return _("We added %(points)s points to your card.") % {"points": case.recovery_points}
    return ""


def _recovery_untold(case: Case) -> bool:
    recovery = case.notes.filter(kind=CaseNoteKind.RECOVERY).order_by("-id").first()
    if recovery is None:
        return False
    return not case.notes.filter(kind=CaseNoteKind.REPLY, pk__gt=recovery.pk).exists()


@transaction.atomic
def reply(*, case: Case, text: str, actor: User) -> CaseNote:
    """Tell the customer: a transactional message through the channel they came by, queued
    in the campaigns' queue (sent by "Send campaign messages"). Records the reply note and,
    the first time, `told_at`. A recovery not yet told is added to the message."""
    text = text.strip()
    if not text:
        raise CaseError(_("Write the reply first."), code="empty_reply")
    case = _locked(case)
    member = case.member
    if member is None or member.status == MemberStatus.ANONYMIZED:
        raise CannotReach(_("The customer's card is gone: there is nobody to reply to."))
    channel = reply_channel(case)
    if channel != Channel.IN_APP and not address_for(member, channel):
        raise CannotReach(_("The customer has no address for this channel."))
    now = timezone.now()
    body = text[:MAX_REPLY]
    language = reader_language(member.language, case.merchant)
    with override(language):
        if _recovery_untold(case):
            body = f"{body}\n\n{_recovery_words(case)}"
        subject = _("About your visit to %(merchant)s") % {"merchant": case.merchant.name}
    count = case.notes.filter(kind=CaseNoteKind.REPLY).count()
    queue_message(
        case.merchant,
        member,
        channel=channel,
        purpose=Purpose.TRANSACTIONAL,
        send_key=f"feedback:case:{case.pk}:reply:{count + 1}",
        subject=subject,
        body_text=body,
        source_type="feedback_case",
        source_id=case.pk,
        language=language,
    )
    note = _note(case, CaseNoteKind.REPLY, actor, body, now, channel=channel)
    changed = []
    if case.told_at is None:
        case.told_at, changed = now, ["told_at"]
    if case.status == CaseStatus.OPEN:
        case.status = CaseStatus.IN_PROGRESS
        changed.append("status")
    if changed:
        case.save(update_fields=changed)
    _audit(case, actor, "feedback.case.replied", channel=channel)
    return note


# --- Recovery ------------------------------------------------------------------------------------


def voucher_cost(reward: Reward, merchant: Merchant) -> Decimal:
    """What a voucher of `reward` costs the merchant: what it gives in money; for a percent
    discount without a maximum (its worth depends on the basket), its points at the
    program's point value."""
    worth = reward_worth(kind=reward.kind, value=reward.value, max_discount=reward.max_discount)
    if worth is None:
        return points_money(reward.points_cost, get_program(merchant))
    return worth.quantize(Decimal("0.01"))


@dataclass(frozen=True)
class Recovery:
    case: Case
    note: CaseNote


@transaction.atomic
def give_recovery(
    *, case: Case, actor: User, reward: Reward | None = None, points: int = 0
) -> Recovery:
    """One recovery per case: a voucher of one of the merchant's rewards, or bonus points.
    Its cost in money is kept on the case; the next reply tells the customer."""
    if (reward is None) == (not points):
        raise CaseError(_("Choose a reward or a number of points, not both."), code="bad_recovery")
    if points and not 0 < points <= MAX_RECOVERY_POINTS:
        raise CaseError(_("Enter a number of points above zero."), code="bad_points")
    case = _locked(case)
    if case.status == CaseStatus.RESOLVED:
        raise CaseClosed()
    if case.recovery_voucher_id or case.recovery_points:
        raise RecoveryGiven()
    member = case.member
    if member is None or member.status != MemberStatus.ACTIVE:
        raise CannotReach(_("The customer's card is not active: no recovery can be given."))
    now = timezone.now()
    if reward is not None:
        voucher = issue_voucher(
            merchant=case.merchant,
            reward=reward,
            source=VoucherSource.SERVICE_RECOVERY,
            member=member,
            actor=actor,
            now=now,
        )
        case.recovery_voucher = voucher
        case.recovery_cost = voucher_cost(reward, case.merchant)
        text = _("Voucher %(code)s: %(reward)s.") % {"code": voucher.code, "reward": reward.name}
    else:
        program = get_program(case.merchant)
        locked_member = lock_member(member.pk)
        credit(
            member=locked_member,
            program=program,
            kind=EntryKind.BONUS,
            points=points,
            now=now,
            reference=f"case:{case.pk}",
            reason=_("Sorry for your visit")[:200],
            actor=actor,
        )
        emit(
            case.merchant_id,
            [("points.earned", {"member": member.pk, "points": points, "bonus": "recovery"})],
            now,
        )
        case.recovery_points = points
        case.recovery_cost = points_money(points, program)
        text = _("%(points)s bonus points.") % {"points": points}
    case.save(update_fields=["recovery_voucher", "recovery_points", "recovery_cost"])
    note = _note(case, CaseNoteKind.RECOVERY, actor, text, now)
    _audit(case, actor, "feedback.case.recovery", cost=str(case.recovery_cost), points=points)
    return Recovery(case=case, note=note)


# --- Won back ------------------------------------------------------------------------------------


def check_won_back(*, now: datetime | None = None) -> int:
    """Cases resolved at least 30 days ago and not yet checked: won back when the member made
    a purchase (not reversed) after the case was opened and within 30 days of resolving.
    Safe to run twice: a checked case is never checked again. Returns how many it checked."""
    now = now or timezone.now()
    window = timedelta(days=WON_BACK_DAYS)
    due = Case.objects.filter(
        status=CaseStatus.RESOLVED,
        won_back__isnull=True,
        resolved_at__lte=now - window,
    )
    bought = Purchase.objects.filter(
        member_id=OuterRef("member_id"),
        reversed_at__isnull=True,
        occurred_at__gt=OuterRef("opened_at"),
        occurred_at__lte=OuterRef("resolved_at") + window,
    )
    with transaction.atomic():
        won = due.filter(Exists(bought)).update(won_back=True, won_back_checked_at=now)
        lost = due.update(won_back=False, won_back_checked_at=now)
    return won + lost

"""The member's rights over their data: a copy of everything (export) and erasure (anonymize).

Erasure keeps the member row, its ledger and its purchases, so that the merchant's figures and
`reconcile_points` stay right; what identifies the person goes: contact details, names,
birthday, language, referral code, the link to the sign-in account and the card number (a new
random one replaces it, so the old card or its QR code finds nobody at the till).
"""

from datetime import datetime
from decimal import Decimal

from django.apps import apps
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.audit import log_action
from loyalty.events import emit
from loyalty.models import AuditEvent, User
from loyalty.models.points import PointsEntry, PointsLot, Purchase
from members.models import Consent, Member, MemberStatus, new_card_number
from members.services.consents import FIELDS, record_consent

EXPORT_FORMAT = 1
# Parts of the export whose features have not landed yet: present, empty, and said so.
NOT_USED_YET = ("messages", "feedback")


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _amount(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def export_member_data(member: Member) -> dict:
    """Everything Fidela keeps about the member, as JSON-ready values ("Download my data")."""
    # Long: one literal, the whole export in the order the person reads it; a split would
    # scatter what GDPR asks us to show in one place.
    merchant = member.merchant
    consents = Consent.objects.for_merchant(merchant).filter(member=member).order_by("created_at")
    purchases = (
        Purchase.objects.for_merchant(merchant)
        .filter(member=member)
        .select_related("shop")
        .order_by("occurred_at", "pk")
    )
    ledger = (
        PointsEntry.objects.for_merchant(merchant)
        .filter(member=member)
        .select_related("purchase")
        .order_by("created_at", "pk")
    )
    lots = PointsLot.objects.filter(merchant=merchant, member=member).order_by("created_at", "pk")
    data = {
        "format": EXPORT_FORMAT,
        "exported_at": timezone.now().isoformat(),
        "merchant": {"name": merchant.name, "web_address": merchant.slug},
        "profile": {
            "card_number": member.card_number,
            "email": member.email,
            "phone": member.phone,
            "reference_in_previous_system": member.external_ref,
            "first_name": member.first_name,
            "last_name": member.last_name,
            "birthday": member.birthday_display or None,
            "pending_birthday": (
                {
                    "day": member.pending_birth_day,
                    "month": member.pending_birth_month,
                    "year": member.pending_birth_year,
                    "from": member.pending_birthday_from.isoformat(),
                }
                if member.pending_birthday_from
                else None
            ),
            "language": member.language,
            "status": member.status,
            "joined_at": _when(member.joined_at),
            "joined_through": member.source,
            "referral_code": member.referral_code,
            "referred_by_a_member": member.referred_by_id is not None,
            "members_referred": member.referrals.count(),
        },
        "points": {
            "balance": member.points_balance,
            "pending": member.pending_points,
            "lifetime": member.lifetime_points,
            "lifetime_spend": _amount(member.lifetime_spend),
            "purchase_count": member.purchase_count,
            "tier": member.tier.name if member.tier_id else None,
            "tier_since": _when(member.tier_since),
        },
        "consents": {
            "email_marketing": member.email_marketing,
            "sms_marketing": member.sms_marketing,
            "history": [
                {
                    "channel": consent.channel,
                    "granted": consent.granted,
                    "source": consent.source,
                    "wording": consent.wording,
                    "at": _when(consent.created_at),
                }
                for consent in consents
            ],
        },
        "purchases": [
            {
                "receipt": purchase.external_id,
                "shop": purchase.shop.name,
                "occurred_at": _when(purchase.occurred_at),
                "amount": _amount(purchase.amount),
                "currency": purchase.currency,
                "items": purchase.items,
                "eligible_amount": _amount(purchase.eligible_amount),
                "points_earned": purchase.points_earned,
                "breakdown": purchase.breakdown,
                "refunded_amount": _amount(purchase.refunded_amount),
                "points_clawed_back": purchase.points_clawed_back,
                "reversed_at": _when(purchase.reversed_at),
            }
            for purchase in purchases
        ],
        "ledger": [
            {
                "kind": entry.kind,
                "points": entry.points,
                "at": _when(entry.created_at),
                "receipt": entry.purchase.external_id if entry.purchase_id else None,
                "reference": entry.reference,
                "reason": entry.reason,
            }
            for entry in ledger
        ],
        "lots": [
            {
                "points": lot.points,
                "remaining": lot.remaining,
                "earned_at": _when(lot.created_at),
                "available_at": _when(lot.available_at),
                "released": lot.released,
                "expires_at": _when(lot.expires_at),
            }
            for lot in lots
        ],
    }
    data["vouchers"] = [
        {
            "code": voucher.code,
            "title": voucher.title,
            "gives": voucher.describe(),
            "kind": voucher.kind,
            "value": _amount(voucher.value),
            "conditions": voucher.conditions(),
            "points_cost": voucher.points_cost,
            "source": voucher.source,
            "status": voucher.status,
            "issued_at": _when(voucher.issued_at),
            "expires_at": _when(voucher.expires_at),
            "used_at": _when(voucher.used_at),
            "used_at_shop": voucher.used_shop.name if voucher.used_shop_id else None,
            "cancelled_at": _when(voucher.cancelled_at),
        }
        for voucher in apps.get_model("rewards", "Voucher")
        .objects.filter(merchant=merchant, member=member)
        .select_related("merchant", "used_shop")
        .order_by("issued_at", "pk")
    ]
    for part in NOT_USED_YET:
        data[part] = []
    data["notes"] = {part: "not used yet" for part in NOT_USED_YET}
    return data


def _free_card_number(member: Member) -> str:
    taken = Member.objects.for_merchant(member.merchant).values_list("card_number", flat=True)
    while True:
        number = new_card_number()
        if not taken.filter(card_number=number).exists():
            return number


def _close_sign_in_account(user_id: int | None) -> bool:
    """Remove the person's sign-in account when nothing else uses it: no other card, no staff
    role. Otherwise their email would outlive the card they asked to delete."""
    if user_id is None:
        return False
    user = User.objects.filter(pk=user_id).first()
    if user is None or user.is_staff or user.is_superuser:
        return False
    if user.memberships.exists() or user.member_cards.exists():
        return False
    user.delete()
    return True


@transaction.atomic
def anonymize_member(*, member: Member, actor: User | None = None, reason: str) -> Member:
    """Erase what identifies the member; the ledger and the purchases stay, without a name.

    Consents that were on are turned off with a history row; the history itself stays (it
    holds no personal data). Running it twice changes nothing the second time.
    """
    member = Member.objects.select_for_update().select_related("merchant").get(pk=member.pk)
    if member.status == MemberStatus.ANONYMIZED:
        return member
    merchant = member.merchant
    now = timezone.now()
    for channel, field in FIELDS.items():
        if getattr(member, field):
            record_consent(
                member=member,
                channel=channel,
                granted=False,
                source="anonymized",
                wording=reason,
                actor=actor,
                now=now,
            )
    user_id = member.user_id
    member.email = member.phone = member.external_ref = ""
    member.first_name = member.last_name = ""
    member.birth_day = member.birth_month = member.birth_year = None
    member.pending_birth_day = member.pending_birth_month = member.pending_birth_year = None
    member.pending_birthday_from = None
    member.language = ""
    member.referral_code = ""
    member.device_hash = ""
    member.user = None
    member.card_number = _free_card_number(member)
    member.status = MemberStatus.ANONYMIZED
    member.save(
        update_fields=[
            "email",
            "phone",
            "external_ref",
            "first_name",
            "last_name",
            "birth_day",
            "birth_month",
            "birth_year",
            "pending_birth_day",
            "pending_birth_month",
            "pending_birth_year",
            "pending_birthday_from",
            "language",
            "referral_code",
            "device_hash",
            "user",
            "card_number",
            "status",
        ]
    )
    # Earlier audit rows named the member as they were then (their name or email).
    AuditEvent.objects.for_merchant(merchant).filter(
        target_type=Member._meta.model_name, target_id=str(member.pk)
    ).update(target_repr=_("Anonymized member #%(id)s") % {"id": member.pk})
    account_closed = _close_sign_in_account(user_id)
    log_action(
        merchant=merchant,
        actor=actor,
        action="members.member.anonymized",
        target=member,
        data={"reason": reason, "sign_in_account_removed": account_closed},
    )
    emit(merchant.pk, [("member.anonymized", {"member": member.pk})], now)
    return member

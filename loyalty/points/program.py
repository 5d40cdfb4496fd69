"""Write paths of the program settings and its tiers. Each is one transaction with an audit row.

The rules that make a program or a tier list coherent live here, so the portal form, the API
and the demo all refuse the same things with the same words.
"""

from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from loyalty.audit import log_action
from loyalty.content import clean_translations
from loyalty.errors import Conflict, ValidationFailed
from loyalty.models import Merchant, User
from loyalty.models.points import (
    SALE_AMOUNT_CEILING,
    ExpiryMode,
    Program,
    Tier,
    TierBasis,
    TierWindow,
    default_sale_limits,
)
from loyalty.points.ledger import get_program
from members.models import Member

# What of a tier the merchant may give in other languages (loyalty.content).
TIER_TRANSLATED = ("name",)

# --- Program -------------------------------------------------------------------------------------


def program_problems(values: dict, *, currency: str | None = None) -> dict[str, str]:
    """What makes these program settings incoherent, by field: empty when they are fine.

    `values` holds the program's fields (the form's cleaned data, or a program's values with
    the changes applied); a field missing from it is not checked. `currency` (the merchant's)
    gives the default sale limits that an empty limit stands for.
    """
    problems: dict[str, str] = _sale_limit_problems(values, currency)
    expiry_mode = values.get("expiry_mode")
    expiry_on = expiry_mode is not None and expiry_mode != ExpiryMode.NONE
    months = values.get("expiry_months")
    if expiry_on and months is not None and months < 1:
        problems["expiry_months"] = _(
            "Points that expire need at least 1 month; to keep them for ever, choose "
            "“Points never expire”."
        )
    notice = values.get("expiry_notice_days")
    if expiry_on and months and notice is not None and notice >= months * 28:
        problems["expiry_notice_days"] = ngettext(
            "A warning %(days)s days ahead would come before points %(months)s month old "
            "could expire; choose fewer days than the expiry period.",
            "A warning %(days)s days ahead would come before points %(months)s months old "
            "could expire; choose fewer days than the expiry period.",
            months,
        ) % {"days": notice, "months": months}
    for field, message in (
        (
            "max_points_per_purchase",
            _("A limit of 0 means no sale earns points; leave it empty for no limit."),
        ),
        (
            "max_purchases_per_day",
            _("A limit of 0 means no purchase earns points; leave it empty for no limit."),
        ),
    ):
        if values.get(field) == 0:
            problems[field] = message
    window_months = values.get("tier_window_months")
    rolling = values.get("tier_window") == TierWindow.ROLLING
    if rolling and window_months is not None and window_months < 1:
        problems["tier_window_months"] = _(
            "A rolling window needs at least 1 month of purchases to qualify members."
        )
    return problems


def _sale_limit_problems(values: dict, currency: str | None) -> dict[str, str]:
    if "unusual_sale_amount" not in values and "max_sale_amount" not in values:
        return {}
    default_unusual, default_max = default_sale_limits(currency or "")
    unusual = values.get("unusual_sale_amount")
    maximum = values.get("max_sale_amount")
    problems = {}
    for field, value in (("unusual_sale_amount", unusual), ("max_sale_amount", maximum)):
        if value is not None and value <= 0:
            problems[field] = _(
                "The amount must be more than zero; leave it empty for the default."
            )
    if maximum is not None and maximum > SALE_AMOUNT_CEILING:
        problems["max_sale_amount"] = _("One sale can be at most %(ceiling)s in Fidela.") % {
            "ceiling": number_format(SALE_AMOUNT_CEILING, 2, use_l10n=True, force_grouping=True)
        }
    if problems:
        return problems
    effective_max = default_max if maximum is None else maximum
    effective_unusual = min(default_unusual, effective_max) if unusual is None else unusual
    if effective_unusual > effective_max:
        field = "unusual_sale_amount" if unusual is not None else "max_sale_amount"
        problems[field] = _(
            "The amount that asks for a confirmation (%(unusual)s) cannot be above the maximum "
            "sale (%(max)s)."
        ) % {
            "unusual": _plain_money(effective_unusual),
            "max": _plain_money(effective_max),
        }
    return problems


def _plain_money(amount: Decimal) -> str:
    return number_format(amount, 2, use_l10n=True, force_grouping=True)


PROGRAM_FIELDS = [
    field.name
    for field in Program._meta.concrete_fields
    if field.name not in ("id", "merchant") and not field.primary_key
]


@transaction.atomic
def update_program(*, program: Program, actor: User | None, changes: dict) -> Program:
    """Apply the changed settings to the merchant's program; records which fields changed."""
    unknown = set(changes) - set(PROGRAM_FIELDS)
    if unknown:
        raise ValueError(f"not program settings: {sorted(unknown)}")
    # Two managers saving at once: the second works on what the first saved.
    locked = Program.objects.select_for_update().get(pk=program.pk)
    values = {name: getattr(locked, name) for name in PROGRAM_FIELDS} | changes
    problems = program_problems(values, currency=locked.merchant.currency)
    if problems:
        field, message = next(iter(problems.items()))
        raise ValidationFailed(message, code="invalid_program", field=field)
    changed: dict[str, dict[str, str]] = {}
    for name, value in changes.items():
        before = getattr(locked, name)
        if before != value:
            changed[name] = {"from": _audit_value(before), "to": _audit_value(value)}
            setattr(locked, name, value)
    if changed:
        locked.save(update_fields=list(changed))
        log_action(
            merchant=locked.merchant,
            actor=actor,
            action="loyalty.program.updated",
            target=locked,
            data={"changed": sorted(changed), "values": changed},
        )
    # The caller's object shows what was saved.
    for name in PROGRAM_FIELDS:
        setattr(program, name, getattr(locked, name))
    return program


def _audit_value(value) -> str | list | None:
    if value is None or isinstance(value, list):
        return value
    return str(value)


# --- Tiers ---------------------------------------------------------------------------------------


def format_threshold(value: Decimal) -> str:
    """A threshold as people write it: 500, 1,500, 99.50 (localized grouping)."""
    places = 0 if value == value.to_integral_value() else 2
    return number_format(value, places, force_grouping=True)


def _multiplier(value: Decimal) -> str:
    return number_format(value, 2)


def _check_tiers(tiers: list[Tier], changed: Tier, basis: str) -> None:
    """Refuse a tier list that would not make sense once `changed` is saved in it."""
    if basis == TierBasis.POINTS and changed.threshold != changed.threshold.to_integral_value():
        raise ValidationFailed(
            _("Tiers qualify on points earned here, so the threshold is a whole number."),
            code="threshold_not_whole",
            field="threshold",
        )
    for other in tiers:
        if other.pk == changed.pk:
            continue
        if other.name.casefold() == changed.name.casefold():
            raise Conflict(
                _("A tier named “%(name)s” exists already; choose another name.")
                % {"name": other.name},
                code="duplicate_tier_name",
                field="name",
            )
        if other.threshold == changed.threshold:
            raise Conflict(
                _("%(name)s already starts at %(threshold)s; two tiers cannot share a threshold.")
                % {"name": other.name, "threshold": format_threshold(other.threshold)},
                code="duplicate_tier_threshold",
                field="threshold",
            )
    ordered = sorted(
        [t for t in tiers if t.pk != changed.pk] + [changed], key=lambda t: t.threshold
    )
    if ordered[0].threshold != 0:
        raise ValidationFailed(
            _("The lowest tier must start at 0 so every member has a tier."),
            code="entry_tier_required",
            field="threshold",
        )
    index = next(i for i, t in enumerate(ordered) if t is changed)
    below = ordered[index - 1] if index > 0 else None
    above = ordered[index + 1] if index + 1 < len(ordered) else None
    params = {
        "name": changed.name,
        "threshold": format_threshold(changed.threshold),
        "multiplier": _multiplier(changed.multiplier),
    }
    if below is not None and changed.multiplier < below.multiplier:
        raise ValidationFailed(
            _(
                "%(name)s (%(threshold)s) cannot earn less than %(other)s (%(other_threshold)s): "
                "%(multiplier)s < %(other_multiplier)s."
            )
            % {
                **params,
                "other": below.name,
                "other_threshold": format_threshold(below.threshold),
                "other_multiplier": _multiplier(below.multiplier),
            },
            code="tier_multiplier_order",
            field="multiplier",
        )
    if above is not None and changed.multiplier > above.multiplier:
        raise ValidationFailed(
            _(
                "%(name)s (%(threshold)s) cannot earn more than %(other)s (%(other_threshold)s): "
                "%(multiplier)s > %(other_multiplier)s."
            )
            % {
                **params,
                "other": above.name,
                "other_threshold": format_threshold(above.threshold),
                "other_multiplier": _multiplier(above.multiplier),
            },
            code="tier_multiplier_order",
            field="multiplier",
        )


def _lock_tiers(merchant: Merchant) -> tuple[Program, list[Tier]]:
    # The program row is the merchant's lock for tier changes: it exists even when no tier
    # does, so two people adding the first tiers at once are serialized too.
    program = get_program(merchant)
    program = Program.objects.select_for_update().get(pk=program.pk)
    return program, list(Tier.objects.for_merchant(merchant).order_by("threshold"))


@transaction.atomic
def save_tier(
    *,
    merchant: Merchant,
    actor: User | None,
    tier: Tier | None = None,
    name: str,
    threshold: Decimal,
    multiplier: Decimal,
    benefits: str = "",
    translations: dict[str, dict[str, str]] | None = None,
) -> Tier:
    """Create a tier, or change one, keeping the list ordered and starting at 0.

    `translations`: its name in the other languages, ``{"ro": {"name": ...}}``
    (loyalty.content); None keeps those saved."""
    if tier is not None and tier.merchant_id != merchant.pk:
        raise Tier.DoesNotExist
    name = name.strip()
    if not name:
        raise ValidationFailed(_("Give the tier a name."), code="name_required", field="name")
    if threshold < 0:
        raise ValidationFailed(
            _("The threshold cannot be negative."), code="invalid_threshold", field="threshold"
        )
    if multiplier < 1:
        raise ValidationFailed(
            _("The multiplier is at least 1.00: a tier never earns less than no tier."),
            code="invalid_multiplier",
            field="multiplier",
        )
    program, tiers = _lock_tiers(merchant)
    current = next((t for t in tiers if tier is not None and t.pk == tier.pk), None)
    if tier is not None and current is None:
        raise Tier.DoesNotExist  # deleted meanwhile
    proposed = current or Tier(merchant=merchant)
    before = {
        "name": proposed.name,
        "threshold": proposed.threshold,
        "multiplier": proposed.multiplier,
        "benefits": proposed.benefits,
        "translations": proposed.translations or {},
    }
    proposed.name, proposed.threshold = name, threshold
    proposed.multiplier, proposed.benefits = multiplier, benefits.strip()
    if translations is not None:
        proposed.translations = clean_translations(translations, TIER_TRANSLATED)
    _check_tiers(tiers, proposed, program.tier_basis)
    try:
        with transaction.atomic():
            proposed.save()
    except IntegrityError:
        raise Conflict(
            _("Another tier has this name or threshold; reload the page and try again."),
            code="tier_conflict",
        ) from None
    if current is None:
        log_action(
            merchant=merchant,
            actor=actor,
            action="loyalty.tier.created",
            target=proposed,
            data={
                "name": name,
                "threshold": str(threshold),
                "multiplier": str(multiplier),
                **({"translations": proposed.translations} if proposed.translations else {}),
            },
        )
    else:
        after = {
            "name": proposed.name,
            "threshold": proposed.threshold,
            "multiplier": proposed.multiplier,
            "benefits": proposed.benefits,
            "translations": proposed.translations or {},
        }
        # The words per language are kept as they are (JSON), the figures as text.
        changed = {
            field: {"from": _audited(before[field]), "to": _audited(after[field])}
            for field in after
            if before[field] != after[field]
        }
        if changed:
            log_action(
                merchant=merchant,
                actor=actor,
                action="loyalty.tier.updated",
                target=proposed,
                data={"changed": sorted(changed), "values": changed},
            )
    if tier is not None:
        tier.name, tier.threshold = proposed.name, proposed.threshold
        tier.multiplier, tier.benefits = proposed.multiplier, proposed.benefits
        tier.translations = proposed.translations
    return proposed


def _audited(value: Any) -> Any:
    return value if isinstance(value, dict) else str(value)


def tier_deletion_problem(tier: Tier, tiers: list[Tier]) -> str | None:
    """Why this tier cannot be deleted from the list, or None when it can."""
    if len(tiers) <= 1:
        return _(
            "%(name)s is the only tier; every member needs a tier, so it cannot be deleted. "
            "Rename it or change its benefits instead."
        ) % {"name": tier.name}
    if tier.threshold == 0:
        return _(
            "%(name)s is the entry tier (from 0) that new members start in. Delete the other "
            "tiers first, or rename this one."
        ) % {"name": tier.name}
    # Rewards name their lowest tier; deleting it would silently open them to everyone.
    rewards = list(
        apps.get_model("rewards", "Reward")
        .objects.filter(min_tier=tier)
        .order_by("name")
        .values_list("name", flat=True)
    )
    if rewards:
        return ngettext(
            "The reward %(names)s is for %(name)s members and above: give it another tier first.",
            "The rewards %(names)s are for %(name)s members and above: give them another tier "
            "first.",
            len(rewards),
        ) % {"names": ", ".join(f"“{r}”" for r in rewards), "name": tier.name}
    return None


@transaction.atomic
def delete_tier(*, tier: Tier, actor: User | None) -> int:
    """Delete a tier. Its members have no tier until the nightly re-evaluation places them.

    Returns how many members were in it.
    """
    _program, tiers = _lock_tiers(tier.merchant)
    current = next((t for t in tiers if t.pk == tier.pk), None)
    if current is None:
        raise Tier.DoesNotExist
    problem = tier_deletion_problem(current, tiers)
    if problem:
        raise Conflict(problem, code="tier_required")
    members = Member.objects.filter(merchant_id=tier.merchant_id, tier=current).count()
    log_action(
        merchant=tier.merchant,
        actor=actor,
        action="loyalty.tier.deleted",
        target=current,
        data={
            "name": current.name,
            "threshold": str(current.threshold),
            "multiplier": str(current.multiplier),
            "members": members,
        },
    )
    try:
        # Member.tier is SET_NULL: the members keep everything else and wait for the
        # nightly re-evaluation, which places them by what they spent or earned.
        current.delete()
    except ProtectedError:
        raise Conflict(
            _("%(name)s is still used elsewhere and cannot be deleted.") % {"name": current.name},
            code="tier_in_use",
        ) from None
    return members

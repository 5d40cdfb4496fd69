"""The fields a rule segment can test, each with its kind, the operators of that kind and the
condition it puts on members (a `Q`, never members read into Python).

Kinds: numbers (`eq`, `ne`, `lt`, `lte`, `gt`, `gte`, `between`), choices (`is`, `is_not`,
`in`) and dates (`before`, `after`, `in_last_days`). A field's `condition(ctx, op, value)` gets
a value already cleaned by `clean_value` (a Decimal or int, a list of strings, a date, an int
of days). Conditions on another table (scores, RFM, category affinity, tags) are `EXISTS`
on the member's rows: PostgreSQL runs them as (anti-)semi-joins under AND, and under OR as one
probe of the table's (member, ...) unique index per member left by the other conditions (an
OR group of such rules ANDed into the tree is read as one UNION of member ids instead:
`campaigns.segments.rules`). Not `pk IN (subquery)` for a rule: under OR, once the subquery's
ids outgrow `work_mem`, PostgreSQL re-reads the subquery for every member (measured:
unfinished after 18 minutes at 1,000,000 members).

To add a field: write its condition, add a `Field` to `FIELDS` (a choice field gives its
`choices(merchant)`, or `free=True` for typed words), and the builder and validation pick it
up; add it to the brute-force model in tests/campaigns/test_rules.py.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db.models import (
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.utils import dates
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaigns.models import CategoryAffinity, MemberRfm, MemberTag, RfmSegment
from campaigns.models.tags import TAG_MAX_LENGTH
from loyalty.clock import midnight
from loyalty.models import Merchant, Shop, Tier
from members.models import MemberScore
from rewards.models import Badge, MemberBadge

NUMBER, CHOICE, DATE = "number", "choice", "date"
OPERATORS: dict[str, dict[str, Promise]] = {
    NUMBER: {
        "eq": gettext_lazy("="),
        "ne": gettext_lazy("≠"),
        "lt": gettext_lazy("<"),
        "lte": gettext_lazy("≤"),
        "gt": gettext_lazy(">"),
        "gte": gettext_lazy("≥"),
        "between": gettext_lazy("between"),
    },
    CHOICE: {
        "is": gettext_lazy("is"),
        "is_not": gettext_lazy("is not"),
        "in": gettext_lazy("is one of"),
    },
    DATE: {
        "before": gettext_lazy("before"),
        "after": gettext_lazy("after"),
        "in_last_days": gettext_lazy("in the last N days"),
    },
}
MAX_NUMBER = Decimal("1000000000")
MAX_DAYS = 36500
MAX_CHOICES = 50


class BadValue(ValueError):
    """A rule's value that cannot be used; the message is shown next to the rule."""


@dataclass(frozen=True)
class Context:
    """What conditions need besides the value: the merchant and its local today."""

    merchant: Merchant
    today: dt.date

    def start_of(self, day: dt.date) -> dt.datetime:
        return midnight(day, self.merchant.tzinfo)


@dataclass(frozen=True)
class Field:
    name: str
    label: Promise
    kind: str
    condition: Callable[[Context, str, object], Q]
    number: str = "decimal"  # "int" or "decimal" for numbers
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    choices: Callable[[Merchant], list[tuple[str, str]]] | None = None
    free: bool = False  # a choice typed as words (tags, categories), suggestions only
    lower: bool = True  # free words compare lower-cased
    help: Promise | str = ""

    @property
    def operators(self) -> dict[str, Promise]:
        return OPERATORS[self.kind]


# --- values --------------------------------------------------------------------------------


def _number(field: Field, raw: object) -> Decimal | int:
    return parse_number(raw, whole=field.number == "int", low=field.minimum, high=field.maximum)


def parse_number(
    raw: object, *, whole: bool, low: Decimal | None = None, high: Decimal | None = None
) -> Decimal | int:
    """A number typed in a rule (a comma as the decimal point is fine), or BadValue."""
    text = str(raw if raw is not None else "").strip().replace(",", ".")
    if not text:
        raise BadValue(_("Enter a number."))
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise BadValue(_("“%(value)s” is not a number.") % {"value": text[:20]}) from None
    if not number.is_finite() or abs(number) > MAX_NUMBER:
        raise BadValue(_("“%(value)s” is not a number.") % {"value": text[:20]})
    if whole:
        if number != number.to_integral_value():
            raise BadValue(_("Enter a whole number."))
        number = int(number)
    if low is not None and number < low:
        raise BadValue(_("Enter at least %(minimum)s.") % {"minimum": low})
    if high is not None and number > high:
        raise BadValue(_("Enter at most %(maximum)s.") % {"maximum": high})
    return number


def _as_list(raw: object) -> list:
    if raw is None or raw == "":
        return []
    if isinstance(raw, list | tuple):
        return list(raw)
    return [raw]


def _choice_values(merchant: Merchant, field: Field, raw: object, many: bool) -> list[str]:
    values: list[str] = []
    for item in _as_list(raw):
        parts = str(item).split(",") if field.free and many else [str(item)]
        for part in parts:
            value = " ".join(part.split())
            if field.free and field.lower:
                value = value.lower()
            if value and value not in values:
                values.append(value)
    if not values:
        raise BadValue(_("Choose a value.") if not field.free else _("Enter a value."))
    if not many and len(values) > 1:
        raise BadValue(_("Choose one value, or use “is one of”."))
    if len(values) > MAX_CHOICES:
        raise BadValue(_("Choose at most %(count)d values.") % {"count": MAX_CHOICES})
    if field.free:
        if any(len(value) > TAG_MAX_LENGTH * 3 for value in values):
            raise BadValue(_("This value is too long."))
        return values
    known = {key for key, _label in field.choices(merchant)} if field.choices else set()
    unknown = [value for value in values if value not in known]
    if unknown:
        raise BadValue(_("“%(value)s” is not one of the choices.") % {"value": unknown[0][:40]})
    return values


def clean_value(merchant: Merchant, field: Field, op: str, raw: object) -> object:
    """The rule's value as its condition takes it, or BadValue with what is wrong."""
    if field.kind == NUMBER:
        if op == "between":
            bounds = _as_list(raw)
            if len(bounds) != 2:
                raise BadValue(_("Enter two numbers."))
            low, high = _number(field, bounds[0]), _number(field, bounds[1])
            if low > high:
                raise BadValue(_("The first number must not be above the second."))
            return [low, high]
        return _number(field, raw)
    if field.kind == CHOICE:
        return _choice_values(merchant, field, raw, many=op == "in")
    if op == "in_last_days":
        days = parse_number(raw, whole=True)
        if not 1 <= days <= MAX_DAYS:
            raise BadValue(_("Enter a number of days from 1 to %(max)d.") % {"max": MAX_DAYS})
        return days
    text = str(raw or "").strip()
    if not text:
        raise BadValue(_("Enter a date."))
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise BadValue(
            _("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": text[:20]}
        ) from None


def to_json(value: object) -> object:
    """A cleaned value as `Segment.rules` stores it (numbers as text, dates in ISO)."""
    if isinstance(value, list):
        return [to_json(item) for item in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


# --- conditions ----------------------------------------------------------------------------


class MemberRows(Exists):
    """`EXISTS` of the member's rows among `rows` (rows of another table, of every member),
    keeping `rows` so that an OR group of such rules can be read as one set of member ids
    (`campaigns.segments.rules`)."""

    def __init__(self, rows: QuerySet, **extra):
        self.rows = rows
        super().__init__(rows.filter(member=OuterRef("pk")), **extra)


def compare(lookup: str, op: str, value: object, wrap: Callable = lambda v: v) -> Q:
    """A number comparison on `lookup`; `wrap` turns the value into the right-hand side."""
    if op == "between":
        low, high = value  # type: ignore[misc]
        return Q(**{f"{lookup}__gte": wrap(low), f"{lookup}__lte": wrap(high)})
    if op == "eq":
        return Q(**{lookup: wrap(value)})
    if op == "ne":
        return ~Q(**{lookup: wrap(value)})
    return Q(**{f"{lookup}__{op}": wrap(value)})


def column(name: str) -> Callable[[Context, str, object], Q]:
    def condition(ctx: Context, op: str, value: object) -> Q:
        return compare(name, op, value)

    return condition


def related(queryset: Callable[[Merchant], QuerySet], name: str, scale=None) -> Callable:
    """A number on a one-row-per-member table (scores): members without a row match nothing."""

    def condition(ctx: Context, op: str, value: object) -> Q:
        if scale is not None:
            value = [scale(v) for v in value] if isinstance(value, list) else scale(value)
        return Q(MemberRows(queryset(ctx.merchant).filter(compare(name, op, value))))

    return condition


def days_since_last_purchase(ctx: Context, op: str, value: object) -> Q:
    """Local days from the last purchase to today: an interval on `last_purchase_at`, so the
    (merchant, last_purchase_at) index serves it. Members who never bought match nothing."""
    if op == "between":
        low, high = value  # type: ignore[misc]
    else:
        n = value
        low, high = {
            "eq": (n, n),
            "ne": (n, n),
            "lt": (None, n - 1),
            "lte": (None, n),
            "gt": (n + 1, None),
            "gte": (n, None),
        }[op]
    inside = Q()
    if high is not None:
        inside &= Q(last_purchase_at__gte=ctx.start_of(ctx.today - dt.timedelta(days=high)))
    if low is not None:
        inside &= Q(last_purchase_at__lt=ctx.start_of(ctx.today - dt.timedelta(days=low - 1)))
    bought = Q(last_purchase_at__isnull=False)
    return bought & ~inside if op == "ne" else bought & inside


def average_basket(ctx: Context, op: str, value: object) -> Q:
    """lifetime_spend / purchase_count compared as spend against value x count (exact)."""

    def times_count(number: Decimal) -> ExpressionWrapper:
        return ExpressionWrapper(F("purchase_count") * Value(number), output_field=DecimalField())

    return Q(purchase_count__gt=0) & compare("lifetime_spend", op, value, times_count)


def joined(ctx: Context, op: str, value: object) -> Q:
    if op == "before":
        return Q(joined_at__lt=ctx.start_of(value))
    if op == "after":
        return Q(joined_at__gte=ctx.start_of(value + dt.timedelta(days=1)))
    # in the last N local days, today included
    return Q(joined_at__gte=ctx.start_of(ctx.today - dt.timedelta(days=value - 1)))


def choice(positive: Callable[[Context, list], Q]) -> Callable[[Context, str, object], Q]:
    """is / is one of: the positive condition; is not: its negation (so a member with no
    value, no tier or no RFM score "is not" any of them)."""

    def condition(ctx: Context, op: str, value: object) -> Q:
        q = positive(ctx, value)
        return ~q if op == "is_not" else q

    return condition


def in_rows(queryset: Callable[[Merchant], QuerySet], name: str) -> Callable[[Context, list], Q]:
    def positive(ctx: Context, values: list) -> Q:
        return Q(MemberRows(queryset(ctx.merchant).filter(**{f"{name}__in": values})))

    return positive


def consent(ctx: Context, values: list) -> Q:
    q = Q()
    for channel in values:
        q |= Q(**{f"{channel}_marketing": True})
    return q


def tier_choices(merchant: Merchant) -> list[tuple[str, str]]:
    return [(str(t.pk), t.name) for t in Tier.objects.for_merchant(merchant).order_by("threshold")]


def shop_choices(merchant: Merchant) -> list[tuple[str, str]]:
    return [(str(s.pk), s.name) for s in Shop.objects.for_merchant(merchant).order_by("name")]


def rfm_choices(merchant: Merchant) -> list[tuple[str, str]]:
    return [(key, str(label)) for key, label in RfmSegment.choices]


def month_choices(merchant: Merchant) -> list[tuple[str, str]]:
    return [(str(number), str(name)) for number, name in dates.MONTHS.items()]


def consent_choices(merchant: Merchant) -> list[tuple[str, str]]:
    return [("email", _("Email offers")), ("sms", _("SMS offers"))]


def category_suggestions(merchant: Merchant) -> list[tuple[str, str]]:
    rows = CategoryAffinity.objects.for_merchant(merchant).values_list("category", flat=True)
    return [(c, c) for c in rows.distinct().order_by("category")[:200]]


def badge_choices(merchant: Merchant) -> list[tuple[str, str]]:
    badges = Badge.objects.for_merchant(merchant).order_by("name", "id")
    return [(str(b.pk), f"{b.icon} {b.name}") for b in badges]


def tag_suggestions(merchant: Merchant) -> list[tuple[str, str]]:
    rows = MemberTag.objects.for_merchant(merchant).values_list("tag", flat=True)
    return [(t, t) for t in rows.distinct().order_by("tag")[:200]]


def scores(merchant: Merchant) -> QuerySet:
    return MemberScore.objects.for_merchant(merchant)


def percent(value: Decimal) -> float:
    return float(value / 100)


FIELDS: dict[str, Field] = {
    field.name: field
    for field in [
        Field(
            "tier",
            gettext_lazy("Tier"),
            CHOICE,
            choice(lambda ctx, values: Q(tier_id__in=[int(v) for v in values])),
            choices=tier_choices,
        ),
        Field(
            "points_balance",
            gettext_lazy("Points balance"),
            NUMBER,
            column("points_balance"),
            number="int",
        ),
        Field(
            "days_since_last_purchase",
            gettext_lazy("Days since the last purchase"),
            NUMBER,
            days_since_last_purchase,
            number="int",
            minimum=Decimal(0),
            help=gettext_lazy("Members who never bought match no rule on this."),
        ),
        Field(
            "purchase_count",
            gettext_lazy("Purchases"),
            NUMBER,
            column("purchase_count"),
            number="int",
        ),
        Field("lifetime_spend", gettext_lazy("Lifetime spend"), NUMBER, column("lifetime_spend")),
        Field(
            "average_basket",
            gettext_lazy("Average basket"),
            NUMBER,
            average_basket,
            help=gettext_lazy(
                "Lifetime spend / purchases; members who never bought match no rule on this."
            ),
        ),
        Field(
            "rfm_segment",
            gettext_lazy("RFM segment"),
            CHOICE,
            choice(in_rows(lambda m: MemberRfm.objects.for_merchant(m), "segment")),
            choices=rfm_choices,
        ),
        Field(
            "p_alive",
            gettext_lazy("Probability still a customer (%)"),
            NUMBER,
            related(scores, "p_alive", scale=percent),
            minimum=Decimal(0),
            maximum=Decimal(100),
            help=gettext_lazy("From the nightly scores; members not scored match no rule on this."),
        ),
        Field(
            "predicted_value_90d",
            gettext_lazy("Predicted spend, 90 days"),
            NUMBER,
            related(scores, "predicted_value_90d"),
        ),
        Field(
            "predicted_value_12m",
            gettext_lazy("Predicted spend, 12 months"),
            NUMBER,
            related(scores, "predicted_value_12m"),
        ),
        Field("joined", gettext_lazy("Joined"), DATE, joined),
        Field(
            "birthday_month",
            gettext_lazy("Birthday month"),
            CHOICE,
            choice(lambda ctx, values: Q(birth_month__in=[int(v) for v in values])),
            choices=month_choices,
        ),
        Field(
            "category",
            gettext_lazy("Bought in category"),
            CHOICE,
            choice(in_rows(lambda m: CategoryAffinity.objects.for_merchant(m), "category")),
            choices=category_suggestions,
            free=True,
            help=gettext_lazy(
                "Categories of the last 12 months, as the nightly affinity counts them."
            ),
        ),
        Field(
            "shop",
            gettext_lazy("Joined at shop"),
            CHOICE,
            choice(lambda ctx, values: Q(enrolled_at_shop_id__in=[int(v) for v in values])),
            choices=shop_choices,
        ),
        Field(
            "consent",
            gettext_lazy("Agreed to"),
            CHOICE,
            choice(consent),
            choices=consent_choices,
        ),
        Field(
            "language",
            gettext_lazy("Language"),
            CHOICE,
            choice(lambda ctx, values: Q(language__in=values)),
            free=True,
            lower=False,
            help=gettext_lazy("A language code such as en or ro."),
        ),
        Field(
            "tag",
            gettext_lazy("Tag"),
            CHOICE,
            choice(in_rows(lambda m: MemberTag.objects.for_merchant(m), "tag")),
            choices=tag_suggestions,
            free=True,
        ),
        Field(
            "badge",
            gettext_lazy("Has badge"),
            CHOICE,
            choice(in_rows(lambda m: MemberBadge.objects.for_merchant(m), "badge_id")),
            choices=badge_choices,
            help=gettext_lazy("Badges given by challenges and streak milestones."),
        ),
    ]
}

"""Rule segments: a tree of rules (AND/OR groups) turned into one queryset of members, never
members loaded into Python.

The tree, as `Segment.rules` stores it: ``{"match": "all" | "any", "rules": [rule | group]}``,
where a group has the same shape and a rule is ``{"field": ..., "op": ..., "value": ...}``.
An empty tree matches every active member of the merchant; so does an empty group (it adds no
condition). Groups nest up to `MAX_DEPTH` levels, the tree itself being the first.

The fields, their operators and conditions are in `campaigns.segments.fields`. `clean_tree`
checks a tree and answers it in its stored form with an error message per rule (by path:
``"r"`` is the tree, ``"r-0"`` its first item, ``"r-0-2"`` the third item of that group);
`matching` refuses a tree with errors (`InvalidRules`).
"""

from dataclasses import dataclass, field
from functools import reduce
from operator import and_, or_

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from campaigns.models import Segment
from campaigns.segments.fields import (
    FIELDS,
    BadValue,
    Context,
    MemberRows,
    clean_value,
    to_json,
)
from loyalty.clock import local_today
from loyalty.errors import ValidationFailed
from loyalty.models import Merchant
from members.models import Member, MemberStatus

ROOT = "r"
MAX_DEPTH = 3
MAX_RULES = 40
ALL, ANY = "all", "any"


class InvalidRules(ValidationFailed):
    code = "invalid_rules"

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__(
            _("Some rules need fixing: %(errors)s") % {"errors": "; ".join(errors.values())}
        )


@dataclass
class Cleaned:
    """A checked tree: `tree` in its stored form (what could be read of it), `errors` by path,
    and `conditions`, the Q of each valid rule by path (what `matching` combines)."""

    tree: dict
    errors: dict[str, str] = field(default_factory=dict)
    conditions: dict[str, Q] = field(default_factory=dict)
    rules: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def child_path(path: str, index: int) -> str:
    return f"{path}-{index}"


def is_group(node: object) -> bool:
    return isinstance(node, dict) and "rules" in node


def _clean_rule(ctx: Context, node: object, path: str, out: Cleaned) -> dict:
    if not isinstance(node, dict):
        out.errors[path] = _("This rule is not readable.")
        return {"field": "", "op": "", "value": ""}
    name, op, raw = node.get("field") or "", node.get("op") or "", node.get("value")
    stored = {"field": str(name), "op": str(op), "value": raw}
    spec = FIELDS.get(name) if isinstance(name, str) else None
    if spec is None:
        out.errors[path] = (
            _("Choose a field.")
            if not name
            else _("Unknown field “%(field)s”.") % {"field": str(name)[:40]}
        )
        return stored
    if op not in spec.operators:
        out.errors[path] = _("“%(op)s” does not apply to %(field)s.") % {
            "op": str(op)[:20],
            "field": spec.label,
        }
        return stored
    try:
        value = clean_value(ctx.merchant, spec, op, raw)
    except BadValue as error:
        out.errors[path] = str(error)
        return stored
    # One value of a choice is stored as itself, several ("is one of") as a list.
    one_choice = isinstance(value, list) and op in ("is", "is_not")
    stored["value"] = to_json(value[0] if one_choice else value)
    out.conditions[path] = spec.condition(ctx, op, value)
    return stored


def _clean_group(ctx: Context, node: object, path: str, depth: int, out: Cleaned) -> dict:
    if not isinstance(node, dict) or not isinstance(node.get("rules", []), list):
        out.errors[path] = _("This group is not readable.")
        return {"match": ALL, "rules": []}
    match = node.get("match", ALL)
    if match not in (ALL, ANY):
        out.errors[path] = _("A group matches all or any of its rules.")
        match = ALL
    items = []
    for index, child in enumerate(node.get("rules", [])):
        here = child_path(path, index)
        if is_group(child):
            if depth >= MAX_DEPTH:
                out.errors[here] = _("Groups nest at most %(depth)d levels deep.") % {
                    "depth": MAX_DEPTH
                }
                items.append({"match": ALL, "rules": []})
                continue
            items.append(_clean_group(ctx, child, here, depth + 1, out))
        else:
            out.rules += 1
            items.append(_clean_rule(ctx, child, here, out))
    if depth == 1 and out.rules > MAX_RULES:
        out.errors[path] = _("A segment has at most %(count)d rules.") % {"count": MAX_RULES}
    return {"match": match, "rules": items}


def clean_tree(merchant: Merchant, rules: dict | None, ctx: Context | None = None) -> Cleaned:
    """Check a rule tree; answer its stored form, an error per faulty rule or group, and the
    condition of each valid rule."""
    ctx = ctx or Context(merchant=merchant, today=local_today(merchant))
    out = Cleaned(tree={"match": ALL, "rules": []})
    if rules:
        out.tree = _clean_group(ctx, rules, ROOT, 1, out)
    return out


def _combine(node: dict, path: str, conditions: dict[str, Q], top: bool = True) -> Q:
    """The Q of a group. `top`: the group is ANDed into the query all the way up (the tree,
    or groups of "all" only above it), where an OR group of rules on other tables is read as
    one set of member ids (`_any_of_rows`)."""
    parts = []
    for index, child in enumerate(node["rules"]):
        here = child_path(path, index)
        if is_group(child):
            part = _combine(child, here, conditions, top and node["match"] == ALL)
        else:
            part = conditions[here]
        if part:  # an empty group (or one of empty groups only) adds no condition
            parts.append(part)
    if not parts:
        return Q()
    if node["match"] == ALL:
        return reduce(and_, parts)
    return (_any_of_rows(parts) if top else None) or reduce(or_, parts)


def _member_rows(part: Q) -> MemberRows | None:
    if part.negated or len(part.children) != 1 or not isinstance(part.children[0], MemberRows):
        return None
    return part.children[0]


def _any_of_rows(parts: list[Q]) -> Q | None:
    """Rules that are all `EXISTS` on other tables, ORed: members whose id is in the UNION of
    their tables' member ids. PostgreSQL plans `EXISTS … OR EXISTS …` as a probe of each
    table per member left by the other rules, one after the other on one core (1.5 s at
    1,000,000 members, bench/campaigns_segments.py); the UNION reads each table once and
    hash-joins the ids. Only where the group is ANDed into the query: there `pk IN (…)` is a
    semi-join; under an OR it would be a subplan re-read per member once the ids outgrow
    `work_mem`. None when a part is anything else (a column, a negation)."""
    rows = [_member_rows(part) for part in parts]
    if len(rows) < 2 or None in rows:
        return None
    ids = [r.rows.order_by().values("member_id") for r in rows]
    return Q(pk__in=ids[0].union(*ids[1:]))


def active_members(merchant: Merchant) -> QuerySet[Member]:
    """Who a segment can hold: the merchant's active cards, not merged into another."""
    return Member.objects.for_merchant(merchant).filter(
        status=MemberStatus.ACTIVE, merged_into__isnull=True
    )


def matching(merchant: Merchant, rules: dict, *, union_groups: bool = True) -> QuerySet[Member]:
    """The merchant's active members that the rule tree matches (one SQL query when read).
    InvalidRules (with an error per rule) when the tree does not hold. `union_groups=False`
    keeps every OR group as ORed conditions (the same members; bench/campaigns_segments.py
    times the two)."""
    members = active_members(merchant)
    if not rules or not rules.get("rules"):
        return members
    cleaned = clean_tree(merchant, rules)
    if not cleaned.ok:
        raise InvalidRules(cleaned.errors)
    return members.filter(_combine(cleaned.tree, ROOT, cleaned.conditions, union_groups))


def segment_members(segment: Segment) -> QuerySet[Member]:
    """The members of a saved segment, now."""
    return matching(segment.merchant, segment.rules)

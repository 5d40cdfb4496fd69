"""The property of rule segments: for random rule trees over random small populations (and
another merchant's members beside them), the one-query count of `matching` equals a
brute-force count in Python over the same members (PostgreSQL)."""

import itertools
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
import time_machine
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaigns.models import CategoryAffinity, MemberRfm, MemberTag
from campaigns.segments.fields import FIELDS
from campaigns.segments.rules import matching
from loyalty.clock import local_today
from loyalty.models import Tier
from loyalty.tenancy.services import create_shop
from members.models import Member, MemberScore, MemberStatus, new_card_number
from rewards.models import Badge, MemberBadge
from tests.campaigns.segment_helpers import NOW, TODAY, at_local


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


TAGS = ["vegan", "vip", "staff"]
CATEGORIES = ["coffee", "beans", "cake"]
LANGUAGES = ["en", "ro", ""]
SEGMENTS = ["champions", "loyal", "at_risk"]

money = st.decimals(min_value=0, max_value=300, places=2)
member_specs = st.fixed_dictionaries(
    {
        "active": st.booleans() | st.just(True),
        "points_balance": st.integers(-20, 300),
        "purchase_count": st.integers(0, 6),
        "lifetime_spend": money,
        "last_days": st.none() | st.integers(0, 40),
        "last_hour": st.integers(0, 23),
        "joined_days": st.integers(0, 60),
        "tier": st.integers(0, 2),  # none, first or second of the merchant's tiers
        "shop": st.integers(0, 2),
        "birth_month": st.none() | st.integers(1, 12),
        "language": st.sampled_from(LANGUAGES),
        "email": st.booleans(),
        "sms": st.booleans(),
        "score": st.none() | st.tuples(st.floats(0, 1, width=32), money, money),
        "rfm": st.none() | st.sampled_from(SEGMENTS),
        "categories": st.sets(st.sampled_from(CATEGORIES)),
        "tags": st.sets(st.sampled_from(TAGS)),
        "badges": st.sets(st.integers(0, 1)),  # indexes into the merchant's two badges
    }
)

NUMBER_VALUES = {
    "points_balance": st.integers(-20, 300),
    "days_since_last_purchase": st.integers(0, 41),
    "purchase_count": st.integers(0, 6),
    "lifetime_spend": money,
    "average_basket": st.decimals(min_value=0, max_value=100, places=2),
    "p_alive": st.integers(0, 100),
    "predicted_value_90d": money,
    "predicted_value_12m": money,
}
FIXED_CHOICES = {
    "birthday_month": [str(m) for m in range(1, 13)],
    "rfm_segment": SEGMENTS,
    "category": CATEGORIES,
    "tag": TAGS,
    "language": ["en", "ro"],
    "consent": ["email", "sms"],
}
# The merchant's two badges, created by agree_with_brute_force before the strategies draw.
BADGE_IDS: list[int] = []
FIELD_OPS = [(name, op) for name, spec in FIELDS.items() for op in spec.operators]


def value_strategy(field, op, tier_ids, shop_ids):
    """Valid values of a rule, near the population's own values so that rules hit."""
    if field in NUMBER_VALUES:
        values = NUMBER_VALUES[field]
        if op == "between":
            return st.tuples(values, values).map(lambda ab: [str(min(ab)), str(max(ab))])
        return values.map(str)
    if field == "joined":
        if op == "in_last_days":
            return st.integers(1, 61)
        return st.integers(0, 61).map(lambda days: (TODAY - timedelta(days)).isoformat())
    choices = {
        "tier": [str(t) for t in tier_ids],
        "shop": [str(s) for s in shop_ids],
        "badge": [str(b) for b in BADGE_IDS],
    }.get(field, FIXED_CHOICES.get(field))
    picked = st.lists(st.sampled_from(choices), min_size=1, max_size=3, unique=True)
    return picked if op == "in" else st.sampled_from(choices)


def rule_strategy(tier_ids, shop_ids, field_ops=FIELD_OPS):
    """A valid rule, its field and operator drawn evenly."""

    def rule(field_op):
        field, op = field_op
        values = value_strategy(field, op, tier_ids, shop_ids)
        return values.map(lambda value: {"field": field, "op": op, "value": value})

    return st.sampled_from(field_ops).flatmap(rule)


def tree_strategy(rules):
    def group(children):
        return st.fixed_dictionaries(
            {"match": st.sampled_from(["all", "any"]), "rules": st.lists(children, max_size=3)}
        )

    level3 = group(rules)
    level2 = group(st.one_of(rules, level3))
    return group(st.one_of(rules, rules, level2))


def vacuous(node) -> bool:
    return "rules" in node and all(vacuous(child) for child in node["rules"])


class Person:
    """A member as the brute force sees it: plain Python values."""

    def __init__(self, spec, tier_ids, shop_ids, badge_ids=()):
        self.spec = spec
        self.badge_ids = list(badge_ids)
        tiers, shops = [None, *tier_ids], [None, *shop_ids]
        self.tier = tiers[spec["tier"] % len(tiers)]
        self.shop = shops[spec["shop"] % len(shops)]
        days = spec["last_days"]
        self.last_at = (
            None if days is None else at_local(TODAY - timedelta(days), spec["last_hour"])
        )
        self.joined_at = at_local(TODAY - timedelta(spec["joined_days"]), spec["last_hour"])

    def number(self, field):
        s = self.spec
        if field in ("points_balance", "purchase_count", "lifetime_spend"):
            return Fraction(s[field])
        if field == "days_since_last_purchase":
            return None if self.last_at is None else Fraction(s["last_days"])
        if field == "average_basket":
            count = s["purchase_count"]
            return Fraction(s["lifetime_spend"]) / count if count else None
        if s["score"] is None:
            return None
        p_alive, value_90d, value_12m = s["score"]
        if field == "p_alive":
            return p_alive
        return Fraction(value_90d if field == "predicted_value_90d" else value_12m)

    def values(self, field) -> set[str]:
        s = self.spec
        one = {
            "tier": self.tier,
            "shop": self.shop,
            "birthday_month": s["birth_month"],
            "rfm_segment": s["rfm"],
            "language": s["language"],
        }
        if field in one:
            return set() if one[field] is None else {str(one[field])}
        if field == "consent":
            return {c for c, on in (("email", s["email"]), ("sms", s["sms"])) if on}
        if field == "badge":
            return {str(self.badge_ids[i]) for i in s["badges"] if i < len(self.badge_ids)}
        return set(s["categories"] if field == "category" else s["tags"])

    def holds(self, rule) -> bool:
        field, op, value = rule["field"], rule["op"], rule["value"]
        if field == "joined":
            joined = self.joined_at.astimezone(at_local(TODAY).tzinfo).date()
            if op == "in_last_days":
                return joined >= TODAY - timedelta(int(value) - 1)
            day = date.fromisoformat(value)
            return joined < day if op == "before" else joined > day
        if op in ("is", "is_not", "in"):
            wanted = set(value) if op == "in" else {value}
            hit = bool(self.values(field) & wanted)
            return not hit if op == "is_not" else hit
        x = self.number(field)
        if x is None:
            return False
        scale = (lambda v: float(Decimal(v) / 100)) if field == "p_alive" else Fraction
        if op == "between":
            return scale(value[0]) <= x <= scale(value[1])
        v = scale(value)
        return {
            "eq": x == v,
            "ne": x != v,
            "lt": x < v,
            "lte": x <= v,
            "gt": x > v,
            "gte": x >= v,
        }[op]

    def matches(self, node) -> bool:
        if "rules" not in node:
            return self.holds(node)
        # An empty group, or one holding only empty groups, adds no condition.
        children = [child for child in node["rules"] if not vacuous(child)]
        if not children:
            return True
        results = [self.matches(child) for child in children]
        return all(results) if node["match"] == "all" else any(results)


def create_population(merchant, specs, tier_ids, shop_ids, prefix, badge_ids=()):
    people = [Person(spec, tier_ids, shop_ids, badge_ids) for spec in specs]
    members = Member.objects.bulk_create(
        Member(
            merchant=merchant,
            card_number=new_card_number(),
            email=f"{prefix}{i}@example.com",
            status=MemberStatus.ACTIVE if p.spec["active"] else MemberStatus.BLOCKED,
            points_balance=p.spec["points_balance"],
            purchase_count=p.spec["purchase_count"],
            lifetime_spend=p.spec["lifetime_spend"],
            last_purchase_at=p.last_at,
            joined_at=p.joined_at,
            tier_id=p.tier,
            enrolled_at_shop_id=p.shop,
            birth_month=p.spec["birth_month"],
            birth_day=1 if p.spec["birth_month"] else None,
            language=p.spec["language"],
            email_marketing=p.spec["email"],
            sms_marketing=p.spec["sms"],
        )
        for i, p in enumerate(people)
    )
    scores, rfms, affinities, tags, badges = [], [], [], [], []
    for member, p in zip(members, people, strict=True):
        if p.spec["score"] is not None:
            p_alive, value_90d, value_12m = p.spec["score"]
            scores.append(
                MemberScore(
                    merchant=merchant,
                    member=member,
                    as_of=TODAY,
                    p_alive=p_alive,
                    expected_purchases_90d=1,
                    predicted_value_90d=value_90d,
                    predicted_value_12m=value_12m,
                )
            )
        if p.spec["rfm"]:
            rfms.append(
                MemberRfm(
                    merchant=merchant,
                    member=member,
                    recency_days=1,
                    frequency=1,
                    monetary=1,
                    recency_score=1,
                    frequency_score=1,
                    monetary_score=1,
                    segment=p.spec["rfm"],
                    computed_on=TODAY,
                )
            )
        affinities += [
            CategoryAffinity(merchant=merchant, member=member, category=c, spend=1, share=1)
            for c in p.spec["categories"]
        ]
        tags += [MemberTag(merchant=merchant, member=member, tag=t) for t in p.spec["tags"]]
        badges += [
            MemberBadge(merchant=merchant, member=member, badge_id=p.badge_ids[i], source="manual")
            for i in p.spec["badges"]
            if i < len(p.badge_ids)
        ]
    MemberScore.objects.bulk_create(scores)
    MemberRfm.objects.bulk_create(rfms)
    CategoryAffinity.objects.bulk_create(affinities)
    MemberTag.objects.bulk_create(tags)
    MemberBadge.objects.bulk_create(badges)
    return people


def agree_with_brute_force(merchant_a, merchant_b, trees, max_examples):
    """For random populations at both merchants and random trees of `trees(tier_ids,
    shop_ids)`: the SQL count at merchant A = the Python count over A's members."""
    tiers = [
        Tier.objects.create(merchant=merchant_a, name=f"Prop tier {i}", threshold=2000 + i)
        for i in range(2)
    ]
    tier_ids = [t.pk for t in tiers]
    second_shop = create_shop(merchant=merchant_a, actor=None, name="Prop station")
    shop_ids = [merchant_a.shops.get(name="Old Town").pk, second_shop.pk]
    their_shop = merchant_b.shops.get().pk
    BADGE_IDS[:] = [
        Badge.objects.create(merchant=merchant_a, name=f"Prop badge {i}").pk for i in range(2)
    ]
    their_badges = [Badge.objects.create(merchant=merchant_b, name="Their badge").pk]
    examples = itertools.count(1)
    assert local_today(merchant_a) == TODAY

    @settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        specs=st.lists(member_specs, max_size=12),
        theirs=st.lists(member_specs, max_size=3),
        tree=trees(tier_ids, shop_ids),
    )
    def check(specs, theirs, tree):
        n = next(examples)
        with transaction.atomic():
            people = create_population(merchant_a, specs, tier_ids, shop_ids, f"p{n}-", BADGE_IDS)
            # The same kinds of rows at another merchant, which must never be counted.
            create_population(merchant_b, theirs, [], [their_shop], f"q{n}-", their_badges)
            expected = sum(1 for p in people if p.spec["active"] and p.matches(tree))
            assert matching(merchant_a, tree).count() == expected, tree
            transaction.set_rollback(True)

    check()
    return next(examples) - 1


@pytest.mark.postgres
def test_the_count_of_random_trees_equals_a_brute_force_count(merchant_a, merchant_b):
    def trees(tier_ids, shop_ids):
        return tree_strategy(rule_strategy(tier_ids, shop_ids))

    assert agree_with_brute_force(merchant_a, merchant_b, trees, max_examples=150) >= 150


@pytest.mark.postgres
@pytest.mark.parametrize(("field", "op"), FIELD_OPS)
def test_each_field_and_operator_agrees_with_the_brute_force(merchant_a, merchant_b, field, op):
    def trees(tier_ids, shop_ids):
        rules = rule_strategy(tier_ids, shop_ids, field_ops=[(field, op)])
        return rules.map(lambda rule: {"match": "all", "rules": [rule]})

    assert agree_with_brute_force(merchant_a, merchant_b, trees, max_examples=6) >= 6

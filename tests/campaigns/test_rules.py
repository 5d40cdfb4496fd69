"""Rule segments: each field and operator on hand-made members, AND/OR nesting, the merchant's
walls, the errors of bad trees, and a property test that the one-query count equals a
brute-force count in Python over the same members (campaigns/segments/rules.py)."""

import itertools
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine

from campaigns.models import CategoryAffinity, MemberRfm, MemberTag, Segment
from campaigns.segments.rules import InvalidRules, clean_tree, matching, segment_members
from campaigns.segments.tags import add_tag, remove_tag
from loyalty.models import Tier
from loyalty.tenancy.services import create_shop
from members.models import Member, MemberScore, MemberStatus, new_card_number
from tests.campaigns.segment_helpers import NOW, TODAY, at_local

_emails = itertools.count(1)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def make(merchant, *, score=None, rfm=None, categories=(), tags=(), **fields) -> Member:
    """A member row as the test says (caches included), with its score, RFM row, category
    affinity and tags."""
    n = next(_emails)
    fields.setdefault("joined_at", NOW - timedelta(days=400))
    fields.setdefault("first_name", f"Rules{n}")
    member = Member.objects.create(
        merchant=merchant, card_number=new_card_number(), email=f"rules{n}@example.com", **fields
    )
    if score is not None:
        p_alive, value_90d, value_12m = score
        MemberScore.objects.create(
            merchant=merchant,
            member=member,
            as_of=TODAY,
            p_alive=p_alive,
            expected_purchases_90d=1.0,
            predicted_value_90d=Decimal(value_90d),
            predicted_value_12m=Decimal(value_12m),
        )
    if rfm is not None:
        MemberRfm.objects.create(
            merchant=merchant,
            member=member,
            recency_days=1,
            frequency=1,
            monetary=Decimal(1),
            recency_score=3,
            frequency_score=3,
            monetary_score=3,
            segment=rfm,
            computed_on=TODAY,
        )
    for category in categories:
        CategoryAffinity.objects.create(
            merchant=merchant, member=member, category=category, spend=1, share=Decimal("0.5")
        )
    for tag in tags:
        MemberTag.objects.create(merchant=merchant, member=member, tag=tag)
    return member


def one(field, op, value, match="all"):
    return {"match": match, "rules": [{"field": field, "op": op, "value": value}]}


def names(merchant, rules) -> set[str]:
    return set(matching(merchant, rules).values_list("first_name", flat=True))


# --- each field and operator -------------------------------------------------------------


@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [
        ("eq", "100", {"hundred"}),
        ("ne", "100", {"low", "high"}),
        ("lt", "100", {"low"}),
        ("lte", "100", {"low", "hundred"}),
        ("gt", "100", {"high"}),
        ("gte", "100", {"hundred", "high"}),
        ("between", ["0", "100"], {"hundred"}),
        ("between", ["-10", "100"], {"low", "hundred"}),
    ],
)
def test_points_balance_takes_every_number_operator(merchant_a, op, value, expected):
    for name, balance in [("low", -5), ("hundred", 100), ("high", 250)]:
        make(merchant_a, points_balance=balance, first_name=name)

    assert {n for n in names(merchant_a, one("points_balance", op, value))} == expected


def test_days_since_last_purchase_counts_the_merchants_local_days(merchant_a):
    # 00:30 on the 14th in Bucharest is still the 13th in UTC: one local day ago.
    make(merchant_a, first_name="yesterday", last_purchase_at=at_local(TODAY - timedelta(1), 0))
    make(merchant_a, first_name="today", last_purchase_at=at_local(TODAY, 1))
    make(merchant_a, first_name="month", last_purchase_at=at_local(TODAY - timedelta(30), 23))
    make(merchant_a, first_name="never")

    rule = lambda op, v: names(merchant_a, one("days_since_last_purchase", op, v))  # noqa: E731
    assert rule("eq", 1) == {"yesterday"}
    assert rule("eq", 0) == {"today"}
    assert rule("lte", 1) == {"today", "yesterday"}
    assert rule("gt", 1) == {"month"}
    assert rule("gte", 30) == {"month"}
    assert rule("lt", 30) == {"today", "yesterday"}
    assert rule("ne", 1) == {"today", "month"}  # who never bought matches no rule on it
    assert rule("between", [1, 30]) == {"yesterday", "month"}


def test_purchase_count_lifetime_spend_and_average_basket(merchant_a):
    make(merchant_a, first_name="none")
    make(merchant_a, first_name="two", purchase_count=2, lifetime_spend=Decimal("25.00"))
    make(merchant_a, first_name="three", purchase_count=3, lifetime_spend=Decimal("30.00"))

    assert names(merchant_a, one("purchase_count", "gte", "2")) == {"two", "three"}
    assert names(merchant_a, one("purchase_count", "eq", "0")) == {"none"}
    assert names(merchant_a, one("lifetime_spend", "gt", "25")) == {"three"}
    assert names(merchant_a, one("lifetime_spend", "between", ["0", "25"])) == {"none", "two"}
    # 12.50 and 10.00 a visit; who never bought has no average basket.
    assert names(merchant_a, one("average_basket", "gt", "10")) == {"two"}
    assert names(merchant_a, one("average_basket", "eq", "10")) == {"three"}
    assert names(merchant_a, one("average_basket", "lte", "12.50")) == {"two", "three"}
    assert names(merchant_a, one("average_basket", "ne", "10")) == {"two"}


def test_scores_probability_alive_and_predicted_value(merchant_a):
    make(merchant_a, first_name="likely", score=(0.9, "40.00", "150.00"))
    make(merchant_a, first_name="gone", score=(0.2, "5.00", "12.00"))
    make(merchant_a, first_name="unscored")

    assert names(merchant_a, one("p_alive", "gte", "50")) == {"likely"}
    assert names(merchant_a, one("p_alive", "lt", "50")) == {"gone"}
    assert names(merchant_a, one("p_alive", "ne", "90")) == {"gone"}
    assert names(merchant_a, one("predicted_value_90d", "gt", "10")) == {"likely"}
    assert names(merchant_a, one("predicted_value_12m", "between", ["10", "20"])) == {"gone"}


def test_tier_rfm_segment_birthday_month_and_shop(merchant_a, shop_a):
    silver = Tier.objects.create(merchant=merchant_a, name="Rules silver", threshold=4321)
    other_shop = create_shop(merchant=merchant_a, actor=None, name="Rules station")
    make(
        merchant_a,
        first_name="silver",
        tier=silver,
        rfm="champions",
        birth_month=3,
        birth_day=1,
        enrolled_at_shop=shop_a,
    )
    make(
        merchant_a,
        first_name="plain",
        rfm="at_risk",
        birth_month=7,
        birth_day=2,
        enrolled_at_shop=other_shop,
    )
    make(merchant_a, first_name="bare")

    assert names(merchant_a, one("tier", "is", str(silver.pk))) == {"silver"}
    assert names(merchant_a, one("tier", "is_not", str(silver.pk))) == {"plain", "bare"}
    assert names(merchant_a, one("rfm_segment", "is", "champions")) == {"silver"}
    assert names(merchant_a, one("rfm_segment", "is_not", "champions")) == {"plain", "bare"}
    assert names(merchant_a, one("rfm_segment", "in", ["champions", "at_risk"])) == {
        "silver",
        "plain",
    }
    assert names(merchant_a, one("birthday_month", "is", "3")) == {"silver"}
    assert names(merchant_a, one("birthday_month", "in", ["3", "7"])) == {"silver", "plain"}
    assert names(merchant_a, one("birthday_month", "is_not", "3")) == {"plain", "bare"}
    assert names(merchant_a, one("shop", "is", str(other_shop.pk))) == {"plain"}
    assert names(merchant_a, one("shop", "in", [str(shop_a.pk), str(other_shop.pk)])) == {
        "silver",
        "plain",
    }


def test_joined_before_after_and_in_the_last_days(merchant_a):
    make(merchant_a, first_name="old", joined_at=at_local(date(2029, 1, 10)))
    make(merchant_a, first_name="recent", joined_at=at_local(TODAY - timedelta(6), 0))
    make(merchant_a, first_name="week", joined_at=at_local(TODAY - timedelta(7), 23))

    assert names(merchant_a, one("joined", "before", "2029-01-11")) == {"old"}
    assert names(merchant_a, one("joined", "before", "2029-01-10")) == set()
    assert names(merchant_a, one("joined", "after", "2029-01-10")) == {"recent", "week"}
    # The last 7 days are today and the 6 before it.
    assert names(merchant_a, one("joined", "in_last_days", 7)) == {"recent"}
    assert names(merchant_a, one("joined", "in_last_days", "8")) == {"recent", "week"}


def test_categories_consents_language_and_tags(merchant_a):
    make(
        merchant_a,
        first_name="beans",
        categories=["coffee beans"],
        tags=["vegan"],
        email_marketing=True,
        language="ro",
    )
    make(merchant_a, first_name="cake", categories=["cake"], sms_marketing=True, language="en")
    make(merchant_a, first_name="quiet", tags=["staff", "vegan"])

    assert names(merchant_a, one("category", "is", "Coffee Beans")) == {"beans"}
    assert names(merchant_a, one("category", "is_not", "cake")) == {"beans", "quiet"}
    assert names(merchant_a, one("category", "in", "cake, coffee beans")) == {"beans", "cake"}
    assert names(merchant_a, one("consent", "is", "email")) == {"beans"}
    assert names(merchant_a, one("consent", "is_not", "email")) == {"cake", "quiet"}
    assert names(merchant_a, one("consent", "in", ["email", "sms"])) == {"beans", "cake"}
    assert names(merchant_a, one("language", "is", "ro")) == {"beans"}
    assert names(merchant_a, one("language", "in", ["ro", "en"])) == {"beans", "cake"}
    assert names(merchant_a, one("tag", "is", "VEGAN")) == {"beans", "quiet"}
    assert names(merchant_a, one("tag", "is_not", "staff")) == {"beans", "cake"}
    assert names(merchant_a, one("tag", "in", ["staff"])) == {"quiet"}


def test_tags_are_added_once_lower_cased_and_removed(merchant_a, owner_a):
    ana = make(merchant_a, first_name="tagged")
    add_tag(member=ana, tag="  Wholesale  Buyer ", actor=owner_a)
    add_tag(member=ana, tag="wholesale buyer", actor=owner_a)

    assert list(MemberTag.objects.filter(member=ana).values_list("tag", flat=True)) == [
        "wholesale buyer"
    ]
    assert names(merchant_a, one("tag", "is", "wholesale buyer")) == {"tagged"}
    assert remove_tag(member=ana, tag="Wholesale Buyer", actor=owner_a) is True
    assert names(merchant_a, one("tag", "is", "wholesale buyer")) == set()


# --- AND / OR and nesting ----------------------------------------------------------------


def test_groups_combine_with_and_or_and_nest(merchant_a):
    make(merchant_a, first_name="rich regular", purchase_count=9, lifetime_spend=500)
    make(merchant_a, first_name="rich once", purchase_count=1, lifetime_spend=400)
    make(merchant_a, first_name="poor regular", purchase_count=8, lifetime_spend=40, tags=["vip"])
    make(merchant_a, first_name="nobody")
    rich = {"field": "lifetime_spend", "op": "gte", "value": "300"}
    regular = {"field": "purchase_count", "op": "gte", "value": "5"}
    vip = {"field": "tag", "op": "is", "value": "vip"}

    assert names(merchant_a, {"match": "all", "rules": [rich, regular]}) == {"rich regular"}
    assert names(merchant_a, {"match": "any", "rules": [rich, regular]}) == {
        "rich regular",
        "rich once",
        "poor regular",
    }
    # rich AND (regular OR vip) / regular AND (rich OR vip) / an empty group adds nothing
    nested = {"match": "all", "rules": [regular, {"match": "any", "rules": [rich, vip]}]}
    assert names(merchant_a, nested) == {"rich regular", "poor regular"}
    deeper = {
        "match": "any",
        "rules": [
            {"match": "all", "rules": [rich, {"match": "any", "rules": [vip, regular]}]},
            {"match": "all", "rules": []},
        ],
    }
    assert names(merchant_a, deeper) == {"rich regular"}


def test_only_active_unmerged_members_count(merchant_a):
    make(merchant_a, first_name="active")
    make(merchant_a, first_name="blocked", status=MemberStatus.BLOCKED)
    survivor = make(merchant_a, first_name="survivor")
    make(merchant_a, first_name="duplicate", merged_into=survivor)

    assert names(merchant_a, {}) == {"active", "survivor"}
    assert names(merchant_a, one("points_balance", "gte", "0")) == {"active", "survivor"}


def test_another_merchants_members_are_never_counted(merchant_a, merchant_b):
    make(merchant_a, first_name="ours", tags=["vip"], score=(0.9, "1", "1"), rfm="loyal")
    make(merchant_b, first_name="theirs", tags=["vip"], score=(0.9, "1", "1"), rfm="loyal")
    tree = {
        "match": "any",
        "rules": [
            {"field": "tag", "op": "is", "value": "vip"},
            {"field": "rfm_segment", "op": "is", "value": "loyal"},
            {"field": "p_alive", "op": "gt", "value": "50"},
        ],
    }

    assert names(merchant_a, tree) == {"ours"}
    assert names(merchant_b, tree) == {"theirs"}


def test_another_merchants_tier_or_shop_is_not_a_choice(merchant_a, merchant_b):
    their_tier = Tier.objects.create(merchant=merchant_b, name="Their gold", threshold=900)
    their_shop = merchant_b.shops.get()

    cleaned = clean_tree(
        merchant_a,
        {
            "match": "all",
            "rules": [
                {"field": "tier", "op": "is", "value": str(their_tier.pk)},
                {"field": "shop", "op": "in", "value": [str(their_shop.pk)]},
            ],
        },
    )
    assert set(cleaned.errors) == {"r-0", "r-1"}
    assert "is not one of the choices" in cleaned.errors["r-0"]


def test_a_segment_is_one_query(merchant_a, django_assert_num_queries):
    make(merchant_a, tags=["vip"], score=(0.5, "1", "1"), categories=["cake"])
    tree = {
        "match": "all",
        "rules": [
            {"field": "tag", "op": "is", "value": "vip"},
            {"field": "p_alive", "op": "gt", "value": "10"},
            {
                "match": "any",
                "rules": [
                    {"field": "category", "op": "in", "value": ["cake"]},
                    {"field": "days_since_last_purchase", "op": "lte", "value": 3},
                ],
            },
        ],
    }
    members = matching(merchant_a, tree)  # the tier and shop choices are not read: no query

    with django_assert_num_queries(1):
        assert members.count() == 1


def test_a_saved_segment_gives_its_members(merchant_a):
    ours = make(merchant_a, points_balance=50)
    make(merchant_a, points_balance=5)
    segment = Segment.objects.create(
        merchant=merchant_a, name="Rules fifty", rules=one("points_balance", "gte", "50")
    )

    assert list(segment_members(segment)) == [ours]


# --- bad trees ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"field": "shoe_size", "op": "eq", "value": "42"}, "Unknown field “shoe_size”."),
        ({"field": "", "op": "eq", "value": "1"}, "Choose a field."),
        ({"field": "tier", "op": "gt", "value": "1"}, "“gt” does not apply to Tier."),
        ({"field": "points_balance", "op": "gte", "value": "lots"}, "“lots” is not a number."),
        ({"field": "points_balance", "op": "gte", "value": ""}, "Enter a number."),
        ({"field": "points_balance", "op": "gte", "value": "1.5"}, "Enter a whole number."),
        ({"field": "lifetime_spend", "op": "between", "value": ["9", "3"]}, "The first number"),
        ({"field": "lifetime_spend", "op": "between", "value": "3"}, "Enter two numbers."),
        ({"field": "p_alive", "op": "gt", "value": "120"}, "Enter at most 100."),
        ({"field": "days_since_last_purchase", "op": "gt", "value": "-1"}, "Enter at least 0."),
        ({"field": "joined", "op": "before", "value": "31/12/2029"}, "is not a date"),
        ({"field": "joined", "op": "in_last_days", "value": "0"}, "Enter a number of days"),
        ({"field": "rfm_segment", "op": "is", "value": "kings"}, "“kings” is not one of"),
        ({"field": "birthday_month", "op": "is", "value": ["3", "4"]}, "Choose one value"),
        ({"field": "tag", "op": "in", "value": []}, "Enter a value."),
        ({"field": "consent", "op": "is", "value": "pigeon"}, "not one of the choices"),
        ("not a rule", "This rule is not readable."),
    ],
)
def test_a_bad_rule_gets_its_own_message(merchant_a, rule, message):
    good = {"field": "purchase_count", "op": "gt", "value": "1"}
    cleaned = clean_tree(merchant_a, {"match": "all", "rules": [good, rule]})

    assert list(cleaned.errors) == ["r-1"]
    assert message in cleaned.errors["r-1"]
    with pytest.raises(InvalidRules) as refused:
        matching(merchant_a, {"match": "all", "rules": [good, rule]})
    assert refused.value.errors == cleaned.errors


def test_groups_nest_three_levels_at_most_and_match_all_or_any(merchant_a):
    rule = {"field": "purchase_count", "op": "gt", "value": "1"}
    fourth = {"match": "all", "rules": [rule]}
    tree = {
        "match": "some",
        "rules": [{"match": "any", "rules": [{"match": "all", "rules": [fourth]}]}],
    }

    errors = clean_tree(merchant_a, tree).errors
    assert errors == {
        "r": "A group matches all or any of its rules.",
        "r-0-0-0": "Groups nest at most 3 levels deep.",
    }


def test_a_cleaned_tree_stores_numbers_as_text_and_words_lower_cased(merchant_a):
    tree = {
        "match": "any",
        "rules": [
            {"field": "lifetime_spend", "op": "between", "value": [" 10,5 ", 20]},
            {"field": "tag", "op": "in", "value": "VIP, Staff ,vip"},
            {"field": "joined", "op": "in_last_days", "value": "30"},
        ],
    }

    assert clean_tree(merchant_a, tree).tree == {
        "match": "any",
        "rules": [
            {"field": "lifetime_spend", "op": "between", "value": ["10.5", "20"]},
            {"field": "tag", "op": "in", "value": ["vip", "staff"]},
            {"field": "joined", "op": "in_last_days", "value": 30},
        ],
    }

"""An OR group of rules on other tables, ANDed into the tree, is read as the UNION of those
tables' member ids (campaigns/segments/rules.py `_any_of_rows`): the same members as the ORed
`EXISTS`, for every place such a group can stand, and the UNION only where it is a
semi-join (never under an OR)."""

import pytest
import time_machine

from campaigns.segments.rules import matching
from tests.campaigns.segment_helpers import NOW
from tests.campaigns.test_rules import make

TAG = {"field": "tag", "op": "is", "value": "vip"}
CATEGORY = {"field": "category", "op": "in", "value": ["beans", "cake"]}
VALUE = {"field": "predicted_value_12m", "op": "gt", "value": "100"}
NOT_TAG = {"field": "tag", "op": "is_not", "value": "staff"}
BALANCE = {"field": "points_balance", "op": "gte", "value": "100"}


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def people(merchant_a, merchant_b):
    """Members with every mix of a vip tag, a bean or cake affinity, a high predicted value
    and a balance; the other merchant's twin of each beside them."""
    made = {}
    for merchant in (merchant_a, merchant_b):
        for n in range(16):
            member = make(
                merchant,
                tags=["vip"] if n & 1 else ["staff"] if n & 8 else [],
                categories=["beans", "tea"] if n & 2 else ["coffee"],
                score=(0.5, "10", "150" if n & 4 else "20") if n % 3 else None,
                points_balance=200 if n & 8 else 0,
            )
            if merchant == merchant_a:
                made[n] = member
    return made


def ids(queryset) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


TREES = [
    {"match": "any", "rules": [TAG, CATEGORY, VALUE]},
    {"match": "all", "rules": [BALANCE, {"match": "any", "rules": [TAG, VALUE]}]},
    {
        "match": "all",
        "rules": [{"match": "all", "rules": [{"match": "any", "rules": [TAG, CATEGORY]}]}],
    },
    {"match": "any", "rules": [BALANCE, {"match": "any", "rules": [TAG, VALUE]}]},
    {"match": "any", "rules": [TAG, NOT_TAG]},
    {
        "match": "all",
        "rules": [{"match": "any", "rules": [TAG, {"match": "all", "rules": [VALUE]}]}],
    },
]


@pytest.mark.parametrize("tree", TREES)
def test_the_union_matches_the_ored_exists(merchant_a, people, tree):
    union = matching(merchant_a, tree)
    ored = matching(merchant_a, tree, union_groups=False)
    assert ids(union) == ids(ored)
    assert union.count() == len(ids(ored))


def test_the_members_of_a_top_or_group(merchant_a, people):
    members = matching(merchant_a, TREES[0])
    expected = {n for n in people if n & 1 or n & 2 or (n & 4 and n % 3)}
    assert ids(members) == {people[n].pk for n in expected}
    assert "UNION" in str(members.query)


def test_the_union_only_where_the_group_is_anded_in(merchant_a, people):
    # ANDed in: the tree itself, under groups of "all", a group of one rule as that rule.
    for tree in (TREES[0], TREES[1], TREES[2], TREES[5]):
        assert "UNION" in str(matching(merchant_a, tree).query)
    # Under an OR (beside a column rule) or with a negation: EXISTS.
    for tree in (TREES[3], TREES[4]):
        assert "UNION" not in str(matching(merchant_a, tree).query)
        assert "EXISTS" in str(matching(merchant_a, tree).query)

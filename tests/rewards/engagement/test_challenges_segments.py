"""Segments in campaigns can filter on a badge a member holds."""

import pytest

from campaigns.segments.fields import FIELDS
from campaigns.segments.rules import clean_tree, matching
from rewards.engagement.challenges import award_badge
from rewards.models import Badge, BadgeSource
from tests.personas import make_bob

pytestmark = pytest.mark.django_db


def test_has_badge(merchant_a, merchant_b, ana):
    bob = make_bob(merchant_a)
    regular = Badge.objects.create(merchant=merchant_a, name="Regular")
    other = Badge.objects.create(merchant=merchant_a, name="Explorer")
    theirs = Badge.objects.create(merchant=merchant_b, name="Theirs")
    award_badge(ana, regular, BadgeSource.CHALLENGE)
    award_badge(bob, other, BadgeSource.STREAK)
    assert ("badge" in FIELDS) and (str(regular.pk), "⭐ Regular") in FIELDS["badge"].choices(
        merchant_a
    )

    def rule(op, value):
        return {"match": "all", "rules": [{"field": "badge", "op": op, "value": value}]}

    assert set(matching(merchant_a, rule("is", str(regular.pk)))) == {ana}
    assert set(matching(merchant_a, rule("is_not", str(regular.pk)))) == {bob}
    assert set(matching(merchant_a, rule("in", [str(regular.pk), str(other.pk)]))) == {ana, bob}
    assert not clean_tree(merchant_a, rule("is", str(theirs.pk))).ok

"""A merged duplicate's single-member multipliers and tags follow it to the surviving card
(the outbox's `member.merged`), once."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from campaigns.models import MemberTag, Promotion
from campaigns.promotions.services import start_member_multiplier
from campaigns.segments.tags import add_tag
from loyalty import tasks
from members.services.merge import merge_members
from tests.loyalty.points.helpers import ring
from tests.personas import make_ana, make_bob


def test_the_duplicates_running_multiplier_moves_to_the_survivor(merchant_a, shop_a, owner_a):
    ana, dup = make_ana(merchant_a), make_bob(merchant_a)
    now = timezone.now()
    running = start_member_multiplier(
        merchant=merchant_a,
        member=dup,
        multiplier=Decimal("3"),
        starts_at=now - timedelta(minutes=5),
        ends_at=now + timedelta(days=7),
        name="Welcome week",
    )
    ended = start_member_multiplier(
        merchant=merchant_a,
        member=dup,
        multiplier=Decimal("2"),
        starts_at=now - timedelta(days=20),
        ends_at=now - timedelta(days=10),
        name="Last month",
    )

    merge_members(survivor=ana, duplicate=dup, actor=owner_a)
    tasks.drain_outbox()
    tasks.drain_outbox()  # handed on once

    assert Promotion.objects.get(pk=running.pk).member_id == ana.pk
    assert Promotion.objects.get(pk=ended.pk).member_id == dup.pk  # history stays where it was
    ana.refresh_from_db()
    parts = {part["kind"]: part["points"] for part in ring(shop_a, ana, "10.00").breakdown}
    assert parts == {"base": 10, "promotion": 20}


def test_the_duplicates_tags_are_added_to_the_survivors(merchant_a, owner_a):
    ana, dup = make_ana(merchant_a), make_bob(merchant_a)
    add_tag(member=ana, tag="vegan", actor=owner_a)
    add_tag(member=dup, tag="vegan", actor=owner_a)
    add_tag(member=dup, tag="wholesale", actor=owner_a)

    merge_members(survivor=ana, duplicate=dup, actor=owner_a)
    tasks.drain_outbox()

    assert sorted(MemberTag.objects.filter(member=ana).values_list("tag", flat=True)) == [
        "vegan",
        "wholesale",
    ]

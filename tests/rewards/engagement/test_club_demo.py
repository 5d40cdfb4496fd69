"""The demo's paid club: "Club" at 49 a year, 1.5x, a free coffee a day, a few members who
bought it at the till (through the club's own sale hook), and the ledger still reconciles."""

from decimal import Decimal

import pytest
from django.core.management import call_command

from loyalty.models import Merchant
from rewards.engagement import club as engine
from rewards.models import Club
from tests.loyalty.points.helpers import assert_reconciled

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_club_with_members(monkeypatch):
    monkeypatch.setattr("loyalty.demo.points.DEMO_MEMBERS", 30)
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115

    merchant = Merchant.objects.get(slug="demo")
    club = Club.objects.for_merchant(merchant).get(name="Club")
    assert (club.price, club.multiplier, club.term_days) == (Decimal("49.00"), Decimal("1.50"), 365)
    assert [perk.name for perk in club.perks.all()] == ["One free coffee a day"]
    members = {term.member for term in club.memberships.select_related("member__merchant")}
    assert len(members) >= 3
    assert all(term.purchase_id for term in club.memberships.all())
    assert all(engine.club_status(member) is not None for member in members)
    assert_reconciled(merchant)

"""The demo merchant has a catalogue and a few weeks of redemptions, and still reconciles."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from loyalty.models import Merchant
from rewards.engagement.stamps import differences as stamp_differences
from rewards.models import StreakReward, VoucherSource, VoucherStatus
from tests.loyalty.points.helpers import assert_reconciled

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_demo(monkeypatch):
    # Sixty, not thirty: with thirty customers whether anyone has saved enough for a reward by
    # the day the tests run is chance (the demo's year ends today), and on 2 December 2026 nobody
    # had, so no voucher of the catalogue was bought or used.
    monkeypatch.setattr("loyalty.demo.points.DEMO_MEMBERS", 60)


def test_the_demo_has_rewards_and_vouchers_through_the_services(small_demo):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115

    merchant = Merchant.objects.get(slug="demo")
    assert merchant.rewards.count() == 5
    vouchers = merchant.vouchers.all()
    assert vouchers.exists()
    assert vouchers.filter(status=VoucherStatus.USED).exists()
    # Bought with points: each has its ledger entry. The win-back campaign gives vouchers too,
    # which cost no points.
    bought = vouchers.filter(source=VoucherSource.REDEMPTION)
    assert bought.exists()
    assert all(v.redeem_entry.points == -v.points_cost for v in bought)
    assert all(v.points_cost == 0 for v in vouchers.exclude(source=VoucherSource.REDEMPTION))
    assert_reconciled(merchant)
    # The coffee card, counted through the stamp engine from the last four months' sales.
    card = merchant.stamp_cards.get(name="Coffee card")
    assert card.member_cards.filter(stamps__gt=0).exists()
    assert list(stamp_differences(merchant)) == []
    # The weekly streak, counted through the streak engine from the last twenty weeks' sales:
    # regulars have live streaks and some reached 4 weeks in a row, paid through the ledger.
    streak = merchant.streak_programs.get(name="Visit 4 weeks in a row")
    assert streak.member_streaks.filter(best__gte=4).exists()
    paid = StreakReward.objects.filter(member_streak__program=streak)
    assert paid.filter(milestone__length=4).exists()
    assert all(reward.entry.points == reward.points for reward in paid)
    # The two challenges, completions paid from the last four months' sales through the engine.
    visits = merchant.challenges.get(name="Visit 3 times in 60 days")
    pastry = merchant.challenges.get(name="Try a pastry")
    assert pastry.hidden and pastry.completions.exists()
    assert pastry.points_paid == 50 * pastry.completions.count()
    assert visits.points_paid == 100 * visits.completions.count()
    assert merchant.badges.get(name="Regular").holders.count() == visits.completions.count()


def test_every_redemption_of_the_demo_is_a_voucher_so_dashboard_and_report_agree(
    small_demo, client
):
    from loyalty.analytics.rollups import rebuild
    from loyalty.demo.seed import seed_demo
    from loyalty.models import EntryKind, PointsEntry
    from loyalty.queries import dashboard_figures

    merchant, _created = seed_demo()
    rebuild(merchant)  # the dashboard reads the daily statistics

    redeemed = PointsEntry.objects.for_merchant(merchant).filter(kind=EntryKind.REDEEM)
    assert redeemed.exists()
    assert not redeemed.filter(voucher__isnull=True).exists()
    assert not redeemed.filter(reason="Demo reward").exists()
    # Through the program's year, not only the last weeks: the regulars redeem at their visits.
    assert merchant.vouchers.filter(issued_at__lt=timezone.now() - timedelta(days=30)).exists()
    client.force_login(merchant.staff.get(role="owner").user)
    report = client.get("/portal/rewards/report/", {"period": "30d"})
    figures = dashboard_figures(merchant)
    assert figures["figures_period"]["points_redeemed"] == report.context["totals"]["points_spent"]
    assert_reconciled(merchant)

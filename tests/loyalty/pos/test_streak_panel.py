"""The cashier sees the member's visit streak and the next milestone on the member panel."""

from tests.loyalty.pos.conftest import find, sell
from tests.rewards.engagement.streak_helpers import make_program


def test_the_panel_shows_the_streak_and_the_next_milestone(cashier_client, ana, merchant_a):
    make_program(merchant_a)

    html = find(cashier_client, ana).content.decode()
    assert "No streak yet" in html
    assert "4 more weeks to 4 weeks: 100 points" in html

    sell(cashier_client, ana, "4.50")
    html = cashier_client.get(f"/pos/members/{ana.pk}/", HTTP_HX_REQUEST="true").content.decode()

    assert "1 week in a row" in html
    assert "3 more weeks to 4 weeks: 100 points" in html


def test_no_program_no_streak_line(cashier_client, ana, merchant_a):
    sell(cashier_client, ana, "4.50")

    html = cashier_client.get(f"/pos/members/{ana.pk}/", HTTP_HX_REQUEST="true").content.decode()

    assert 'class="pos-streak"' not in html

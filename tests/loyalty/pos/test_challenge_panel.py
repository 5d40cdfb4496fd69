"""The cashier sees the member's challenges with their progress, and their badges."""

from loyalty.pos.services import new_form_token
from rewards.engagement.challenges import award_badge
from rewards.models import Badge, BadgeSource
from tests.loyalty.pos.conftest import HX, find, sell
from tests.rewards.engagement.test_challenges import make_challenge


def test_the_panel_shows_progress_and_what_it_pays(cashier_client, ana, merchant_a):
    make_challenge(merchant_a, name="Drei Besuche Sonnenblume", goal_count=3)

    sell(cashier_client, ana, "4.50", token=new_form_token())
    html = cashier_client.get(f"/pos/members/{ana.pk}/", **HX).content.decode()

    assert "Drei Besuche Sonnenblume" in html
    assert "1 of 3 visits" in html
    assert "100 points" in html


def test_a_hidden_challenge_stays_hidden_until_completed(cashier_client, ana, merchant_a):
    make_challenge(merchant_a, name="Geheimnis Mitternachtskuchen", hidden=True)

    html = find(cashier_client, ana).content.decode()

    assert "Geheimnis Mitternachtskuchen" not in html


def test_the_members_badges_show(cashier_client, ana, merchant_a):
    badge = Badge.objects.create(merchant=merchant_a, name="Stammgast Wunderbar")
    award_badge(ana, badge, BadgeSource.CHALLENGE)

    html = find(cashier_client, ana).content.decode()

    assert "Stammgast Wunderbar" in html

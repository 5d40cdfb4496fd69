"""The catalogue page: rewards in the members' order, archived ones apart, for managers."""

import pytest

from rewards import catalogue
from tests.rewards.portal.conftest import REWARDS, make_reward

pytestmark = pytest.mark.django_db


def test_it_lists_the_catalogue_in_the_members_order(manager_client, merchant_a):
    page = manager_client.get(REWARDS).content.decode()

    names = ["Free coffee", "€5 off your next purchase", "15% off one purchase"]
    positions = [page.index(name) for name in names]
    assert positions == sorted(positions)
    assert "Silver and above" in page  # the 15% reward's lowest tier
    assert 'aria-current="page">Rewards' in page


def test_archived_rewards_are_listed_apart_with_a_restore_link(
    manager_client, merchant_a, manager_a
):
    old = make_reward(merchant_a, name="Old croissant")
    catalogue.archive_reward(reward=old, actor=manager_a)

    page = manager_client.get(REWARDS).content.decode()

    archived_section = page[page.index('id="archived-title"') :]
    assert "Old croissant" in archived_section
    assert "Old croissant" not in page[: page.index('id="archived-title"')]
    assert f"/portal/rewards/{old.pk}/restore/" in archived_section


def test_an_overpriced_reward_is_flagged_in_the_list(manager_client, merchant_a):
    make_reward(merchant_a, name="Dear cake", value="2.00", points_cost=900)

    page = manager_client.get(REWARDS).content.decode()

    assert "Points worth more than the reward" in page
    assert "900 points = €9.00 of points for a €2.00 Cake." in page


def test_the_portal_nav_offers_rewards_to_managers(manager_client):
    assert 'href="/portal/rewards/"' in manager_client.get("/portal/members/").content.decode()


def test_cashier_is_refused(cashier_client):
    assert cashier_client.get(REWARDS).status_code == 403


def test_the_outsider_sees_only_their_own_catalogue(outsider_client, merchant_a, merchant_b):
    make_reward(merchant_a, name="Aroma secret")

    page = outsider_client.get(REWARDS).content.decode()

    assert "Aroma secret" not in page and "Bakery Bee" in page

"""Moving a reward up or down the catalogue, with or without HTMX."""

import pytest

from rewards.models import Reward
from tests.rewards.portal.conftest import REWARDS, reward_url

pytestmark = pytest.mark.django_db


def order(merchant) -> list[str]:
    return list(
        Reward.objects.for_merchant(merchant)
        .filter(archived_at__isnull=True)
        .order_by("position", "points_cost", "id")
        .values_list("name", flat=True)
    )


def test_moving_up_swaps_with_the_one_above(manager_client, merchant_a, coffee):
    five_off = merchant_a.rewards.get(name="€5 off your next purchase")

    answer = manager_client.post(reward_url(five_off, "move/"), {"direction": "up"})

    assert answer.status_code == 302 and answer["Location"] == REWARDS
    assert order(merchant_a)[:2] == ["€5 off your next purchase", "Free coffee"]


def test_moving_down_with_htmx_answers_the_list_alone(manager_client, merchant_a, coffee):
    answer = manager_client.post(
        reward_url(coffee, "move/"), {"direction": "down"}, headers={"HX-Request": "true"}
    )

    page = answer.content.decode()
    assert answer.status_code == 200
    assert page.lstrip().startswith('<div id="catalogue">') and "<html" not in page
    assert order(merchant_a)[:2] == ["€5 off your next purchase", "Free coffee"]
    assert page.index("€5 off your next purchase") < page.index("Free coffee")
    # The buttons keep their ids, so htmx gives the focus back to the one just pressed.
    assert f'id="move-down-{coffee.pk}"' in page


def test_moving_the_first_up_changes_nothing(manager_client, merchant_a, coffee):
    before = order(merchant_a)

    manager_client.post(reward_url(coffee, "move/"), {"direction": "up"})

    assert order(merchant_a) == before


def test_the_buttons_are_buttons_with_names(manager_client, coffee):
    page = manager_client.get(REWARDS).content.decode()

    assert f'name="direction" value="up" class="button small" id="move-up-{coffee.pk}"' in page
    assert "Move Free coffee down" in page


def test_moving_needs_post(manager_client, coffee):
    assert manager_client.get(reward_url(coffee, "move/")).status_code == 405


def test_cashier_is_refused(cashier_client, merchant_a, coffee):
    before = order(merchant_a)

    assert (
        cashier_client.post(reward_url(coffee, "move/"), {"direction": "down"}).status_code == 403
    )
    assert order(merchant_a) == before


def test_the_outsider_gets_404_and_moves_nothing(outsider_client, merchant_a, coffee):
    before = order(merchant_a)

    answer = outsider_client.post(reward_url(coffee, "move/"), {"direction": "down"})

    assert answer.status_code == 404 and order(merchant_a) == before

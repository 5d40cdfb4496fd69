"""Archiving a reward takes it out of the catalogue after a confirmation; restoring brings it
back. Issued vouchers stay valid."""

import pytest

from loyalty.models import AuditEvent
from rewards import catalogue, services
from rewards.queries import active_rewards
from tests.rewards.portal.conftest import REWARDS, give, reward_url

pytestmark = pytest.mark.django_db


def test_archiving_asks_first_and_says_what_happens(manager_client, shop_a, ana, coffee):
    services.redeem_reward(member=give(shop_a, ana, "300"), reward=coffee)

    page = manager_client.get(reward_url(coffee, "archive/")).content.decode()

    coffee.refresh_from_db()
    assert not coffee.archived
    assert "Archive “Free coffee”?" in page
    assert "The 1 voucher issued for it and not yet used stays valid" in page
    assert '<button type="submit" class="button danger">Archive the reward</button>' in page


def test_archiving_takes_it_out_of_the_members_catalogue(manager_client, merchant_a, coffee):
    answer = manager_client.post(reward_url(coffee, "archive/"))

    coffee.refresh_from_db()
    assert answer.status_code == 302 and answer["Location"] == REWARDS
    assert coffee.archived and coffee not in active_rewards(merchant_a)
    assert AuditEvent.objects.filter(
        merchant=merchant_a, action="rewards.reward.archived", target_id=str(coffee.pk)
    ).exists()


def test_restoring_brings_it_back(manager_client, merchant_a, manager_a, coffee):
    catalogue.archive_reward(reward=coffee, actor=manager_a)

    assert (
        "Restore “Free coffee”?"
        in manager_client.get(reward_url(coffee, "restore/")).content.decode()
    )
    answer = manager_client.post(reward_url(coffee, "restore/"))

    coffee.refresh_from_db()
    assert answer.status_code == 302 and not coffee.archived
    assert coffee in active_rewards(merchant_a)


def test_archiving_an_archived_reward_goes_back_to_the_list(manager_client, manager_a, coffee):
    catalogue.archive_reward(reward=coffee, actor=manager_a)
    archived_at = coffee.archived_at

    answer = manager_client.post(reward_url(coffee, "archive/"))

    coffee.refresh_from_db()
    assert answer.status_code == 302 and coffee.archived_at == archived_at


def test_cashier_is_refused(cashier_client, coffee):
    assert cashier_client.post(reward_url(coffee, "archive/")).status_code == 403
    coffee.refresh_from_db()
    assert not coffee.archived


def test_the_outsider_gets_404(outsider_client, coffee):
    assert outsider_client.post(reward_url(coffee, "archive/")).status_code == 404
    coffee.refresh_from_db()
    assert not coffee.archived

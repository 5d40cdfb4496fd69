"""The member's portal page lists their vouchers, each linking to its history."""

import pytest

from rewards import services
from tests.rewards.portal.conftest import give, voucher_url

pytestmark = pytest.mark.django_db


def test_the_member_page_lists_their_vouchers_with_status(
    manager_client, shop_a, ana, coffee, manager_a
):
    member = give(shop_a, ana, "600")
    used = services.redeem_reward(member=member, reward=coffee)
    open_one = services.redeem_reward(member=member, reward=coffee)
    services.use_voucher(code=used.code, shop=shop_a)

    page = manager_client.get(f"/portal/members/{ana.pk}/").content.decode()

    section = page[page.index('id="vouchers-title"') :]
    assert f'href="{voucher_url(used)}"' in section and f'href="{voucher_url(open_one)}"' in section
    assert used.display_code in section and open_one.display_code in section
    assert "Used" in section and "Issued" in section and "Old Town" in section


def test_a_member_without_vouchers_says_so(manager_client, ana):
    page = manager_client.get(f"/portal/members/{ana.pk}/").content.decode()

    assert "No vouchers yet." in page


def test_another_members_vouchers_are_not_listed(manager_client, merchant_a, shop_a, ana, coffee):
    from members.services.enrolment import enrol_member

    bob = enrol_member(merchant=merchant_a, email="bob@example.com", first_name="Bob")
    theirs = services.redeem_reward(member=give(shop_a, bob, "300"), reward=coffee)

    page = manager_client.get(f"/portal/members/{ana.pk}/").content.decode()

    assert theirs.display_code not in page

"""Vouchers are the member's data: in "Download my data", and moved by a merge."""

import pytest

from members.services.enrolment import enrol_member
from members.services.gdpr import export_member_data
from members.services.merge import merge_members
from rewards import services
from tests.loyalty.points.helpers import assert_reconciled
from tests.rewards.conftest import give

pytestmark = pytest.mark.django_db


def test_the_export_holds_the_vouchers(shop_a, member_a, coffee):
    member = give(shop_a, member_a, "600")
    kept = services.redeem_reward(member=member, reward=coffee)
    used = services.redeem_reward(member=member, reward=coffee)
    services.use_voucher(code=used.code, shop=shop_a)

    data = export_member_data(member)

    by_code = {v["code"]: v for v in data["vouchers"]}
    assert set(by_code) == {kept.code, used.code}
    assert by_code[used.code]["status"] == "used"
    assert by_code[used.code]["used_at_shop"] == "Old Town"
    assert by_code[kept.code]["gives"] == "A free Coffee"
    assert by_code[kept.code]["points_cost"] == 300
    assert "vouchers" not in data["notes"]


def test_a_merge_moves_the_vouchers_to_the_survivor(
    merchant_a, shop_a, member_a, coffee, manager_a
):
    duplicate = give(shop_a, enrol_member(merchant=merchant_a, phone="0722 555 111"), "300")
    voucher = services.redeem_reward(member=duplicate, reward=coffee)

    survivor = merge_members(survivor=member_a, duplicate=duplicate, actor=manager_a)

    voucher.refresh_from_db()
    assert voucher.member == survivor
    assert services.use_voucher(code=voucher.code, shop=shop_a).status == "used"
    assert_reconciled(merchant_a)

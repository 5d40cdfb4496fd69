"""The paid club through the API: a purchase's line with the club's SKU starts the membership;
the member's answer shows the club, until when and the perks left today."""

from datetime import timedelta

import pytest

from loyalty.clock import local_today
from rewards.engagement import club as engine
from tests.rewards.engagement.clubs import make_club, make_perk

pytestmark = pytest.mark.django_db


def buy(api, member, receipt, items):
    amount = sum(int(i["quantity"]) * float(i["unit_price"]) for i in items)
    return api.post(
        "/api/v1/purchases",
        {"external_id": receipt, "member": member.card_number, "amount": f"{amount:.2f}",
         "items": items},
        format="json",
    )  # fmt: skip


CLUB = {"sku": "Club-Year", "name": "Club", "quantity": "1", "unit_price": "49.00"}
TEA = {"sku": "TEA", "name": "Tea", "category": "tea", "quantity": "1", "unit_price": "20.00"}


def test_a_purchase_of_the_club_makes_a_member_who_earns_more(
    api_a, merchant_a, member_a, shop_a, cashier_a
):
    club = make_club(merchant_a)
    perk = make_perk(club)
    assert api_a.get(f"/api/v1/members/{member_a.card_number}").json()["club"] is None

    assert buy(api_a, member_a, "C1", [CLUB]).status_code == 201

    body = api_a.get(f"/api/v1/members/{member_a.card_number}").json()
    until = local_today(merchant_a) + timedelta(days=365)
    assert body["club"] == {
        "id": club.pk,
        "name": "Club",
        "until": until.isoformat(),
        "multiplier": "1.50",
        "perks": [
            {"id": perk.pk, "name": perk.name, "period": "day", "left": 1, "usable_today": True}
        ],
    }
    engine.use_perk(perk, member_a, shop_a, cashier_a)
    body = api_a.get(f"/api/v1/members/{member_a.card_number}").json()
    assert body["club"]["perks"][0]["left"] == 0

    tea = buy(api_a, member_a, "T1", [TEA])
    assert tea.status_code == 201, tea.content
    assert tea.json()["points_earned"] == 30  # 20 x 1.5


def test_a_reversed_club_purchase_takes_the_membership_back(api_a, merchant_a, member_a):
    make_club(merchant_a)
    assert buy(api_a, member_a, "C1", [CLUB]).status_code == 201
    refund = api_a.post(
        "/api/v1/purchases/C1/refunds", {"external_id": "RF1", "amount": "49.00"}, format="json"
    )
    assert refund.status_code == 201, refund.content
    assert api_a.get(f"/api/v1/members/{member_a.card_number}").json()["club"] is None

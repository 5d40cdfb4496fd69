"""API personas: one client per key (merchant A's till, merchant B's till), members, vouchers.

Every API test talks to the API through a key, as a till does; the data behind it is built
through the real services.
"""

import uuid
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from loyalty.points.purchases import record_purchase
from loyalty.tenancy.services import create_api_key
from members.models import Member
from rewards.models import Reward, RewardKind, Voucher
from tests.personas import make_ana


def key_client(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.fixture
def key_a(merchant_a, shop_a, owner_a):
    return create_api_key(merchant=merchant_a, shop=shop_a, actor=owner_a, name="Till 1")


@pytest.fixture
def api_a(key_a) -> APIClient:
    """Merchant A's till at its Old Town shop."""
    return key_client(key_a[1])


@pytest.fixture
def api_b(merchant_b, owner_b) -> APIClient:
    """Merchant B's till: the outsider."""
    shop = merchant_b.shops.get()
    _key, raw = create_api_key(merchant=merchant_b, shop=shop, actor=owner_b)
    return key_client(raw)


@pytest.fixture
def member_a(merchant_a, shop_a) -> Member:
    return make_ana(merchant_a)


@pytest.fixture
def sale_a(shop_a, member_a):
    return record_purchase(
        shop=shop_a, member=member_a, external_id="R-1", amount=Decimal("23.50")
    ).purchase


def rich(shop, member: Member, amount: str = "900.00") -> Member:
    """A member with points earned the honest way, at the till."""
    record_purchase(
        shop=shop,
        member=member,
        external_id=f"RICH-{uuid.uuid4().hex[:12]}",
        amount=Decimal(amount),
    )
    member.refresh_from_db()
    return member


@pytest.fixture
def coffee(merchant_a) -> Reward:
    return merchant_a.rewards.get(kind=RewardKind.FREE_ITEM)


@pytest.fixture
def voucher_a(shop_a, member_a, coffee) -> Voucher:
    from rewards.services import redeem_reward

    rich(shop_a, member_a)
    return redeem_reward(member=member_a, reward=coffee)


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, (response.status_code, response.content)
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"].endswith(code)
    assert body["title"] and body["detail"]
    return body

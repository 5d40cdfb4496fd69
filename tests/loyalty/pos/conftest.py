"""POS personas: a member of A to find at the till, and helpers to use the page as HTMX does."""

from decimal import Decimal

import pytest

from loyalty.points.purchases import record_purchase
from loyalty.pos.services import new_form_token
from members.models import Member
from members.services.enrolment import enrol_member

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def ana(merchant_a, shop_a) -> Member:
    return enrol_member(
        merchant=merchant_a,
        email="ana.pop@example.com",
        phone="+40721234567",
        first_name="Ana",
        last_name="Pop",
        shop=shop_a,
    )


@pytest.fixture
def manager_at_shop(manager_client, shop_a):
    """The manager's client, working at Old Town for the session."""
    assert manager_client.post("/pos/shop/", {"shop": shop_a.pk}).status_code == 302
    return manager_client


@pytest.fixture
def owner_at_shop(owner_client, shop_a):
    assert owner_client.post("/pos/shop/", {"shop": shop_a.pk}).status_code == 302
    return owner_client


def sell(client, member: Member | None, amount: str, *, token: str | None = None, **fields):
    """Send the sale form of the POS page as HTMX does; returns the answer."""
    url = f"/pos/members/{member.pk}/purchase/" if member else "/pos/purchase/"
    data = {"token": token or new_form_token(), "amount": amount, **fields}
    return client.post(url, data, **HX)


def give_points(shop, member: Member, amount: str, external_id: str) -> Member:
    record_purchase(shop=shop, member=member, external_id=external_id, amount=Decimal(amount))
    member.refresh_from_db()
    return member

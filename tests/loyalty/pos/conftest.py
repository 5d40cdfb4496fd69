"""POS helpers: use the page as HTMX does (Ana, the member to find, is tests/personas.py's)."""

from decimal import Decimal

import pytest

from loyalty.points.purchases import record_purchase
from loyalty.pos.services import new_form_token
from members.models import Member

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def manager_at_shop(manager_client, shop_a):
    """The manager's client, working at Old Town for the session."""
    assert manager_client.post("/pos/shop/", {"shop": shop_a.pk}).status_code == 302
    return manager_client


@pytest.fixture
def owner_at_shop(owner_client, shop_a):
    assert owner_client.post("/pos/shop/", {"shop": shop_a.pk}).status_code == 302
    return owner_client


FOUND_SESSION_KEY = "pos_found_members"


def find(client, member: Member):
    """Find the member at the till (by card number) as the search field does; the answer.

    Only a member found (or enrolled) in this POS session opens a panel, takes a sale or a
    redemption.
    """
    answer = client.post("/pos/find/", {"q": member.card_number}, **HX)
    assert f'data-member="{member.pk}"' in answer.content.decode(), answer.content[:500]
    return answer


def found_at_the_till(client, shop, member: Member) -> None:
    """A manager or an owner who found the member at the till of `shop`, then left the till
    (no shop chosen any more): the POS pages open the member as before the find."""
    from loyalty.tenancy.middleware import POS_SHOP_SESSION_KEY

    assert client.post("/pos/shop/", {"shop": shop.pk}).status_code == 302
    find(client, member)
    session = client.session
    del session[POS_SHOP_SESSION_KEY]
    session.save()


def was_found(client, member: Member) -> bool:
    return member.pk in client.session.get(FOUND_SESSION_KEY, [])


def sell(client, member: Member | None, amount: str, *, token: str | None = None, **fields):
    """Send the sale form of the POS page as HTMX does (the member found first); the answer."""
    searched = client.__dict__.setdefault("_pos_searched", set())
    if member is not None and member.pk not in searched:
        # Not asserted: a member of another merchant is not found, and the sale answers 404.
        client.post("/pos/find/", {"q": member.card_number}, **HX)
        searched.add(member.pk)
    url = f"/pos/members/{member.pk}/purchase/" if member else "/pos/purchase/"
    data = {"token": token or new_form_token(), "amount": amount, **fields}
    return client.post(url, data, **HX)


def give_points(shop, member: Member, amount: str, external_id: str) -> Member:
    record_purchase(shop=shop, member=member, external_id=external_id, amount=Decimal(amount))
    member.refresh_from_db()
    return member

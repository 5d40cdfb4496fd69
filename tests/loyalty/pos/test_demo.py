"""The demo's cashier signs in to the POS of a shop with members to find and sell to."""

import io

import pytest
from django.core.management import call_command

from loyalty.demo.seed import DEMO_PASSWORD, DEMO_SLUG
from members.models import Member
from tests.loyalty.pos.conftest import HX, sell


@pytest.fixture
def small_demo(db, monkeypatch):
    monkeypatch.setattr("loyalty.demo.points.DEMO_MEMBERS", 12)
    call_command("seed_demo", stdout=io.StringIO())


def test_the_demo_cashier_lands_on_the_pos_and_finds_a_member(small_demo, client):
    answer = client.post(
        "/accounts/login/",
        {"login": "cashier@example.com", "password": DEMO_PASSWORD},
        follow=True,
    )

    assert answer.redirect_chain[-1][0] == "/pos/"
    assert "You are at Old Town" in answer.content.decode()
    member = (
        Member.objects.filter(merchant__slug=DEMO_SLUG, status="active")
        .exclude(phone="")
        .order_by("pk")
        .first()
    )
    local = "0" + member.phone.removeprefix("+40")
    typed = f"{local[:4]} {local[4:7]} {local[7:]}"
    found = client.get("/pos/find/", {"q": typed}, **HX)
    assert f'data-member="{member.pk}"' in found.content.decode()
    assert sell(client, member, "23.50").status_code == 200

"""One confirmation, one voucher: a double tap on the member's redeem page issues one voucher.

The confirmation form's token is taken in the redemption's own transaction, under the member's
row lock and a unique constraint, not in a cache that a second request can race past.
"""

import pytest
from django.core.cache import cache
from django.test import Client

from rewards.models import Voucher
from tests.loyalty.points.helpers import assert_reconciled
from tests.loyalty.points.test_concurrency import run_together
from tests.personas import make_ana
from tests.rewards.conftest import give


def _signed_in(member) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


def _token(client, url) -> str:
    page = client.get(url).content.decode()
    return page.split('name="token" value="')[1].split('"')[0]


@pytest.mark.django_db
def test_the_same_confirmation_later_still_gives_the_first_voucher(merchant_a, shop_a, coffee):
    ana = give(shop_a, make_ana(merchant_a), "700")
    client = _signed_in(ana)
    url = f"/m/aroma/rewards/{coffee.pk}/redeem"
    token = _token(client, url)

    first = client.post(url, {"token": token})
    cache.clear()  # whatever a cache held, the database remembers the confirmation
    again = client.post(url, {"token": token})

    assert first.status_code == again.status_code == 302
    assert again["Location"] == first["Location"]
    assert Voucher.objects.filter(member=ana).count() == 1
    ana.refresh_from_db()
    assert ana.points_balance == 400


@pytest.mark.django_db
def test_a_post_without_its_confirmation_issues_nothing(merchant_a, shop_a, coffee):
    ana = give(shop_a, make_ana(merchant_a), "700")
    client = _signed_in(ana)

    answer = client.post(f"/m/aroma/rewards/{coffee.pk}/redeem", {})

    assert answer.status_code == 400
    assert "confirm again" in answer.content.decode()
    assert 'name="token" value="' in answer.content.decode()
    assert not Voucher.objects.exists()


@pytest.mark.django_db
def test_two_confirmations_are_two_vouchers(merchant_a, shop_a, coffee):
    ana = give(shop_a, make_ana(merchant_a), "700")
    client = _signed_in(ana)
    url = f"/m/aroma/rewards/{coffee.pk}/redeem"

    client.post(url, {"token": _token(client, url)})
    client.post(url, {"token": _token(client, url)})

    assert Voucher.objects.filter(member=ana).count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_four_parallel_posts_of_one_confirmation_give_one_voucher(merchant_a, shop_a, coffee):
    ana = give(shop_a, make_ana(merchant_a), "1500")
    url = f"/m/aroma/rewards/{coffee.pk}/redeem"
    token = _token(_signed_in(ana), url)
    phones = [_signed_in(ana) for _tap in range(4)]

    answers = run_together([lambda c=c: c.post(url, {"token": token}) for c in phones])

    assert [getattr(a, "status_code", a) for a in answers] == [302] * 4, answers
    assert len({a["Location"] for a in answers}) == 1
    assert Voucher.objects.filter(member=ana).count() == 1
    ana.refresh_from_db()
    assert ana.points_balance == 1200
    assert_reconciled(merchant_a)

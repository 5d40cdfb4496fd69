"""A member's panel opens at the till only for a member found, scanned or enrolled there.

Walking /pos/members/<id>/ must not read every member's balance and voucher codes past the
voucher-guess throttle and unseen by the staff flags: any other id is a 404, as another
merchant's member is. Voucher codes on the POS are masked; a voucher is used by its id.
"""

import pytest
from django.test import Client

from loyalty.models import Identification, Purchase
from loyalty.pos.services import new_form_token
from members.models import Member
from members.services.enrolment import enrol_member
from rewards.models import RewardKind, Voucher, VoucherStatus
from rewards.services import redeem_reward
from tests.loyalty.pos.conftest import HX, find, give_points

pytestmark = pytest.mark.django_db


@pytest.fixture
def voucher(ana, shop_a, merchant_a) -> Voucher:
    give_points(shop_a, ana, "900.00", "R-1")
    return redeem_reward(member=ana, reward=merchant_a.rewards.get(kind=RewardKind.FREE_ITEM))


def member_urls(member, voucher=None):
    """Every POS address that names a member, with what the page would send."""
    token = new_form_token
    return [
        ("get", f"/pos/members/{member.pk}/", {}),
        ("post", f"/pos/members/{member.pk}/purchase/", {"token": token(), "amount": "5.00"}),
        (
            "get",
            f"/pos/members/{member.pk}/redeem/",
            {"reward": member.merchant.rewards.first().pk},
        ),
        (
            "post",
            f"/pos/members/{member.pk}/redeem/",
            {"token": token(), "reward": member.merchant.rewards.first().pk},
        ),
        (
            "post",
            f"/pos/members/{member.pk}/vouchers/",
            {"voucher": voucher.pk if voucher else 1},
        ),
    ]


def test_a_member_not_found_in_this_session_is_404_everywhere(cashier_client, ana, voucher):
    sales = Purchase.objects.count()
    for method, url, data in member_urls(ana, voucher):
        answer = getattr(cashier_client, method)(url, data, **HX)
        assert answer.status_code == 404, (method, url)
        assert voucher.code not in answer.content.decode()
        assert voucher.display_code not in answer.content.decode()
    assert Purchase.objects.count() == sales
    assert Voucher.objects.count() == 1
    assert not Identification.objects.exists()


def test_a_manager_cannot_adjust_a_member_not_found(manager_at_shop, ana):
    answer = manager_at_shop.post(
        f"/pos/members/{ana.pk}/adjust/",
        {"token": new_form_token(), "points": 50, "reason": "Goodwill"},
        **HX,
    )

    assert answer.status_code == 404
    ana.refresh_from_db()
    assert ana.points_balance == 0


def test_once_found_the_panel_opens_and_takes_a_sale(cashier_client, ana):
    find(cashier_client, ana)

    assert cashier_client.get(f"/pos/members/{ana.pk}/", **HX).status_code == 200
    sale = cashier_client.post(
        f"/pos/members/{ana.pk}/purchase/", {"token": new_form_token(), "amount": "5.00"}, **HX
    )
    assert sale.status_code == 200
    assert Purchase.objects.get().member == ana


def test_found_in_one_session_is_not_found_in_another(cashier_client, cashier_a, ana):
    find(cashier_client, ana)
    other_till = Client()
    other_till.force_login(cashier_a)

    assert other_till.get(f"/pos/members/{ana.pk}/", **HX).status_code == 404


def test_a_member_enrolled_at_the_till_opens_at_once(cashier_client):
    cashier_client.post("/pos/enrol/", {"token": new_form_token(), "phone": "0733123456"}, **HX)
    dan = Member.objects.get()

    assert cashier_client.get(f"/pos/members/{dan.pk}/", **HX).status_code == 200


def test_the_duplicate_offered_at_enrolment_opens_and_is_counted(cashier_client, ana):
    answer = cashier_client.post(
        "/pos/enrol/", {"token": new_form_token(), "phone": "0721 234 567"}, **HX
    )

    assert f"/pos/members/{ana.pk}/" in answer.content.decode()
    assert cashier_client.get(f"/pos/members/{ana.pk}/", **HX).status_code == 200
    assert Identification.objects.filter(member=ana).count() == 1


def test_the_found_list_is_bounded_to_the_last_fifty(cashier_client, merchant_a, ana):
    find(cashier_client, ana)
    for n in range(50):
        find(cashier_client, enrol_member(merchant=merchant_a, email=f"m{n}@example.com"))

    assert cashier_client.get(f"/pos/members/{ana.pk}/", **HX).status_code == 404


def test_another_merchants_member_stays_404_after_a_search(cashier_client, merchant_b):
    bob = enrol_member(merchant=merchant_b, phone="0744555666", first_name="Bob")
    cashier_client.post("/pos/find/", {"q": bob.card_number}, **HX)

    assert cashier_client.get(f"/pos/members/{bob.pk}/", **HX).status_code == 404


# --- Voucher codes on the POS -----------------------------------------------------------------


def test_the_panel_masks_voucher_codes_and_puts_none_in_a_link(cashier_client, ana, voucher):
    html = find(cashier_client, ana).content.decode()

    assert voucher.describe() in html
    assert f"••••-{voucher.code[-4:]}" in html
    assert voucher.code not in html
    assert voucher.display_code not in html
    assert "?code=" not in html


def test_use_from_the_panel_addresses_the_voucher_by_id(cashier_client, ana, voucher, shop_a):
    find(cashier_client, ana)

    panel = cashier_client.post(f"/pos/members/{ana.pk}/vouchers/", {"voucher": voucher.pk}, **HX)

    assert panel.status_code == 200
    html = panel.content.decode()
    assert "Mark used" in html and voucher.describe() in html
    assert voucher.code not in html and voucher.display_code not in html
    used = cashier_client.post(
        "/pos/voucher/use/", {"token": new_form_token(), "voucher": voucher.pk}, **HX
    )
    assert used.status_code == 200
    assert voucher.code not in used.content.decode()
    voucher.refresh_from_db()
    assert (voucher.status, voucher.used_shop) == (VoucherStatus.USED, shop_a)


def test_another_members_voucher_is_404_from_the_panel(cashier_client, ana, voucher, merchant_a):
    bea = enrol_member(merchant=merchant_a, phone="0722000111", first_name="Bea")
    find(cashier_client, bea)

    answer = cashier_client.post(f"/pos/members/{bea.pk}/vouchers/", {"voucher": voucher.pk}, **HX)

    assert answer.status_code == 404


def test_a_voucher_is_not_used_by_an_id_the_till_never_saw(cashier_client, voucher):
    answer = cashier_client.post(
        "/pos/voucher/use/", {"token": new_form_token(), "voucher": voucher.pk}, **HX
    )

    assert answer.status_code == 404
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.ISSUED


def test_a_typed_code_is_looked_up_by_post_and_then_used_by_id(cashier_client, voucher):
    page = cashier_client.get("/pos/", **HX).content.decode()
    lookup = page[page.index('class="pos-voucher-lookup') - 10 :][:400]
    assert 'method="post"' in lookup

    panel = cashier_client.post("/pos/voucher/", {"code": voucher.code.lower()}, **HX)

    assert panel.status_code == 200
    assert f'name="voucher" value="{voucher.pk}"' in panel.content.decode()
    used = cashier_client.post(
        "/pos/voucher/use/", {"token": new_form_token(), "voucher": voucher.pk}, **HX
    )
    assert used.status_code == 200
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.USED


def test_the_search_form_sends_by_post(cashier_client):
    page = cashier_client.get("/pos/").content.decode()
    search = page[page.index('id="pos-search"') - 10 :][:300]

    assert 'method="post"' in search and "hx-post=" in search

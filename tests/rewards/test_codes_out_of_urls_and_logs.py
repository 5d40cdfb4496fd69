"""A voucher's code is a bearer secret: no URL we make and no audit row or ledger row holds it.

The member page and the POS address vouchers by id or by POST; the audit log and the ledger
name vouchers by id. (The API's GET /api/v1/vouchers/{code} stays as documented.)
"""

import re

import pytest
from django.test import Client

from loyalty.models import AuditEvent, PointsEntry, Purchase
from loyalty.pos import services as pos_services
from loyalty.pos.services import new_form_token
from rewards import services
from rewards.models import Voucher, VoucherSource, VoucherStatus
from tests.loyalty.pos.conftest import HX, find, sell
from tests.rewards.conftest import give

pytestmark = pytest.mark.django_db


@pytest.fixture
def ana_client(ana) -> Client:
    client = Client()
    client.force_login(ana.user)
    return client


def _hrefs(html: str) -> list[str]:
    return re.findall(r'(?:href|action|hx-get|hx-post)="([^"]*)"', html)


def _no_code_in_audit(voucher: Voucher) -> None:
    for row in AuditEvent.objects.all():
        text = f"{row.target_repr} {row.data}".upper()
        assert voucher.code not in text, row.action
        assert voucher.display_code not in text, row.action


def test_the_member_page_opens_a_voucher_by_its_id(shop_a, ana, ana_client, coffee):
    give(shop_a, ana, "350")
    url = f"/m/aroma/rewards/{coffee.pk}/redeem"
    token = ana_client.get(url).content.decode().split('name="token" value="')[1].split('"')[0]

    answer = ana_client.post(url, {"token": token})

    voucher = Voucher.objects.get(member=ana)
    assert answer.status_code == 302
    assert answer["Location"] == f"/m/aroma/vouchers/{voucher.pk}"
    page = ana_client.get(answer["Location"]).content.decode()
    assert voucher.display_code in page  # her own page shows her code, to show at the till
    listing = ana_client.get("/m/aroma/vouchers").content.decode()
    assert f"/m/aroma/vouchers/{voucher.pk}" in listing
    for link in _hrefs(listing) + _hrefs(page):
        assert voucher.code not in link.upper(), link


def test_the_old_address_with_the_code_is_gone(shop_a, ana, ana_client, coffee):
    give(shop_a, ana, "350")
    voucher = services.redeem_reward(member=ana, reward=coffee)

    assert ana_client.get(f"/m/aroma/vouchers/{voucher.code}").status_code == 404


def test_no_pos_link_or_form_carries_a_code(cashier_client, ana, shop_a, coffee):
    give(shop_a, ana, "700")
    voucher = services.redeem_reward(member=ana, reward=coffee)

    pages = [
        cashier_client.get("/pos/", **HX).content.decode(),
        find(cashier_client, ana).content.decode(),
        cashier_client.post(
            f"/pos/members/{ana.pk}/vouchers/", {"voucher": voucher.pk}, **HX
        ).content.decode(),
    ]

    for html in pages:
        for link in _hrefs(html):
            assert voucher.code not in link.upper(), link
        assert 'method="get"' not in html.replace('role="search" method="post"', "")


def test_undoing_a_sale_audits_voucher_ids_not_codes(cashier_client, ana, shop_a, coffee):
    give(shop_a, ana, "320")
    used = services.redeem_reward(member=ana, reward=coffee)
    sell(cashier_client, ana, "4.00", voucher=used.display_code)
    sale = Purchase.objects.get(amount=4)

    cashier_client.post(
        f"/pos/purchases/{sale.pk}/undo/", {"token": new_form_token(), "purchase": sale.pk}, **HX
    )

    audit = AuditEvent.objects.get(action=pos_services.UNDO_ACTION)
    assert audit.data["vouchers"] == [{"used": used.pk, "new": used.pk}]
    _no_code_in_audit(used)


def test_cancelling_issuing_and_releasing_audit_no_code(merchant_a, shop_a, ana, manager_a, coffee):
    give(shop_a, ana, "700")
    cancelled = services.redeem_reward(member=ana, reward=coffee)
    services.cancel_voucher(voucher=cancelled, actor=manager_a, reason="wrong reward")
    given = services.issue_voucher(
        merchant=merchant_a, reward=coffee, source=VoucherSource.MANUAL, member=ana, actor=manager_a
    )

    assert AuditEvent.objects.filter(action="rewards.voucher.cancelled").exists()
    assert AuditEvent.objects.filter(action="rewards.voucher.issued").exists()
    _no_code_in_audit(cancelled)
    _no_code_in_audit(given)
    back = PointsEntry.objects.get(reference=f"voucher:{cancelled.pk}:cancelled")
    assert cancelled.display_code not in back.reason
    assert given.status == VoucherStatus.ISSUED


def test_the_ledger_names_the_redeemed_voucher_by_id(shop_a, ana, coffee):
    give(shop_a, ana, "350")

    voucher = services.redeem_reward(member=ana, reward=coffee)

    assert voucher.redeem_entry.reference == f"voucher:{voucher.pk}"
    assert not PointsEntry.objects.filter(reference__contains=voucher.code).exists()

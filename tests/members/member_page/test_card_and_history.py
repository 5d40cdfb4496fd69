"""The card page: a scannable QR code, the balance in points and money, pending points, the
tier on its way to the next; the history with how each sale's points were computed."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from loyalty.models.points import PointsLot
from members.contacts import card_qr_payload
from members.member_page.queries import grouped_card_number
from tests.loyalty.points.helpers import configure, ring


def test_the_card_shows_the_qr_code_and_the_grouped_number(ana_client, ana):
    html = ana_client.get("/m/aroma/").content.decode()

    assert '<svg role="img"' in html
    assert "QR code of your card" in html
    assert grouped_card_number(ana.card_number) in html
    assert len(grouped_card_number("1234567890").split()) == 3
    assert card_qr_payload("aroma", ana.card_number).startswith("FDL1:aroma:")


def test_the_balance_shows_points_and_money(ana_client, ana, merchant_a, shop_a):
    configure(merchant_a, point_value=Decimal("0.05"))
    ring(shop_a, ana, "120.00")

    html = ana_client.get("/m/aroma/").content.decode()

    assert "120 points · €6.00" in html


def test_pending_points_show_when_they_become_available(ana_client, ana, merchant_a, shop_a):
    configure(merchant_a, pending_days=14)
    ring(shop_a, ana, "30.00")
    lot = PointsLot.objects.get(member=ana, released=False)
    assert lot.available_at > timezone.now() + timedelta(days=13)

    html = ana_client.get("/m/aroma/").content.decode()

    assert "30 points pending, available from" in html
    local = timezone.localtime(lot.available_at, merchant_a.tzinfo)
    assert f"{local.day}" in html


def test_the_tier_shows_progress_to_the_next(ana_client, ana, shop_a):
    ring(shop_a, ana, "100.00")

    html = ana_client.get("/m/aroma/").content.decode()

    assert "Tier: Bronze" in html
    assert '<progress class="tier-progress" max="100" value="20"' in html
    assert "€400.00 more to Silver" in html


def test_a_new_member_sees_an_empty_state(ana_client):
    html = ana_client.get("/m/aroma/").content.decode()

    assert "No purchases yet." in html


def test_history_explains_each_purchase(ana_client, ana, merchant_a, shop_a):
    # Gold multiplies by 1.5: 20 base + 10 Gold bonus, said as a person understands it (the
    # engine's "base" and the till's receipt ids are for the staff pages).
    ring(shop_a, ana, "1500.00", external_id="RECEIPT-BIG-1")
    ring(shop_a, ana, "20.00", external_id="RECEIPT-SMALL-1")

    html = ana_client.get("/m/aroma/history").content.decode()

    assert "Old Town · €20.00 · 30 points" in html
    assert "Gold bonus: 10 points" in html
    assert "Earned" in html
    assert "20 base" not in html
    assert "RECEIPT-SMALL-1" not in html and "RECEIPT-BIG-1" not in html


def test_a_sale_at_the_till_shows_no_internal_receipt_id(ana_client, ana, cashier_client, shop_a):
    from tests.loyalty.pos.conftest import sell

    sell(cashier_client, ana, "12.50")
    sale = ana.purchases.get()
    assert sale.external_id.startswith("pos-")

    for url in ("/m/aroma/history", "/m/aroma/"):
        html = ana_client.get(url).content.decode()
        assert "pos-" not in html and "Receipt" not in html, url
        assert "Old Town · €12.50" in html, url
    assert "Old Town · €12.50 · 12 points" in ana_client.get("/m/aroma/history").content.decode()


def test_the_per_sale_cap_says_what_it_means(ana_client, ana, merchant_a, shop_a):
    configure(merchant_a, max_points_per_purchase=60)
    ring(shop_a, ana, "9999.00", external_id="RECEIPT-HUGE-1")

    html = ana_client.get("/m/aroma/history").content.decode()

    assert "Old Town · €9,999.00 · 60 points" in html
    assert "limited to 60 points per purchase" in html
    assert "over the per-sale limit" not in html and "base" not in html
    assert "RECEIPT-HUGE-1" not in html


def test_history_dates_are_in_the_merchant_time_zone(ana_client, ana, merchant_a, shop_a):
    # 22:30 UTC on 1 March is 00:30 on 2 March in Bucharest.
    moment = datetime(2026, 3, 1, 22, 30, tzinfo=UTC)
    ring(shop_a, ana, "10.00", occurred_at=moment, now=moment + timedelta(minutes=1))

    html = ana_client.get("/m/aroma/history").content.decode()

    assert "2 Mar 2026" in html


def test_history_is_paginated(ana_client, ana, shop_a):
    for number in range(25):
        ring(shop_a, ana, f"{5 + number}.00", external_id=f"P{number}")

    first = ana_client.get("/m/aroma/history").content.decode()
    second = ana_client.get("/m/aroma/history?purchases=2").content.decode()

    assert "Page 1 of 2" in first
    assert "· €29.00 ·" in first  # newest first
    assert "· €5.00 ·" in second and "· €5.00 ·" not in first
    assert second.count("<li>") < first.count("<li>")


def test_a_blocked_member_still_sees_the_card_and_is_told_why_it_earns_nothing(ana_client, ana):
    type(ana).objects.filter(pk=ana.pk).update(status="blocked")

    html = ana_client.get("/m/aroma/").content.decode()

    assert "This card is blocked" in html

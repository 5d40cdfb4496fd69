"""Pages read in Romanian, Russian and English write money, points and dates as the reader's
language does (issue 18): "1.250 de puncte · 12,50 lei", "1 250 баллов · 12,50 €"."""

from datetime import datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from loyalty.analytics.rollups import rebuild
from loyalty.points.ledger import adjust_points
from loyalty.points.purchases import record_purchase

pytestmark = pytest.mark.django_db

NBSP = "\N{NO-BREAK SPACE}"
NOW = datetime.combine(datetime(2026, 12, 3).date(), time(12, 0), ZoneInfo("Europe/Bucharest"))

CARD = {
    # Romanian says "de" before a count ending in 20-99 (1.250 de puncte).
    ("ro", "RON"): f"1.250 de puncte · 12,50{NBSP}lei",
    ("ru", "EUR"): f"1{NBSP}250 баллов · 12,50{NBSP}€",
    ("en", "EUR"): "1,250 points · €12.50",
}


def set_currency(merchant, currency: str) -> None:
    merchant.currency = currency
    merchant.save(update_fields=["currency"])


def member_client(member, language: str) -> Client:
    member.language = language
    member.save(update_fields=["language"])
    client = Client()
    client.force_login(member.user)
    return client


@pytest.mark.parametrize(("language", "currency"), sorted(CARD))
def test_the_card_shows_the_balance_as_the_member_s_language_writes_it(
    ana, owner_a, merchant_a, language, currency
):
    set_currency(merchant_a, currency)
    ana.refresh_from_db()
    adjust_points(member=ana, points=1250 - ana.points_balance, reason="test", actor=owner_a)

    card = member_client(ana, language).get("/m/aroma/").content.decode()

    assert CARD[language, currency] in card


@pytest.mark.parametrize(
    ("language", "expected"),
    [("ro", f"15,00{NBSP}lei"), ("ru", f"15,00{NBSP}lei"), ("en", f"lei{NBSP}15.00")],
)
def test_a_reward_s_minimum_purchase_is_in_lei(ana, merchant_a, language, expected):
    set_currency(merchant_a, "RON")  # the sample "5 off" reward asks a purchase of 15.00

    page = member_client(ana, language).get("/m/aroma/rewards").content.decode()

    assert expected in page
    assert "RON" not in page


@pytest.mark.parametrize(
    ("language", "money", "day"),
    [
        ("ro", f"12,50{NBSP}lei", "joi, 3 decembrie 2026"),
        ("ru", f"12,50{NBSP}lei", "четверг, 3 декабря 2026"),
        ("en", f"lei{NBSP}12.50", "Thursday, 3 December 2026"),
    ],
)
def test_the_dashboard_s_money_and_day_speak_the_staff_member_s_language(
    owner_a, merchant_a, shop_a, ana, language, money, day
):
    set_currency(merchant_a, "RON")
    owner_a.language = language
    owner_a.save(update_fields=["language"])
    with time_machine.travel(NOW, tick=False):
        record_purchase(shop=shop_a, member=ana, external_id="R-1", amount=Decimal("12.50"))
        rebuild(merchant_a)
        client = Client()
        client.force_login(owner_a)
        page = client.get("/portal/").content.decode()

    assert f'<html lang="{language}"' in page
    assert money in page
    assert day in page

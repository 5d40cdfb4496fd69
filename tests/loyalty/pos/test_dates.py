"""Dates and times at the till in the merchant's locale and on the merchant's clock (issue 17):
“01.12.2026, 20:36” for a shop in Romania, not “Dec. 1, 2026, 8:36 p.m.”."""

from datetime import UTC, date, datetime

from loyalty.templatetags.fidela import local_date, local_datetime
from rewards.models import RewardKind
from rewards.services import redeem_reward
from tests.loyalty.pos.conftest import HX, give_points

EVENING = datetime(2026, 12, 1, 18, 36, tzinfo=UTC)  # 20:36 in Bucharest
LATE = datetime(2026, 12, 1, 22, 30, tzinfo=UTC)  # already 2 December in Bucharest


def test_a_moment_is_shown_on_the_merchants_clock_in_their_countrys_format(merchant_a):
    assert (merchant_a.country, merchant_a.timezone) == ("RO", "Europe/Bucharest")

    assert local_datetime(EVENING, merchant_a) == "01.12.2026, 20:36"
    assert local_date(LATE, merchant_a) == "02.12.2026"
    assert local_date(date(2027, 1, 5), merchant_a) == "05.01.2027"


def test_the_language_in_the_country_wins_where_django_knows_it(merchant_a):
    merchant_a.country, merchant_a.timezone = "GB", "Europe/London"

    assert local_date(EVENING, merchant_a) == "01/12/2026"


def test_nothing_shows_as_nothing(merchant_a):
    assert local_datetime(None, merchant_a) == ""
    assert local_date("", merchant_a) == ""


def test_the_voucher_panel_shows_its_last_day_so(cashier_client, ana, shop_a, merchant_a):
    give_points(shop_a, ana, "600.00", "R-1")
    voucher = redeem_reward(member=ana, reward=merchant_a.rewards.get(kind=RewardKind.AMOUNT_OFF))

    html = cashier_client.post("/pos/voucher/", {"code": voucher.code}, **HX).content.decode()

    assert f"Valid until {local_date(voucher.expires_at, merchant_a)}" in html
    assert local_date(voucher.expires_at, merchant_a).count(".") == 2

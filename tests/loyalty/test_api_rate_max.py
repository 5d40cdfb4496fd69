"""The owner's API rate per key stays under the platform's maximum (API_RATE_MAX)."""

import pytest

from loyalty.models import Merchant
from tests.loyalty.test_settings_env import fails_naming, settings_from
from tests.loyalty.test_views_settings import profile_data


@pytest.mark.django_db
def test_a_rate_above_the_platform_maximum_is_refused_with_a_clear_error(owner_client, merchant_a):
    answer = owner_client.post(
        "/portal/settings/profile/", profile_data(merchant_a, api_requests_per_second="65535")
    )

    assert answer.status_code == 200
    assert (
        "At most 100 requests a second per key: that is this platform&#x27;s maximum."
        in answer.content.decode()
    )
    merchant_a.refresh_from_db()
    assert merchant_a.api_requests_per_second == 20


@pytest.mark.django_db
def test_the_maximum_itself_is_accepted_and_shown_on_the_field(owner_client, merchant_a, settings):
    settings.API_RATE_MAX = 250

    page = owner_client.get("/portal/settings/profile/").content.decode()
    saved = owner_client.post(
        "/portal/settings/profile/", profile_data(merchant_a, api_requests_per_second="250")
    )

    assert 'max="250"' in page
    assert "(at most 250)" in page
    assert saved.status_code == 302
    merchant_a.refresh_from_db()
    assert merchant_a.api_requests_per_second == 250


def test_the_platform_maximum_defaults_to_100_and_comes_from_the_environment():
    assert settings_from("settings.API_RATE_MAX", DEBUG="true") == 100
    assert settings_from("settings.API_RATE_MAX", DEBUG="true", API_RATE_MAX="500") == 500


@pytest.mark.parametrize("value", ["0", "lots", "40000"])
def test_a_platform_maximum_that_is_not_a_sensible_number_stops_the_start(value):
    fails_naming("API_RATE_MAX", DEBUG="true", API_RATE_MAX=value)


def test_the_till_guide_shows_the_rate_the_api_grants(owner_client, merchant_a, settings):
    """A rate stored before the maximum existed is shown as what the API lets through."""
    settings.API_RATE_MAX = 50
    Merchant.objects.filter(pk=merchant_a.pk).update(api_requests_per_second=30000)

    html = owner_client.get("/portal/settings/api/").content.decode()

    assert "Each key may send 50 requests a second" in html

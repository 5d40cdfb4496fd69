"""Every factory writes a row the database and the model's rules accept.

A factory that drifted from its model (a new required field, a new constraint) fails here,
by name, rather than somewhere in a test that only needed a row.
"""

import pytest
from rest_framework.test import APIClient

from loyalty.models import ApiKey
from tests import factories

FACTORIES = [
    factories.UserFactory,
    factories.MerchantFactory,
    factories.ShopFactory,
    factories.StaffFactory,
    factories.AuthenticatorFactory,
    factories.TierFactory,
    factories.MemberFactory,
    factories.MemberImportFactory,
    factories.RewardFactory,
    factories.VoucherFactory,
    factories.ApiKeyFactory,
    factories.WebhookEndpointFactory,
    factories.StaffFlagFactory,
    factories.RateCounterFactory,
    factories.ScheduleFactory,
]


@pytest.mark.django_db
@pytest.mark.parametrize("factory", FACTORIES, ids=lambda f: f.__name__)
def test_each_factory_makes_two_distinct_valid_rows(factory):
    first, second = factory(), factory()

    assert first.pk and second.pk and first.pk != second.pk
    model = factory._meta.model
    assert model.objects.filter(pk__in=[first.pk, second.pk]).count() == 2


def test_an_api_key_from_the_factory_opens_the_api_as_its_shop(shop_a):
    raw = ApiKey.generate()
    key = factories.ApiKeyFactory(shop=shop_a, raw=raw)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")

    answer = client.get("/api/v1/program")

    assert answer.status_code == 200
    assert key.merchant == shop_a.merchant
    assert [tier["name"] for tier in answer.json()["tiers"]] == ["Bronze", "Silver", "Gold"]

"""People of the member pages: Ana, a member of merchant A with her own sign-in account, and
a client signed in as her. Data is made through the real services."""

import pytest
from django.test import Client

from members.models import Member
from tests.personas import make_ana, make_bob


@pytest.fixture
def ana(merchant_a) -> Member:
    """Ana as she signs up on the member page: the address and the phone as she types them
    (the sign-in and export tests assert them), a birthday and email offers accepted."""
    return make_ana(
        merchant_a,
        email="ana@example.com",
        phone="0722 123 456",
        birthday="1990-05-17",
        email_marketing=True,
        consent_wording="Email offers from Aroma Café",
    )


@pytest.fixture
def ana_client(ana) -> Client:
    client = Client()
    client.force_login(ana.user)
    return client


@pytest.fixture
def bob_at_b(merchant_b) -> Member:
    return make_bob(merchant_b)

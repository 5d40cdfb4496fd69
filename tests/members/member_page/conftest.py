"""People of the member pages: Ana, a member of merchant A with her own sign-in account, and
a client signed in as her. Data is made through the real services."""

import pytest
from django.test import Client

from members.models import Member
from members.services.enrolment import enrol_member


@pytest.fixture
def ana(merchant_a) -> Member:
    return enrol_member(
        merchant=merchant_a,
        email="ana@example.com",
        phone="0722 123 456",
        first_name="Ana",
        last_name="Pop",
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
    return enrol_member(merchant=merchant_b, email="bob@example.com", first_name="Bob")

"""Members of merchants A and B, enrolled through the real service."""

import pytest

from members.models import Member
from members.services.enrolment import enrol_member


@pytest.fixture
def member_a(merchant_a) -> Member:
    return enrol_member(merchant=merchant_a, email="ana@example.com", first_name="Ana")


@pytest.fixture
def member_b(merchant_b) -> Member:
    return enrol_member(merchant=merchant_b, email="bob@example.com", first_name="Bob")

"""Members of merchants A and B, enrolled through the real service."""

import pytest

from members.models import Member
from tests.personas import make_ana, make_bob


@pytest.fixture
def member_a(merchant_a) -> Member:
    # The self-referral test signs her up again as "Ana+again@example.com".
    return make_ana(merchant_a, email="ana@example.com")


@pytest.fixture
def member_b(merchant_b) -> Member:
    return make_bob(merchant_b)

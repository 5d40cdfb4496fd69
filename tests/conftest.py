"""Personas and clients shared by the whole suite.

Merchant A has an owner, a manager and a cashier bound to its first shop; merchant B's owner
is the outsider who must never see anything of A. Ana (tests/personas.py) is A's member,
enrolled at its first shop's till.
"""

import shutil

import pytest
from django.db import connection
from django.utils import translation

from loyalty.models import Role
from loyalty.tenancy.services import create_merchant, create_shop
from members.models import Member
from tests.factories import PASSWORD, StaffFactory, UserFactory
from tests.personas import make_ana

CHROMIUM = "/usr/bin/chromium"


def pytest_collection_modifyitems(config, items):
    on_postgres = connection.vendor == "postgresql"
    has_chromium = shutil.which(CHROMIUM) is not None
    skip_pg = pytest.mark.skip(
        reason="needs PostgreSQL (row locks, real concurrency): set DATABASE_URL=postgres://…"
    )
    skip_browser = pytest.mark.skip(
        reason=f"needs Chromium at {CHROMIUM} (Debian package 'chromium')"
    )
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip_pg)
        if "e2e" in item.keywords and not has_chromium:
            item.add_marker(skip_browser)


@pytest.fixture(autouse=True)
def _fast_and_quiet(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture(autouse=True)
def _english_unless_told():
    """Every test starts in English and leaves nothing active for the next: a service called
    directly after a request in Russian must not answer in Russian."""
    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture
def owner_a(db):
    return UserFactory(email="owner.a@example.com")


@pytest.fixture
def merchant_a(owner_a):
    return create_merchant(owner=owner_a, name="Aroma Café", slug="aroma", shop_name="Old Town")


@pytest.fixture
def shop_a(merchant_a):
    return merchant_a.shops.get(name="Old Town")


@pytest.fixture
def shop_a2(merchant_a, owner_a):
    return create_shop(merchant=merchant_a, actor=owner_a, name="Station")


@pytest.fixture
def manager_a(merchant_a):
    user = UserFactory(email="manager.a@example.com")
    StaffFactory(merchant=merchant_a, user=user, role=Role.MANAGER)
    return user


@pytest.fixture
def cashier_a(merchant_a, shop_a):
    user = UserFactory(email="cashier.a@example.com")
    StaffFactory(merchant=merchant_a, user=user, role=Role.CASHIER, shop=shop_a)
    return user


@pytest.fixture
def ana(merchant_a, shop_a) -> Member:
    """Ana as tests/personas.py defines her; a module needing a variant overrides this fixture
    with `make_ana(merchant_a, **details)`."""
    return make_ana(merchant_a, shop=shop_a)


@pytest.fixture
def owner_b(db):
    return UserFactory(email="owner.b@example.com")


@pytest.fixture
def merchant_b(owner_b):
    return create_merchant(owner=owner_b, name="Bakery Bee", slug="bee", shop_name="Corner")


def _client_for(client_class, user):
    client = client_class()
    client.force_login(user)
    return client


@pytest.fixture
def owner_client(owner_a, merchant_a):
    from django.test import Client

    return _client_for(Client, owner_a)


@pytest.fixture
def manager_client(manager_a):
    from django.test import Client

    return _client_for(Client, manager_a)


@pytest.fixture
def cashier_client(cashier_a):
    from django.test import Client

    return _client_for(Client, cashier_a)


@pytest.fixture
def outsider_client(owner_b, merchant_b):
    from django.test import Client

    return _client_for(Client, owner_b)


@pytest.fixture
def password():
    return PASSWORD

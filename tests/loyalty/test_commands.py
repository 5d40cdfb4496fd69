"""Management commands: createmerchant, create_api_key and seed_demo."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from loyalty.demo.seed import DEMO_LOGINS, DEMO_PASSWORD, DEMO_SLUG
from loyalty.models import ApiKey, AuditEvent, Merchant, Role, Shop, StaffMember, User
from loyalty.tenancy.services import archive_shop, authenticate_api_key


def _run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


# --- createmerchant --------------------------------------------------------------------------


def test_createmerchant_creates_the_owner_and_the_main_shop_and_prints_the_slug(db):
    output = _run(
        "createmerchant",
        "--name=Green Tea",
        "--slug=green-tea",
        "--owner-email=Tea@Example.com",
        "--owner-password=a-long-and-unusual-passphrase",
        "--currency=RON",
    )

    assert output.strip() == "green-tea"
    merchant = Merchant.objects.get(slug="green-tea")
    assert (merchant.name, merchant.currency) == ("Green Tea", "RON")
    assert [shop.name for shop in merchant.shops.all()] == ["Main"]
    owner = merchant.staff.get()
    assert (owner.user.email, owner.role) == ("tea@example.com", Role.OWNER)
    assert Client().login(email="tea@example.com", password="a-long-and-unusual-passphrase")


def test_createmerchant_makes_an_existing_user_the_owner(owner_a):
    _run(
        "createmerchant",
        "--name=Second",
        "--slug=second",
        f"--owner-email={owner_a.email}",
        "--owner-password=ignored-for-an-existing-user",
    )

    assert Merchant.objects.get(slug="second").staff.get().user == owner_a
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    "args",
    [
        ["--slug=ok", "--owner-email=not-an-email"],
        ["--slug=not a slug", "--owner-email=a@example.com"],
        ["--slug=ok", "--owner-email=a@example.com", "--timezone=Mars/Base"],
    ],
)
def test_createmerchant_refuses_bad_input(db, args):
    with pytest.raises(CommandError):
        _run("createmerchant", "--name=X", "--owner-password=a-long-passphrase", *args)

    assert not Merchant.objects.exists()
    assert not User.objects.exists()


def test_createmerchant_refuses_a_taken_slug_and_creates_no_user(merchant_a):
    with pytest.raises(CommandError, match="taken"):
        _run(
            "createmerchant",
            "--name=Copy",
            f"--slug={merchant_a.slug}",
            "--owner-email=copy@example.com",
            "--owner-password=a-long-passphrase",
        )

    assert not User.objects.filter(email="copy@example.com").exists()


# --- create_api_key --------------------------------------------------------------------------


def test_create_api_key_prints_a_working_key_alone_on_the_last_line(merchant_a, shop_a):
    output = _run("create_api_key", "--merchant=aroma", "--shop=Old Town", "--name=Till 1")

    raw = output.rstrip("\n").splitlines()[-1]
    assert raw.startswith(ApiKey.PREFIX)
    assert raw.strip() == raw
    key = authenticate_api_key(raw)
    assert (key.merchant, key.shop, key.name) == (merchant_a, shop_a, "Till 1")
    assert "Created the shop" not in output


def test_create_api_key_creates_the_shop_when_missing(merchant_a):
    output = _run("create_api_key", "--merchant=aroma", "--shop=Harbour")

    lines = output.rstrip("\n").splitlines()
    assert lines[0] == "Created the shop 'Harbour'."
    shop = Shop.objects.for_merchant(merchant_a).get(name="Harbour")
    assert authenticate_api_key(lines[-1]).shop == shop
    assert AuditEvent.objects.for_merchant(merchant_a).filter(actor=None).count() == 2


def test_create_api_key_refuses_an_unknown_merchant(db):
    with pytest.raises(CommandError, match="No merchant"):
        _run("create_api_key", "--merchant=nobody", "--shop=Main")


def test_create_api_key_refuses_an_archived_shop(merchant_a, shop_a2, owner_a):
    archive_shop(shop=shop_a2, actor=owner_a)

    with pytest.raises(CommandError, match="archived"):
        _run("create_api_key", "--merchant=aroma", "--shop=Station")

    assert not ApiKey.objects.exists()


# --- seed_demo -------------------------------------------------------------------------------
# The demo imports a year of the old till's history and records a year of sales through the
# real services, and takes seconds, so each test seeds once and checks everything it shows.

DEMO_HOMES = {
    "owner@example.com": ("/portal/", "Café Aroma"),
    "manager@example.com": ("/portal/", "Café Aroma"),
    "cashier@example.com": ("/pos/", "You are at Old Town"),
}


@pytest.fixture
def small_demo(monkeypatch):
    # The full demo has 2,000 members with two years of history; a dozen show the same things.
    monkeypatch.setattr("loyalty.demo.points.DEMO_MEMBERS", 12)


def _counts() -> dict[str, int]:
    models = [Merchant, Shop, User, StaffMember, ApiKey, AuditEvent]
    return {model.__name__: model.objects.count() for model in models}


def test_seed_demo_creates_two_shops_and_three_people_who_sign_in_with_the_demo_password(
    db, small_demo
):
    output = _run("seed_demo")

    merchant = Merchant.objects.get(slug=DEMO_SLUG)
    assert "Created the demo merchant" in output
    assert sorted(merchant.shops.values_list("name", flat=True)) == ["Old Town", "Station"]
    roles = {s.user.email: (s.role, s.shop and s.shop.name) for s in merchant.staff.all()}
    assert roles == {
        "owner@example.com": (Role.OWNER, None),
        "manager@example.com": (Role.MANAGER, None),
        "cashier@example.com": (Role.CASHIER, "Old Town"),
    }
    assert DEMO_PASSWORD in output
    for login in DEMO_LOGINS:
        assert login.email in output
        home, text = DEMO_HOMES[login.email]
        client = Client()
        assert client.login(email=login.email, password=DEMO_PASSWORD), login.email
        answer = client.get("/start/", follow=True)
        assert answer.redirect_chain[-1][0] == home, login.email
        assert text in answer.content.decode(), login.email


def test_seed_demo_history_reconciles_with_the_ledger(db, small_demo):
    _run("seed_demo")

    merchant = Merchant.objects.get(slug=DEMO_SLUG)
    assert merchant.members.count() == 12
    assert merchant.purchases.filter(member__isnull=False).count() > 12
    assert merchant.tiers.count() == 3
    assert "Every member's caches match the ledger." in _run(
        "reconcile_points", "--merchant", "demo"
    )


def test_seed_demo_runs_once(db, small_demo):
    _run("seed_demo")
    before = _counts()

    output = _run("seed_demo")

    assert "exists already" in output
    assert _counts() == before


# seed_demo creates known passwords and a published till key: never on a production server by
# accident. Under pytest (settings.TESTING) it runs as in development, like the dev secret key.


def test_seed_demo_refuses_to_run_with_debug_off(db, settings, small_demo):
    settings.DEBUG = False
    settings.TESTING = False

    with pytest.raises(CommandError, match="DEBUG is off") as refused:
        _run("seed_demo")

    assert "--force" in str(refused.value)
    assert not Merchant.objects.filter(slug=DEMO_SLUG).exists()
    assert not ApiKey.objects.exists()


def test_seed_demo_runs_with_debug_off_when_forced(db, settings, small_demo):
    settings.DEBUG = False
    settings.TESTING = False

    output = _run("seed_demo", "--force")

    assert "Created the demo merchant" in output
    assert Merchant.objects.filter(slug=DEMO_SLUG).exists()


def test_seed_demo_runs_with_debug_on(db, settings, small_demo):
    settings.DEBUG = True
    settings.TESTING = False

    assert "Created the demo merchant" in _run("seed_demo")

"""The demo merchant: what `manage.py seed_demo` creates so that every page looks alive.

Each part of Fidela adds its own step with register_demo_step; `seed_demo` runs them in order, once.
"""

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.db import transaction

from loyalty.analytics.cohorts import rebuild_cohorts
from loyalty.analytics.rollups import rebuild
from loyalty.analytics.scores import score_members
from loyalty.api.demo import seed_demo_key
from loyalty.demo.points import seed_points
from loyalty.models import Merchant, Role, Shop, StaffMember, User
from loyalty.models.points import Tier
from loyalty.tenancy.services import create_api_key, create_merchant, create_shop

DEMO_SLUG = "demo"
# The default tiers' names in the demo's other languages (it writes English, its default).
TIER_WORDS = {
    "Bronze": {"ro": {"name": "Bronz"}, "ru": {"name": "Бронза"}},
    "Silver": {"ro": {"name": "Argint"}, "ru": {"name": "Серебро"}},  # noqa: RUF001 (Cyrillic on purpose)
    "Gold": {"ro": {"name": "Aur"}, "ru": {"name": "Золото"}},
}
DEMO_PASSWORD = "fidela-demo"


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    password: str = DEMO_PASSWORD


DEMO_LOGINS = [
    DemoLogin("owner", "owner@example.com"),
    DemoLogin("manager", "manager@example.com"),
    DemoLogin("cashier", "cashier@example.com"),
]


def _user(email: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=DEMO_PASSWORD)
        EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
    return user


def seed_tenancy() -> Merchant:
    owner = _user(DEMO_LOGINS[0].email)
    merchant = create_merchant(
        owner=owner,
        name="Café Aroma",
        slug=DEMO_SLUG,
        currency="EUR",
        timezone_name="Europe/Bucharest",
        shop_name="Old Town",
        shop_address="Strada Covaci 6, Bucharest",
    )
    merchant.brand_color = "#9a3412"
    # The join page links it beside the consent boxes (example.com: a demo address, not a page).
    merchant.privacy_notice_url = "https://cafe-aroma.example.com/privacy"
    merchant.save(update_fields=["brand_color", "privacy_notice_url"])
    for name, words in TIER_WORDS.items():
        Tier.objects.for_merchant(merchant).filter(name=name).update(translations=words)
    station = create_shop(
        merchant=merchant, actor=owner, name="Station", address="Piața Gării de Nord 1, Bucharest"
    )
    old_town = Shop.objects.get(merchant=merchant, name="Old Town")
    StaffMember.objects.create(
        merchant=merchant, user=_user(DEMO_LOGINS[1].email), role=Role.MANAGER
    )
    StaffMember.objects.create(
        merchant=merchant, user=_user(DEMO_LOGINS[2].email), role=Role.CASHIER, shop=old_town
    )
    create_api_key(merchant=merchant, shop=station, actor=owner, name="Station till")
    return merchant


def _seed_points(merchant: Merchant, stdout=None) -> None:

    seed_points(merchant, stdout=stdout)


def _seed_statistics(merchant: Merchant, stdout=None) -> None:
    # After every step (the rewards' redemptions too): the history import writes no outbox
    # event and the demo's sales are backdated, so the daily statistics of the two years are
    # rebuilt from the raw rows, and the monthly cohorts with them, as `manage.py rebuild_stats`
    # does.
    done = rebuild(merchant)
    cohorts = rebuild_cohorts(merchant)
    if stdout is not None:
        stdout.write(
            f"  Daily statistics for {done.days} days, from {done.first_day} to {done.last_day}, "
            f"and {cohorts} cohort figures (Portal → Insights)."
        )


def _seed_scores(merchant: Merchant, stdout=None) -> None:
    # Runs after the rewards' step too (seed_demo runs the registered steps first, then this),
    # so that the "Members at risk" page has real demo members on it.
    done = score_members(merchant)
    if stdout is not None and done.scored:
        stdout.write(f"  CLV scores for {done.scored} members (Portal → Members at risk).")


def _seed_api_key(merchant: Merchant, stdout=None) -> None:

    seed_demo_key(merchant, stdout=stdout)


# Steps run in order on the new demo merchant; later parts of Fidela append theirs.
DEMO_STEPS: list = [_seed_points, _seed_api_key]


def register_demo_step(step) -> None:
    """Add `step(merchant, stdout=None)` to what seed_demo does to the new demo merchant."""
    if step not in DEMO_STEPS:
        DEMO_STEPS.append(step)


# Steps that need the statistics and the members' scores (a win-back on members at risk).
DEMO_FINISHING_STEPS: list = []


def register_demo_finishing_step(step) -> None:
    """Add `step(merchant, stdout=None)` to run after the statistics and the scores."""
    if step not in DEMO_FINISHING_STEPS:
        DEMO_FINISHING_STEPS.append(step)


def seed_demo(stdout=None) -> tuple[Merchant, bool]:
    """Create the demo merchant once. Returns it and whether it was created now."""
    existing = Merchant.objects.filter(slug=DEMO_SLUG).first()
    if existing is not None:
        return existing, False
    # Not one transaction: the steps call the services, whose outermost transactions are
    # durable. A failed seed leaves a partial demo; `make clean` starts over.
    with transaction.atomic():
        merchant = seed_tenancy()
    for step in DEMO_STEPS:
        step(merchant, stdout=stdout)
    _seed_statistics(merchant, stdout=stdout)
    _seed_scores(merchant, stdout=stdout)
    for step in DEMO_FINISHING_STEPS:
        step(merchant, stdout=stdout)
    return merchant, True

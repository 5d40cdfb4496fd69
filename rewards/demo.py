"""Demo data for rewards: the sample catalogue plus two more, and a few weeks of redemptions.

Through the real services with the clock at each moment, so vouchers, the ledger and the
stock are what real use would have left, and `reconcile_points` still passes.
"""

import random
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone, translation

from loyalty.clock import local_today
from loyalty.errors import DomainError
from loyalty.models import Merchant, Shop
from loyalty.models.points import Purchase
from loyalty.money import format_money, format_percent
from loyalty.points.purchases import record_purchase
from members.models import Member
from rewards import queries, services
from rewards.catalogue import save_reward
from rewards.challenges import save_badge, save_challenge
from rewards.clubs import save_club, save_perk
from rewards.engagement.challenges import count_sale_challenges
from rewards.engagement.stamps import count_sale_stamps
from rewards.engagement.streaks import count_visit
from rewards.models import (
    BadgeIcon,
    Challenge,
    ChallengeCompletion,
    ChallengeKind,
    LimitPeriod,
    MemberCard,
    Reward,
    RewardKind,
    StampCard,
    StampEarnOn,
    StreakPeriod,
    StreakProgram,
    StreakReward,
)
from rewards.stamp_cards import save_stamp_card
from rewards.streak_programs import save_streak_program

REDEEMERS = 80

# The demo café's words in the languages besides its own (English, the demo merchant's default):
# what a café in Chișinău or Bucharest would write on its menu board, kept on each object's
# `translations` as a merchant gives them in the portal (loyalty.content).
WORDS = {
    "coffee_card": {"ro": {"name": "Cardul de cafea"}, "ru": {"name": "Кофейная карта"}},
    "club": {"ro": {"name": "Clubul Aroma"}, "ru": {"name": "Клуб Aroma"}},
    "club_perk": {
        "ro": {"name": "O cafea gratuită pe zi"},
        "ru": {"name": "Одна бесплатная чашка кофе в день"},
    },
    "on_fire": {
        "ro": {"name": "În flăcări", "description": "Opt săptămâni la rând."},
        "ru": {"name": "В ударе", "description": "Восемь недель подряд."},  # noqa: RUF001
    },
    "streak": {
        "ro": {"name": "Vino 4 săptămâni la rând"},
        "ru": {"name": "Приходите 4 недели подряд"},
    },
    "regular": {
        "ro": {"name": "Client fidel", "description": "Trei vizite în două luni."},
        "ru": {"name": "Постоянный гость", "description": "Три визита за два месяца."},
    },
    "visits": {
        "ro": {
            "name": "Vino de 3 ori în 60 de zile",
            "description": "Treci pe la noi în trei zile diferite, în 60 de zile: 100 de puncte.",
        },
        "ru": {
            "name": "Придите 3 раза за 60 дней",
            "description": "Загляните к нам в три разных дня за 60 дней: 100 баллов.",
        },
    },
    "pastry": {
        "ro": {
            "name": "Gustă o prăjitură",
            "description": "Prima ta prăjitură de la vitrina noastră: 50 de puncte.",
        },
        "ru": {
            "name": "Попробуйте выпечку",
            "description": "Ваша первая выпечка с нашей витрины: 50 баллов.",  # noqa: RUF001
        },
    },
}


def reward_words(merchant: Merchant) -> dict[str, dict[str, dict[str, str]]]:
    """The demo's rewards in Romanian and Russian, by kind (each kind is one reward of the demo:
    the three samples every merchant starts with and the demo's two), with the amounts written
    as each language writes them."""

    def money(amount: int, language: str) -> str:
        return format_money(amount, merchant, places=0, language=language)

    def percent(value: int, language: str) -> str:
        with translation.override(language):
            return format_percent(value)

    return {
        RewardKind.FREE_ITEM: {
            "ro": {
                "name": "Cafea gratuită",
                "description": "Orice cafea din meniu, din partea casei.",
            },
            "ru": {"name": "Бесплатный кофе", "description": "Любой кофе из меню за наш счёт."},
        },
        RewardKind.AMOUNT_OFF: {
            "ro": {
                "name": f"{money(5, 'ro')} reducere la următoarea cumpărătură",
                "description": f"La o cumpărătură de cel puțin {money(15, 'ro')}.",
            },
            "ru": {
                "name": f"Скидка {money(5, 'ru')} на следующую покупку",
                "description": f"При покупке от {money(15, 'ru')}.",
            },
        },
        RewardKind.PERCENT_OFF: {
            "ro": {
                "name": f"{percent(15, 'ro')} reducere la o cumpărătură",
                "description": f"Reducere de până la {money(15, 'ro')}.",
            },
            "ru": {
                "name": f"Скидка {percent(15, 'ru')} на одну покупку",
                "description": f"Скидка до {money(15, 'ru')}.",
            },
        },
        RewardKind.PERK: {
            "ro": {
                "name": "Seară de degustare VIP",
                "description": (
                    "Boabele noi ale prăjitorului nostru, cu patiserie, în ultima vineri a lunii."
                ),
            },
            "ru": {
                "name": "VIP-дегустация",
                "description": (
                    "Новые зёрна нашего обжарщика и выпечка — в последнюю пятницу месяца."
                ),
            },
        },
        RewardKind.STORE_CREDIT: {
            "ro": {
                "name": f"Card cadou de {money(10, 'ro')}",
                "description": "Credit în cafenea pentru tine sau un prieten. Unul pe lună.",
            },
            "ru": {
                "name": f"Подарочная карта на {money(10, 'ru')}",
                "description": "Деньги на покупки для вас или друга. Одна в месяц.",
            },
        },
    }


def _give_words(obj, key: str) -> None:
    # Set on the object as the portal's form would; the saving services keep what they save.
    type(obj).objects.filter(pk=obj.pk).update(translations=WORDS[key])
    obj.translations = WORDS[key]


def seed_rewards(merchant: Merchant, stdout=None) -> None:
    rng = random.Random(20261124)  # noqa: S311 - the same demo every time, not a secret
    gold = merchant.tiers.filter(name="Gold").first()
    gift = format_money(10, merchant, places=0, language="en")  # the demo's names are English
    words = reward_words(merchant)
    for reward in (
        Reward(
            merchant=merchant,
            name="VIP tasting evening",
            description="Our roaster's new beans, with pastries, on the last Friday of the month.",
            kind=RewardKind.PERK,
            value=Decimal("25.00"),
            points_cost=2000,
            min_tier=gold,
            stock=20,
            translations=words[RewardKind.PERK],
        ),
        Reward(
            merchant=merchant,
            name=f"{gift} gift card",
            description="Store credit for you or a friend. One a month.",
            kind=RewardKind.STORE_CREDIT,
            value=Decimal("10.00"),
            points_cost=1000,
            limit_per_member=1,
            limit_period=LimitPeriod.MONTH,
            translations=words[RewardKind.STORE_CREDIT],
        ),
    ):
        save_reward(reward=reward, actor=None)
    # The samples every merchant starts with, one of each kind, in the demo's other languages.
    for kind in (RewardKind.FREE_ITEM, RewardKind.AMOUNT_OFF, RewardKind.PERCENT_OFF):
        Reward.objects.for_merchant(merchant).filter(kind=kind).update(translations=words[kind])
    catalogue = list(Reward.objects.for_merchant(merchant).order_by("points_cost"))
    shops = list(Shop.objects.for_merchant(merchant).active())
    now = timezone.now()
    rich = list(
        Member.objects.for_merchant(merchant)
        .filter(points_balance__gte=catalogue[0].points_cost)
        .order_by("-points_balance")[:REDEEMERS]
    )
    issued = used = 0
    for member in rich:
        affordable = [r for r in catalogue if r.points_cost <= member.points_balance]
        reward = rng.choice(affordable)
        moment = now - timedelta(days=rng.randint(1, 25), hours=rng.randint(0, 8))
        try:
            voucher = services.redeem_reward(member=member, reward=reward, now=moment)
        except DomainError:
            continue  # the tier or the stock said no, as it would at the till
        issued += 1
        if rng.random() < 0.6:
            services.use_voucher(
                code=voucher.code,
                shop=rng.choice(shops),
                now=moment + timedelta(hours=rng.randint(1, 72)),
            )
            used += 1
    if stdout is not None:
        stdout.write(f"  {len(catalogue)} rewards, {issued} vouchers redeemed ({used} used).")


def redeem_at_visit(
    *, member: Member, balance: int, shop: Shop, rng: random.Random, now: datetime
) -> None:
    """A regular of the demo's year spends points on a reward they can afford, at the till.

    Registered with loyalty.demo.points.register_demo_redeemer: the points demo calls it at a visit,
    with the clock at that moment, so redemptions run through redeem_reward like real ones.
    """
    affordable = [
        reward
        for reward in queries.active_rewards(member.merchant, now=now)
        if reward.points_cost <= balance
    ]
    if not affordable:
        return
    voucher = services.redeem_reward(
        member=member, reward=rng.choice(affordable), shop=shop, now=now
    )
    if rng.random() < 0.7:
        services.use_voucher(code=voucher.code, shop=shop, now=now + timedelta(minutes=2))


def replay_sales(merchant: Merchant, start, hook) -> None:
    """The members' sales recorded since `start` handed to a sale hook (a stamp card's, the
    challenges') at each sale's moment, in the order they were recorded, as the till did."""
    sales = (
        Purchase.objects.filter(
            merchant=merchant,
            member__isnull=False,
            reversed_at__isnull=True,
            recorded_at__gte=start,
        )
        .select_related("member__merchant", "shop")
        .order_by("recorded_at", "pk")
    )
    for sale in sales.iterator(chunk_size=500):
        with transaction.atomic():
            hook(
                purchase=sale,
                member=sale.member,
                shop=sale.shop,
                items=sale.items,
                actor=None,
                now=sale.recorded_at,
            )


STAMP_DAYS = 120  # the coffee card started four months before the demo's today


def seed_stamp_cards(merchant: Merchant, stdout=None) -> None:
    """The café's coffee card ("buy nine coffees, the tenth is free"), started four months ago:
    the members' sales with coffee since then counted through the stamp engine's own sale hook,
    at each sale's moment, so some cards are full and their vouchers issued."""
    coffee = Reward.objects.for_merchant(merchant).filter(kind=RewardKind.FREE_ITEM).first()
    if coffee is None:
        return
    start = timezone.now() - timedelta(days=STAMP_DAYS)
    card = save_stamp_card(
        merchant=merchant,
        actor=None,
        name="Coffee card",
        earn_on=StampEarnOn.ITEM,
        categories=["coffee"],
        per_item=False,
        stamps_needed=10,
        reward=coffee,
        item_word="coffees",
        restart=True,
    )
    _give_words(card, "coffee_card")
    StampCard.objects.filter(pk=card.pk).update(created_at=start)
    replay_sales(merchant, start, count_sale_stamps)
    if stdout is not None:
        filled = MemberCard.objects.filter(card=card, filled_at__isnull=False).count()
        stdout.write(f"  a coffee stamp card, {filled} cards filled.")


CLUB_MEMBERS = 6  # the regulars who bought a year of the club


def seed_club(merchant: Merchant, stdout=None) -> None:
    """The café's "Club": 49 a year (lei at a Romanian café), 1.5x the points and one free
    coffee a day. A few regulars bought it at the till in the last months, as a sale with the
    club's product on the receipt, counted by the club's own sale hook; one of them soon ends."""
    club = save_club(
        merchant=merchant,
        actor=None,
        name="Club",
        sku="club-year",
        price=Decimal("49.00"),
        term_days=365,
        multiplier=Decimal("1.5"),
        notice_days=14,
        active=True,
    )
    _give_words(club, "club")
    perk = save_perk(club=club, actor=None, name="One free coffee a day", period="day", uses=1)
    _give_words(perk, "club_perk")
    shop = Shop.objects.for_merchant(merchant).filter(archived_at__isnull=True).first()
    regulars = (
        Member.objects.for_merchant(merchant)
        .filter(status="active", purchase_count__gt=0)
        .order_by("-purchase_count", "pk")[:CLUB_MEMBERS]
    )
    now = timezone.now()
    line = {
        "sku": "CLUB-YEAR",
        "name": "Club (a year)",
        "category": "club",
        "quantity": 1,
        "unit_price": "49.00",
    }
    for index, member in enumerate(regulars):
        days_ago = 355 if index == 0 else 20 + 30 * index  # the first is due for renewal soon
        record_purchase(
            shop=shop,
            member=member,
            external_id=f"DEMO-CLUB-{member.pk}",
            amount=Decimal("49.00"),
            items=[line],
            occurred_at=now - timedelta(days=days_ago),
        )
    if stdout is not None:
        stdout.write(f"  a paid club with {club.memberships.count()} members.")


STREAK_WEEKS = 20  # the weekly streak started twenty weeks before the demo's today


def seed_streaks(merchant: Merchant, stdout=None) -> None:
    """The café's "visit 4 weeks in a row" streak (4, 8 and 12 weeks pay points), started twenty
    weeks ago: the members' sales since then counted through the streak engine at each sale's
    moment, in the order they happened, so the regulars have streaks and milestones paid."""
    start = timezone.now() - timedelta(weeks=STREAK_WEEKS)
    on_fire = save_badge(
        merchant=merchant,
        actor=None,
        name="On fire",
        icon=BadgeIcon.FIRE,
        description="Eight weeks in a row.",
        active=True,
    )
    _give_words(on_fire, "on_fire")
    program = save_streak_program(
        merchant=merchant,
        actor=None,
        milestones={4: 100, 8: 250, 12: 500},
        name="Visit 4 weeks in a row",
        period=StreakPeriod.WEEK,
        grace=True,
        badge=on_fire,
        badge_at=8,
    )
    _give_words(program, "streak")
    StreakProgram.objects.filter(pk=program.pk).update(started_at=start, created_at=start)
    program.started_at = start
    sales = (
        Purchase.objects.filter(
            merchant=merchant,
            member__isnull=False,
            reversed_at__isnull=True,
            occurred_at__gte=start,
        )
        .select_related("member__merchant")
        .order_by("occurred_at", "pk")
    )
    for sale in sales.iterator(chunk_size=500):
        with transaction.atomic():
            count_visit(program=program, member=sale.member, purchase=sale, now=sale.recorded_at)
    if stdout is not None:
        paid = StreakReward.objects.filter(member_streak__program=program).count()
        stdout.write(f"  a weekly visit streak, {paid} milestones paid.")


CHALLENGE_DAYS = 120  # the challenges started four months before the demo's today


def seed_challenges(merchant: Merchant, stdout=None) -> None:
    """Two challenges started four months ago, "Visit 3 times in 60 days" (100 points and the
    Regular badge; the demo's customers come a few times a year, not weekly) and a hidden "Try
    a pastry" (50 points), with the members' sales since counted through the challenge engine's
    own sale hook at each sale's moment."""
    start = timezone.now() - timedelta(days=CHALLENGE_DAYS)
    regular = save_badge(
        merchant=merchant,
        actor=None,
        name="Regular",
        icon=BadgeIcon.COFFEE,
        description="Three visits in two months.",
        active=True,
    )
    _give_words(regular, "regular")
    common = {"merchant": merchant, "actor": None, "starts_on": local_today(merchant, start)}
    visits = save_challenge(
        **common,
        name="Visit 3 times in 60 days",
        description="Come by on three days within 60 days: 100 points.",
        kind=ChallengeKind.VISITS,
        goal_count=3,
        window_days=60,
        reward_points=100,
        badge=regular,
        limit_per_member=1,
        points_budget=50000,
    )
    pastry = save_challenge(
        **common,
        name="Try a pastry",
        description="Your first pastry from our counter: 50 points.",
        kind=ChallengeKind.NEW_CATEGORY,
        categories=["pastries"],
        reward_points=50,
        hidden=True,
    )
    _give_words(visits, "visits")
    _give_words(pastry, "pastry")
    Challenge.objects.filter(pk__in=[visits.pk, pastry.pk]).update(created_at=start)
    replay_sales(merchant, start, count_sale_challenges)
    if stdout is not None:
        done = ChallengeCompletion.objects.filter(merchant=merchant).count()
        stdout.write(f"  two challenges, {done} completions.")

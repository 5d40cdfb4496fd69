"""The data of `insights.py`: two years of a large merchant, written with plain SQL on PostgreSQL.

Every row goes into the migrated tables (the real indexes and check constraints), through
`INSERT … SELECT … FROM generate_series` in the database: nothing is built row by row in
Python. What the rows are, for `--members` M and `--purchases` P:

- the merchant, its program, tiers, sample rewards and first shop come from
  `loyalty.tenancy.services.create_merchant`; two more shops are added (three in all); the
  program's points expire after 12 months without a purchase;
- M members joining evenly over the two years, each with a valid unique card number (nine
  digits, the first not 0, and the Luhn check digit, as `members.models.new_card_number`
  makes them), an email, a home shop and a time they stop coming (exponential, mean ~19 months,
  so some churn);
- about 80% of P purchases belong to members: each member's count is drawn in proportion to
  the time they stay and a random appetite, and their purchases fall between their joining
  and their leaving, 80% at their home shop; the other purchases are anonymous, spread over
  the two years and the three shops. Amounts 1-60 (most under 15), times to the second. The
  table is written in time order, as a real one grows (the rows leave the window function
  sorted by time; the ledger's earn entries follow the purchases' physical order);
- an earn entry in the ledger for each member purchase (1 point per unit, rounded down);
- a voucher for every third member who earned 500 points or more (the sample "5 off" reward,
  500 points, a redeem entry); 70% of them used three days later, the others expired or live;
- the points of members whose last purchase is more than 12 months old expire 12 months
  after it (expire entries);
- the members' caches from those rows: purchase count, lifetime spend and points, first and
  last purchase, balance (earned - redeemed - expired), tier by the spend of the last 12
  months (thresholds of the merchant's tiers), and one released lot holding each positive
  balance, expiring 12 months after the last purchase.

Simplified, so `reconcile_points` is not the point here: tier multipliers are ignored (1 point
per unit for everyone), a member's whole balance is one lot (real lots are one per earn entry),
a redemption happens at 60% of the way from the first to the last purchase whether or not the
balance was there then, and there are no refunds, reversals, bonuses or staff enrolments.

Foreign keys are not checked row by row during the load (`session_replication_role =
replica` for the transaction; the ids are computed, so they hold by construction); check
constraints and unique indexes are.
"""

import time
from contextlib import contextmanager
from datetime import datetime, timedelta

SLUG = "insights-bench"
OWNER_EMAIL = "insights-bench-owner@example.com"
SHOP_NAMES = ("Centre", "Station", "Market")
DAYS = 730
ANONYMOUS_SHARE = 0.2
REDEEM_COST = 500
SEED = 0.2026


@contextmanager
def step(label: str, timings: list):
    """Print how long a step took, and keep it for the summary."""
    print(f"  {label} ...", end="", flush=True)
    started = time.perf_counter()
    yield
    took = time.perf_counter() - started
    timings.append((label, took))
    print(f" {took:.1f} s", flush=True)


def _sequence_block(cursor, table: str, count: int) -> int:
    """Reserve `count` ids of the table's sequence; return the id just before the block."""
    cursor.execute(f"SELECT pg_get_serial_sequence('{table}', 'id')")
    sequence = cursor.fetchone()[0]
    cursor.execute("SELECT nextval(%s)", [sequence])
    base = cursor.fetchone()[0]
    cursor.execute("SELECT setval(%s, %s)", [sequence, base + count + 1])
    return base


def create_bench_merchant():
    """The merchant through the onboarding service, with three shops and expiring points."""
    from loyalty.models import Program, Shop, User
    from loyalty.models.points import ExpiryMode
    from loyalty.tenancy.services import create_merchant

    owner = User.objects.filter(email=OWNER_EMAIL).first()
    if owner is None:
        owner = User.objects.create_user(email=OWNER_EMAIL)
        owner.set_unusable_password()
        owner.save(update_fields=["password"])
    merchant = create_merchant(
        owner=owner, name="Insights bench", slug=SLUG, shop_name=SHOP_NAMES[0]
    )
    for name in SHOP_NAMES[1:]:
        Shop.objects.create(merchant=merchant, name=name)
    Program.objects.filter(merchant=merchant).update(
        expiry_mode=ExpiryMode.INACTIVITY, expiry_months=12
    )
    return merchant


def luhn_sql(body: str) -> str:
    """SQL for the card number of a nine-digit bigint `body`: the body and its Luhn check digit,
    in integer arithmetic (no function call per row). From the right, every other digit is
    doubled, and a doubled digit counts as the sum of its digits (2d % 10 + 2d / 10)."""
    terms = []
    for i in range(9):
        digit = f"(({body}) / {10**i} %% 10)"
        terms.append(f"((2 * {digit}) %% 10 + (2 * {digit}) / 10)" if i % 2 == 0 else digit)
    return f"(({body})::text || ((10 - ({' + '.join(terms)}) %% 10) %% 10)::text)"


def tier_sql(tiers: list[tuple[int, object]], spend: str) -> str:
    """SQL for the tier of a member who spent `spend` in the last 12 months (the thresholds of
    the merchant's tiers, highest first)."""
    cases = " ".join(
        f"WHEN {spend} >= {threshold} THEN {pk}"
        for pk, threshold in sorted(tiers, key=lambda tier: tier[1], reverse=True)
    )
    return f"CASE {cases} END" if tiers else "NULL"


# Members as numbers 1..M: joining time, leaving time, home shop, spend factor, purchase count.
BENCH_MEMBERS = """
CREATE TEMP TABLE bench_m ON COMMIT DROP AS
SELECT k, joined, least(%(now)s, joined + make_interval(secs => life)) AS until, home, factor,
       weight
FROM (
  SELECT k,
         %(start)s + make_interval(secs => (k - 1)::float8 * %(span)s / %(members)s) AS joined,
         %(span)s * 0.8 * -ln(1 - random()) AS life,
         (%(shops)s::bigint[])[1 + floor(random() * 3)::int] AS home,
         (0.5 + random())::numeric AS factor,
         -ln(1 - random()) AS weight
  FROM generate_series(1, %(members)s) AS k
) AS m
"""

# Each member's count, in proportion to the time they stay times their appetite; rounded at
# random so the counts add up to about the members' share of the purchases.
BENCH_COUNTS = """
CREATE TEMP TABLE bench_c ON COMMIT DROP AS
SELECT m.*, floor(
         extract(epoch FROM (until - joined)) * weight / total.w * %(member_purchases)s
         + random())::int AS c
FROM bench_m AS m,
     (SELECT sum(extract(epoch FROM (until - joined)) * weight) AS w FROM bench_m) AS total
"""

PURCHASES = """
INSERT INTO loyalty_purchase (
  id, external_id, amount, currency, occurred_at, recorded_at, items, eligible_amount,
  points_earned, breakdown, refunded_amount, points_clawed_back, flags, member_id, merchant_id,
  shop_id, points_basis_amount)
SELECT %(base)s + n, 'b' || lpad(n::text, 9, '0'), amount, %(currency)s, at, at, '[]', amount,
       CASE WHEN member_id IS NULL THEN 0 ELSE floor(amount)::int END, '[]', 0, 0, '[]',
       member_id, %(merchant)s, shop,
       CASE WHEN member_id IS NULL THEN NULL ELSE amount END
FROM (
  SELECT row_number() OVER (ORDER BY at) AS n, *
  FROM (
    SELECT %(member_base)s + c.k AS member_id,
           c.joined + (c.until - c.joined) * random() AS at,
           greatest(1.00, round((1 + 39 * random() ^ 2)::numeric * c.factor, 2)) AS amount,
           CASE WHEN random() < 0.8 THEN c.home
                ELSE (%(shops)s::bigint[])[1 + floor(random() * 3)::int] END AS shop
    FROM bench_c AS c, generate_series(1, c.c) AS i
    UNION ALL
    SELECT NULL, %(start)s + (%(now)s - %(start)s) * random(),
           greatest(1.00, round((1 + 39 * random() ^ 2)::numeric, 2)),
           (%(shops)s::bigint[])[1 + floor(random() * 3)::int]
    FROM generate_series(1, greatest(0, %(purchases)s - (SELECT sum(c) FROM bench_c)))
  ) AS raw
) AS numbered
"""

STATS = """
CREATE TEMP TABLE bench_s ON COMMIT DROP AS
SELECT member_id, count(*) AS c, sum(amount) AS spend,
       coalesce(sum(amount) FILTER (WHERE occurred_at >= %(year_ago)s), 0) AS spend_12m,
       min(occurred_at) AS first_at, max(occurred_at) AS last_at,
       sum(points_earned)::int AS earned, max(id) AS last_pid
FROM loyalty_purchase
WHERE merchant_id = %(merchant)s AND member_id IS NOT NULL
GROUP BY member_id
"""

# One voucher for every third member who earned enough; the ids of its entry and itself.
REDEMPTIONS = """
CREATE TEMP TABLE bench_r ON COMMIT DROP AS
SELECT member_id, at, row_number() OVER (ORDER BY at) AS i
FROM (SELECT member_id, first_at + (last_at - first_at) * 0.6 AS at
      FROM bench_s WHERE earned >= %(cost)s AND member_id %% 3 = 0) AS r
"""

EXPIRIES = """
CREATE TEMP TABLE bench_x ON COMMIT DROP AS
SELECT s.member_id, s.last_at + interval '12 months' AS at,
       s.earned - CASE WHEN r.member_id IS NULL THEN 0 ELSE %(cost)s END AS points,
       row_number() OVER (ORDER BY s.last_at) AS i
FROM bench_s AS s LEFT JOIN bench_r AS r ON r.member_id = s.member_id
WHERE s.last_at < %(year_ago)s
  AND s.earned - CASE WHEN r.member_id IS NULL THEN 0 ELSE %(cost)s END > 0
"""

FIRST_NAMES = ["Ana", "Ion", "Maria", "Andrei", "Elena", "Mihai", "Ioana", "Radu", "Irina", "Dan"]
LAST_NAMES = ["Popescu", "Ionescu", "Stan", "Dumitru", "Marin", "Tudor", "Florea", "Lazar"]

MEMBERS = """
INSERT INTO members_member (
  id, card_number, email, phone, first_name, last_name, language, status, source, joined_at,
  points_balance, pending_points, lifetime_points, lifetime_spend, purchase_count,
  first_purchase_at, last_purchase_at, tier_since, enrolled_at_shop_id, merchant_id, tier_id,
  email_marketing, referral_code, sms_marketing, device_hash, external_ref)
SELECT %(base)s + m.k,
       {card},
       'member' || m.k || '@insights.bench.example', '',
       (%(first)s::text[])[1 + m.k %% %(n_first)s], (%(last)s::text[])[1 + m.k %% %(n_last)s],
       '', 'active', 'pos', m.joined,
       coalesce(s.earned, 0) - CASE WHEN r.member_id IS NULL THEN 0 ELSE %(cost)s END
         - coalesce(x.points, 0),
       0, coalesce(s.earned, 0), coalesce(s.spend, 0), coalesce(s.c, 0), s.first_at, s.last_at,
       m.joined, m.home, %(merchant)s,
       {tier},
       m.k %% 3 = 0, '', false, '', ''
FROM bench_m AS m
LEFT JOIN bench_s AS s ON s.member_id = %(base)s + m.k
LEFT JOIN bench_r AS r ON r.member_id = %(base)s + m.k
LEFT JOIN bench_x AS x ON x.member_id = %(base)s + m.k
ORDER BY m.k
"""

EARN_ENTRIES = """
INSERT INTO loyalty_pointsentry (
  id, kind, points, created_at, reference, reason, member_id, merchant_id, purchase_id)
SELECT %(base)s + (id - %(purchase_base)s), 'earn', points_earned, occurred_at, '', '',
       member_id, merchant_id, id
FROM loyalty_purchase
WHERE merchant_id = %(merchant)s AND member_id IS NOT NULL AND id > %(purchase_base)s
"""

OTHER_ENTRIES = """
INSERT INTO loyalty_pointsentry (
  id, kind, points, created_at, reference, reason, member_id, merchant_id)
SELECT %(redeem_base)s + i, 'redeem', -%(cost)s, at, 'voucher:' || (%(voucher_base)s + i), '',
       member_id, %(merchant)s
FROM bench_r
UNION ALL
SELECT %(expire_base)s + i, 'expire', -points, at, '', '', member_id, %(merchant)s
FROM bench_x
"""

VOUCHERS = """
INSERT INTO rewards_voucher (
  id, code, title, kind, value, item, min_purchase, points_cost, source, status, issued_at,
  expires_at, used_at, cancel_reason, issued_at_shop_id, member_id, merchant_id, redeem_entry_id,
  reward_id, used_shop_id, confirmation)
SELECT %(voucher_base)s + r.i, 'B' || lpad(r.i::text, 7, '0'), %(title)s, 'amount_off', 5.00, '',
       15.00, %(cost)s, 'redemption',
       CASE WHEN used THEN 'used'
            WHEN r.at + interval '90 days' < %(now)s THEN 'expired' ELSE 'issued' END,
       r.at, r.at + interval '90 days',
       CASE WHEN used THEN least(r.at + interval '3 days', %(now)s) END, '',
       m.enrolled_at_shop_id, r.member_id, %(merchant)s, %(redeem_base)s + r.i, %(reward)s,
       CASE WHEN used THEN m.enrolled_at_shop_id END, ''
FROM (SELECT *, i %% 10 < 7 AS used FROM bench_r) AS r
JOIN members_member AS m ON m.id = r.member_id
"""

LOTS = """
INSERT INTO loyalty_pointslot (
  points, remaining, created_at, available_at, released, expires_at, entry_id, member_id,
  merchant_id)
SELECT m.points_balance, m.points_balance, s.last_at, s.last_at, true,
       s.last_at + interval '12 months', %(entry_base)s + (s.last_pid - %(purchase_base)s),
       m.id, %(merchant)s
FROM members_member AS m JOIN bench_s AS s ON s.member_id = m.id
WHERE m.merchant_id = %(merchant)s AND m.points_balance > 0
ORDER BY m.id
"""


def generate(merchant, members: int, purchases: int, now: datetime, timings: list) -> None:
    """Fill the merchant's tables in one transaction (see the module's docstring)."""
    from django.db import connection, transaction

    from loyalty.models import Shop, Tier
    from rewards.models import Reward, RewardKind

    shops = list(Shop.objects.filter(merchant=merchant).order_by("pk").values_list("pk", flat=True))
    tiers = list(Tier.objects.filter(merchant=merchant).values_list("pk", "threshold"))
    reward = Reward.objects.filter(merchant=merchant, kind=RewardKind.AMOUNT_OFF).first()
    start = now - timedelta(days=DAYS)
    params = {
        "merchant": merchant.pk,
        "currency": merchant.currency,
        "now": now,
        "start": start,
        "year_ago": now - timedelta(days=365),
        "span": (now - start).total_seconds(),
        "members": members,
        "purchases": purchases,
        "member_purchases": round(purchases * (1 - ANONYMOUS_SHARE)),
        "shops": shops,
        "cost": REDEEM_COST,
        "reward": reward.pk if reward else None,
        "title": reward.name if reward else "5 off",
        "first": FIRST_NAMES,
        "n_first": len(FIRST_NAMES),
        "last": LAST_NAMES,
        "n_last": len(LAST_NAMES),
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        cursor.execute("SELECT setseed(%s)", [SEED])
        with step(f"members' plan ({members:,})", timings):
            cursor.execute(BENCH_MEMBERS, params)
            cursor.execute(BENCH_COUNTS, params)
        params["base"] = _sequence_block(cursor, "loyalty_purchase", purchases)
        params["purchase_base"] = params["base"]
        params["member_base"] = _sequence_block(cursor, "members_member", members)
        with step(f"purchases ({purchases:,})", timings):
            cursor.execute(PURCHASES, params)
        with step("members' figures, redemptions, expiries (temp tables)", timings):
            cursor.execute(STATS, params)
            cursor.execute("ANALYZE bench_s")
            cursor.execute(REDEMPTIONS, params)
            cursor.execute(EXPIRIES, params)
            cursor.execute("SELECT (SELECT count(*) FROM bench_r), (SELECT count(*) FROM bench_x)")
            redeemed, expired = cursor.fetchone()
        params["base"] = params["member_base"]
        with step(f"members ({members:,})", timings):
            card = luhn_sql("100000000 + (m.k * 7919::bigint) %% 900000000")
            tier = tier_sql(tiers, "coalesce(s.spend_12m, 0)")
            cursor.execute(MEMBERS.replace("{card}", card).replace("{tier}", tier), params)
        entry_base = _sequence_block(cursor, "loyalty_pointsentry", purchases + redeemed + expired)
        params.update(
            base=entry_base,
            entry_base=entry_base,
            redeem_base=entry_base + purchases,
            expire_base=entry_base + purchases + redeemed,
            voucher_base=_sequence_block(cursor, "rewards_voucher", redeemed),
        )
        with step("earn entries (one per member purchase)", timings):
            cursor.execute(EARN_ENTRIES, params)
            earned = cursor.rowcount
        with step(f"{redeemed:,} redemptions and {expired:,} expiries", timings):
            cursor.execute(OTHER_ENTRIES, params)
            cursor.execute(VOUCHERS, params)
        with step("lots (one per positive balance)", timings):
            cursor.execute(LOTS, params)
            lots = cursor.rowcount
    print(
        f"  = {members:,} members, {purchases:,} purchases, {earned:,} earn entries, "
        f"{redeemed:,} vouchers, {expired:,} expiries, {lots:,} lots"
    )
    with step("ANALYZE", timings), connection.cursor() as cursor:
        for table in (
            "loyalty_purchase",
            "members_member",
            "loyalty_pointsentry",
            "loyalty_pointslot",
            "rewards_voucher",
        ):
            cursor.execute(f"ANALYZE {table}")


def check_cards(merchant, sample: int = 2000) -> None:
    """The card numbers are what `new_card_number` makes: valid, ten digits, no leading 0."""
    from members.models import Member, is_valid_card_number

    cards = list(
        Member.objects.filter(merchant=merchant).values_list("card_number", flat=True)[:sample]
    )
    bad = [card for card in cards if not is_valid_card_number(card) or card[0] == "0"]
    if bad:
        raise SystemExit(f"bench/insights.py: invalid card numbers generated, e.g. {bad[:3]}")

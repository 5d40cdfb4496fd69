"""The count of a 5-rule segment on a large merchant (goal: at most 1 s at 1,000,000 members).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fidela_bench .venv/bin/python \\
        bench/campaigns_segments.py [--members 1000000] [--reuse]

Fills its own merchant (slug `segments-bench`) with plain SQL (`generate_series`, nothing row
by row in Python): members with balances, purchase counts, spend, last purchases over the last
400 days, tiers, consents and languages; a score for 80% of them (p_alive, predicted values),
an RFM row for 70%, one to three category affinities for 60% and a tag for 10%. Then it times
`campaigns.segments.rules.matching(...).count()` for three trees of five rules (all AND; an OR
group of related tables inside an AND; the count endpoint's page of the builder, through the
test client), prints the median of five warm runs, the member count and the query plan.
"""

import argparse
import os
import secrets
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SLUG = "segments-bench"
OWNER = "segments-bench@example.com"

AND_TREE = {
    "match": "all",
    "rules": [
        {"field": "points_balance", "op": "gte", "value": "100"},
        {"field": "days_since_last_purchase", "op": "lte", "value": 90},
        {"field": "consent", "op": "is", "value": "email"},
        {
            "field": "rfm_segment",
            "op": "in",
            "value": ["champions", "loyal", "potential_loyalists"],
        },
        {"field": "p_alive", "op": "gte", "value": "50"},
    ],
}
OR_TREE = {
    "match": "all",
    "rules": [
        {"field": "purchase_count", "op": "gte", "value": "3"},
        {"field": "average_basket", "op": "between", "value": ["5", "40"]},
        {
            "match": "any",
            "rules": [
                {"field": "tag", "op": "is", "value": "vip"},
                {"field": "category", "op": "in", "value": ["beans", "cake"]},
                {"field": "predicted_value_12m", "op": "gt", "value": "100"},
            ],
        },
    ],
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--reuse", action="store_true", help="keep a filled merchant")
    return parser.parse_args()


def setup() -> None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("DATABASE_URL must name a PostgreSQL database (the figures are PostgreSQL's).")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("SECRET_KEY", "bench-only-" + secrets.token_hex(24))
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)


FILL_SQL = [
    """
    INSERT INTO members_member (card_number, email, phone, first_name, last_name, language,
        status, source, joined_at, points_balance, pending_points, lifetime_points,
        lifetime_spend, purchase_count, last_purchase_at, merchant_id, tier_id,
        email_marketing, referral_code, sms_marketing, device_hash, external_ref)
    SELECT lpad(g::text, 10, '0'), 'sb' || g || '@example.com', '', 'Member', '',
        (ARRAY['en', 'ro', 'fr'])[1 + g %% 3], 'active', 'import',
        now() - random() * interval '800 days', (random() * 600)::int - 20, 0, 0,
        round((random() * 900)::numeric, 2), (random() * 30)::int,
        now() - random() * interval '400 days', %(merchant)s,
        (%(tiers)s::bigint[])[1 + g %% 3], random() < 0.4, '', random() < 0.2, '', ''
    FROM generate_series(1, %(members)s) g
    """,
    """
    INSERT INTO members_memberscore (merchant_id, member_id, as_of, p_alive,
        expected_purchases_90d, predicted_value_90d, predicted_value_12m, at_risk,
        lifetime_spend)
    SELECT merchant_id, id, current_date, random(), random() * 4,
        round((random() * 80)::numeric, 2), round((random() * 300)::numeric, 2), false, 0
    FROM members_member WHERE merchant_id = %(merchant)s AND random() < 0.8
    """,
    """
    INSERT INTO campaigns_memberrfm (merchant_id, member_id, recency_days, frequency, monetary,
        recency_score, frequency_score, monetary_score, segment, computed_on)
    SELECT merchant_id, id, 1, 1, 1, 3, 3, 3,
        (ARRAY['champions', 'loyal', 'potential_loyalists', 'at_risk', 'hibernating', 'lost',
               'new'])[1 + (random() * 6)::int], current_date
    FROM members_member WHERE merchant_id = %(merchant)s AND random() < 0.7
    """,
    """
    INSERT INTO campaigns_categoryaffinity (merchant_id, member_id, category, spend, share)
    SELECT DISTINCT ON (m.id, c.category) m.merchant_id, m.id, c.category, 10, 0.5
    FROM members_member m
    CROSS JOIN LATERAL (
        SELECT (ARRAY['coffee', 'beans', 'cake', 'tea', 'gifts'])[1 + (random() * 4)::int]
            AS category, k
        FROM generate_series(1, 1 + (m.id %% 3)::int) k
    ) c
    WHERE m.merchant_id = %(merchant)s AND m.id %% 5 < 3
    """,
    """
    INSERT INTO campaigns_membertag (merchant_id, member_id, tag, created_at)
    SELECT merchant_id, id, (ARRAY['vip', 'staff', 'wholesale'])[1 + id %% 3], now()
    FROM members_member WHERE merchant_id = %(merchant)s AND random() < 0.1
    """,
]
TABLES = (
    "members_member",
    "members_memberscore",
    "campaigns_memberrfm",
    "campaigns_categoryaffinity",
    "campaigns_membertag",
)


def fill(merchant, members: int) -> None:
    from django.db import connection, transaction

    from loyalty.models import Tier

    tiers = list(Tier.objects.for_merchant(merchant).values_list("pk", flat=True)[:3])
    params = {"merchant": merchant.pk, "members": members, "tiers": (tiers * 3)[:3]}
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in FILL_SQL:
            cursor.execute(sql, params)
            print(f"  {cursor.rowcount:>10,} rows  ({time.perf_counter() - started:.0f} s)")
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"VACUUM ANALYZE {table}")
    print(f"  filled in {time.perf_counter() - started:.0f} s")


def bench_merchant(args: argparse.Namespace):
    from django.db import connection

    from loyalty.models import Merchant, User
    from loyalty.tenancy.services import create_merchant
    from members.models import Member

    merchant = Merchant.objects.filter(slug=SLUG).first()
    if merchant is not None:
        have = Member.objects.filter(merchant=merchant).count()
        if args.reuse and have >= args.members:
            print(f"Reusing '{SLUG}' with {have:,} members.")
            return merchant
        print(f"Deleting the old '{SLUG}' ...")
        with connection.cursor() as cursor:
            for table in TABLES[::-1]:
                cursor.execute(f"DELETE FROM {table} WHERE merchant_id = %s", [merchant.pk])
        merchant.delete()
    owner = User.objects.filter(email=OWNER).first() or User.objects.create_user(email=OWNER)
    merchant = create_merchant(owner=owner, name="Segments bench", slug=SLUG, shop_name="One")
    print(f"Filling {args.members:,} members ...")
    fill(merchant, args.members)
    return merchant


def median_ms(step, runs: int = 5) -> float:
    step()  # warm
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        step()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def side_by_side_ms(steps: dict, runs: int = 7) -> dict[str, float]:
    """The median of each step, the steps run in turn (A B A B ...) so that the machine's load
    weighs on each alike."""
    times: dict[str, list[float]] = {name: [] for name in steps}
    for step in steps.values():
        step()  # warm
    for _ in range(runs):
        for name, step in steps.items():
            started = time.perf_counter()
            step()
            times[name].append((time.perf_counter() - started) * 1000)
    return {name: statistics.median(values) for name, values in times.items()}


def count_form(tree: dict) -> dict:
    """The builder's posted fields for a tree of rules and one level of groups."""
    data = {"r-kind": "group", "r-match": tree["match"]}

    def put(node: dict, path: str) -> None:
        if "rules" in node:
            data.update({f"{path}-kind": "group", f"{path}-match": node["match"]})
            for index, child in enumerate(node["rules"]):
                put(child, f"{path}-{index}")
            return
        value = node["value"]
        data.update({f"{path}-kind": "rule", f"{path}-field": node["field"]})
        data.update({f"{path}-was": node["field"], f"{path}-op": node["op"]})
        if node["op"] == "between":
            data.update({f"{path}-value": value[0], f"{path}-value2": value[1]})
        else:
            data[f"{path}-value"] = value

    for index, child in enumerate(tree["rules"]):
        put(child, f"r-{index}")
    return data


def main() -> None:
    args = parse_args()
    setup()
    from django.db import connection
    from django.test import Client

    from campaigns.segments.rules import matching
    from loyalty.models import User

    merchant = bench_merchant(args)
    for label, tree in (("5 rules, AND", AND_TREE), ("5 rules, an OR group", OR_TREE)):
        members = matching(merchant, tree)
        took = median_ms(lambda members=members: members.count())
        print(f"{label:>22}: {took:7.0f} ms, {members.count():,} members")
        with connection.cursor() as cursor:
            sql, params = members.order_by().values("pk").query.sql_with_params()
            cursor.execute("EXPLAIN (ANALYZE) SELECT COUNT(*) FROM (" + sql + ") q", params)
            plan = [row[0] for row in cursor.fetchall()]
        print("    " + "\n    ".join(line for line in plan if "->" in line or "Execution" in line))
    union, ored = matching(merchant, OR_TREE), matching(merchant, OR_TREE, union_groups=False)
    both = side_by_side_ms({"union": union.count, "ored": ored.count})
    print(
        f"{'the OR tree, in turn':>22}: {both['union']:7.0f} ms as one UNION of member ids, "
        f"{both['ored']:.0f} ms as ORed EXISTS (the earlier form); "
        f"{union.count():,} and {ored.count():,} members"
    )
    client = Client()
    client.force_login(User.objects.get(email=OWNER))
    data = count_form(AND_TREE)
    page_ms = median_ms(
        lambda: client.post("/portal/campaigns/segments/count/", data, HTTP_HOST="localhost")
    )
    print(f"{'count endpoint (AND)':>22}: {page_ms:7.0f} ms (the count and the first 20)")
    print(f"load average {os.getloadavg()}")


if __name__ == "__main__":
    main()

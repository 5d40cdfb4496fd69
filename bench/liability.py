"""Server time of the points liability (/portal/insights/liability/) on a large merchant.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fidela_bench .venv/bin/python \\
        bench/liability.py [--members 1000000] [--lots-per-member 2] [--days 1095] [--reuse]

Fills its own merchant (slug `liability-bench`) with plain SQL: members with balances (a few
negative), open lots expiring over the coming year with what is left of them, and one
`DailyStat` total row per day for `--days` days. These are the rows the page reads; no
purchases are made (the page reads none). Then, for each expiry rule (none, after earning,
inactivity), it times `loyalty.analytics.liability.liability` and the whole page through the
test client, prints the median of five warm runs and the plans of the two aggregates.
"""

import argparse
import os
import secrets
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SLUG = "liability-bench"
OWNER = "liability-bench@example.com"
PAGE = "/portal/insights/liability/"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--lots-per-member", type=int, default=2)
    parser.add_argument("--days", type=int, default=1095, help="days of statistics (3 years)")
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
    # Members: balances from -20 to 480, last purchases over the last 400 days.
    """
    INSERT INTO members_member (card_number, email, phone, first_name, last_name, language,
        status, source, joined_at, points_balance, pending_points, lifetime_points,
        lifetime_spend, purchase_count, last_purchase_at, merchant_id, email_marketing,
        referral_code, sms_marketing, device_hash, external_ref)
    SELECT lpad(g::text, 10, '0'), 'lb' || g || '@example.com', '', '', '', 'en', 'active',
        'import', now() - interval '800 days', (random() * 500)::int - 20,
        (random() < 0.05)::int * 10, 0, 0, 1,
        now() - random() * interval '400 days', %(merchant)s, false, '', false, '', ''
    FROM generate_series(1, %(members)s) g
    """,
    """
    INSERT INTO loyalty_pointsentry (kind, points, created_at, reference, reason, member_id,
        merchant_id)
    SELECT 'earn', 1 + (random() * 300)::int, now() - random() * interval '365 days', '', '',
        m.id, m.merchant_id
    FROM members_member m CROSS JOIN generate_series(1, %(lots)s)
    WHERE m.merchant_id = %(merchant)s
    """,
    """
    INSERT INTO loyalty_pointslot (merchant_id, member_id, entry_id, points, remaining,
        created_at, available_at, released, expires_at)
    SELECT e.merchant_id, e.member_id, e.id, e.points, (e.points * random())::int,
        e.created_at, e.created_at, true, e.created_at + interval '12 months'
    FROM loyalty_pointsentry e WHERE e.merchant_id = %(merchant)s
    """,
]


def fill(merchant, members: int, lots: int, days: int) -> None:
    from django.db import connection, transaction

    from loyalty.models import DailyStat

    started = time.perf_counter()
    params = {"merchant": merchant.pk, "members": members, "lots": lots}
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in FILL_SQL:
            cursor.execute(sql, params)
            print(f"  {cursor.rowcount:>10,} rows  ({time.perf_counter() - started:.0f} s)")
        cursor.execute(
            f"""
            INSERT INTO {DailyStat._meta.db_table} (merchant_id, shop_id, day, sales_members,
                sales_anonymous, revenue_members, revenue_anonymous, new_members,
                active_members, points_issued, points_redeemed, points_expired,
                points_clawed_back, points_adjusted, vouchers_issued, vouchers_issued_value,
                vouchers_used, vouchers_used_value, refunds, refunds_amount, computed_at)
            SELECT %(merchant)s, NULL, current_date - g, 0, 0, 0, 0, 0, 0, 9000, 5000, 1500,
                100, 0, 0, 0, 0, 0, 0, 0, now()
            FROM generate_series(0, %(days)s - 1) g
            """,
            {"merchant": merchant.pk, "days": days},
        )
    with connection.cursor() as cursor:
        for table in ("members_member", "loyalty_pointsentry", "loyalty_pointslot"):
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
            cursor.execute("ALTER TABLE loyalty_pointsentry DISABLE TRIGGER USER")
            for table in ("loyalty_pointslot", "loyalty_pointsentry", "loyalty_dailystat"):
                cursor.execute(f"DELETE FROM {table} WHERE merchant_id = %s", [merchant.pk])
            cursor.execute("ALTER TABLE loyalty_pointsentry ENABLE TRIGGER USER")
            cursor.execute("DELETE FROM members_member WHERE merchant_id = %s", [merchant.pk])
        merchant.delete()
    owner = User.objects.filter(email=OWNER).first() or User.objects.create_user(email=OWNER)
    merchant = create_merchant(owner=owner, name="Liability bench", slug=SLUG, shop_name="One")
    print(f"Filling {args.members:,} members, {args.lots_per_member} lots each ...")
    fill(merchant, args.members, args.lots_per_member, args.days)
    return merchant


def median_ms(step, runs: int = 5) -> float:
    step()  # warm
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        step()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    args = parse_args()
    setup()
    from django.db import connection
    from django.test import Client

    from loyalty.analytics.liability import liability
    from loyalty.models import User
    from loyalty.models.points import ExpiryMode

    merchant = bench_merchant(args)
    client = Client()
    client.force_login(User.objects.get(email=OWNER))
    program = merchant.program
    for mode in (ExpiryMode.NONE, ExpiryMode.AFTER_EARNING, ExpiryMode.INACTIVITY):
        program.expiry_mode = mode
        program.expiry_months = 12
        program.save()
        merchant.refresh_from_db()
        figures_ms = median_ms(lambda: liability(merchant))
        sqls: list[str] = []

        def keep(execute, sql, params, many, context, sqls=sqls):
            sqls.append(connection.ops.compose_sql(sql, params) if params else sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(keep):
            answer = client.get(PAGE, HTTP_HOST="localhost")
        assert answer.status_code == 200, answer.status_code
        page_ms = median_ms(lambda: client.get(PAGE, HTTP_HOST="localhost"))
        figures = liability(merchant)
        print(
            f"{mode:>13}: figures {figures_ms:6.0f} ms, page {page_ms:6.0f} ms, "
            f"{len(sqls)} queries; outstanding {figures.outstanding.points:,}, "
            f"expiring {[e.points for e in figures.expiring]}"
        )
        for sql in sqls:
            if ("members_member" in sql and "SUM" in sql) or "loyalty_pointslot" in sql:
                with connection.cursor() as cursor:
                    cursor.execute("EXPLAIN (ANALYZE) " + sql)
                    plan = [row[0] for row in cursor.fetchall()]
                shown = [line for line in plan if "->" in line or "Execution" in line]
                print("    " + "\n    ".join(shown))
    print(f"load average {os.getloadavg()}")


if __name__ == "__main__":
    main()

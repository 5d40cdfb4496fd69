"""Rows per second of the purchase history import (`manage.py import_purchases`), on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fidela_bench .venv/bin/python \\
        bench/history_import.py [--rows 50000] [--customers 3000] [--award-points]

Generates a CSV of `--rows` purchases of `--customers` customers over two years (two shops,
times of day, a third of the customers with an email, a fifth with a phone), then imports it
into its own merchant (slug `history-bench`, deleted and created again on every run) through
`members.services.history_import.import_history`, the command's service, and prints the rows
per second of: the check alone (a dry run), the import (new members through `enrol_in_bulk`,
purchases in bulk), and the same file again (nothing to add). It ends with
`reconcile_points` on the merchant, which must find no difference. Goal: 5,000 rows/s.

The database setup (DATABASE_URL, `--database-name`, creating and migrating the database,
deleting the bench merchant with plain SQL) is `bench/purchases.py`'s.
"""

import argparse
import random
import time
from datetime import date, timedelta

from purchases import configure_environment, delete_bench_merchant, ensure_database, setup_django

SLUG = "history-bench"
OWNER = "history-bench-owner@example.com"
SHOPS = ("Old Town", "Station")
GOAL = 5000


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Rows per second of the history import.")
    parser.add_argument("--rows", type=int, default=50_000, help="purchases in the file (50000)")
    parser.add_argument("--customers", type=int, default=3_000, help="customers (3000)")
    parser.add_argument(
        "--award-points", action="store_true", help="import with points (one sale at a time)"
    )
    parser.add_argument("--database-name", help="use this database instead of DATABASE_URL's")
    parser.add_argument("--seed", type=int, default=13)
    return parser.parse_args()


def history_csv(rows: int, customers: int, today: date, rng: random.Random) -> str:
    """A file as a till system exports it: one line per sale, customers known by number."""
    people = []
    for n in range(1, customers + 1):
        email = f"customer{n}@example.net" if rng.random() < 0.33 else ""
        phone = f"+40741{n:06d}" if rng.random() < 0.2 else ""
        people.append((f"K{n:06d}", email, phone))
    lines = ["customer_id,date,time,amount,shop,email,phone"]
    for _ in range(rows):
        customer_id, email, phone = rng.choice(people)
        day = today - timedelta(days=rng.randrange(1, 730))
        clock = f"{rng.randrange(7, 22):02d}:{rng.randrange(60):02d}"
        amount = f"{rng.randrange(150, 8000) / 100:.2f}"
        lines.append(f"{customer_id},{day},{clock},{amount},{rng.choice(SHOPS)},{email},{phone}")
    return "\n".join(lines) + "\n"


def fresh_merchant():
    from loyalty.models import Merchant, User
    from loyalty.tenancy.services import create_merchant, create_shop

    old = Merchant.objects.filter(slug=SLUG).first()
    if old is not None:
        delete_bench_merchant(old)
    owner = User.objects.filter(email=OWNER).first() or User.objects.create_user(
        email=OWNER, password=None
    )
    merchant = create_merchant(owner=owner, name="History bench", slug=SLUG, shop_name=SHOPS[0])
    create_shop(merchant=merchant, actor=owner, name=SHOPS[1])
    return merchant


def timed(label: str, rows: int, **kwargs):
    from members.services.history_import import import_history

    started = time.perf_counter()
    report = import_history(**kwargs)
    elapsed = time.perf_counter() - started
    print(f"{label:<26} {elapsed:7.2f} s  {rows / elapsed:9,.0f} rows/s   {report.counts()}")
    if not report.ok:
        raise SystemExit(f"the file has errors: {report.errors[:5]}")
    return rows / elapsed


def main() -> None:
    args = parse_args()
    ensure_database(configure_environment(args))
    setup_django()
    from django.db import connection

    from loyalty.clock import local_today
    from loyalty.points.reconcile import differences

    merchant = fresh_merchant()
    text = history_csv(args.rows, args.customers, local_today(merchant), random.Random(args.seed))
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
        # A database in use has its statistics; a bench database may have none yet.
        cursor.execute("ANALYZE")
    print(f"PostgreSQL {version}; {args.rows:,} rows, {args.customers:,} customers")
    options = {"merchant": merchant, "text": text, "award_points": args.award_points}
    timed("check only (dry run)", args.rows, dry_run=True, **options)
    rate = timed("import", args.rows, **options)
    timed("the same file again", args.rows, **options)
    found = sum(1 for _ in differences(merchant))
    print(f"reconcile_points: {found} differences")
    print(f"import: {rate:,.0f} rows/s (goal {GOAL:,}): {'met' if rate >= GOAL else 'missed'}")


if __name__ == "__main__":
    main()

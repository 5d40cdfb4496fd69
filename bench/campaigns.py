"""The campaigns' figures on a large merchant, on PostgreSQL: one function per measurement.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fidela_bench_campaigns \\
        .venv/bin/python bench/campaigns.py [--members 1000000] [--purchases 10000000]
        [--reuse] [--only rfm] [--runs 3]

The data is the insights benchmark's (`insights_data.py`: one merchant, slug
``insights-bench``, with --members members and --purchases purchases over two years, written
with plain SQL into the migrated tables, then VACUUM ANALYZE as a live database's autovacuum
would have done). Without --reuse an existing bench merchant is deleted first; with --reuse it
is kept when it has exactly that many members and purchases (the insights benchmark's
database can be pointed at and reused as it is).

Measurements (``--only NAME``, repeatable; default: all of them):

- ``rfm``: `campaigns.segments.rfm.recompute_rfm`, what the nightly job runs per merchant
  (every member's scores and named segment from the purchases, upserted in one
  INSERT ... SELECT, and the day's segment counts), --runs times; the median against the goal
  of 30 s at 1,000,000 members (at a smaller size: a linear estimate, and no verdict). The
  first run may insert every row, the next ones update them in place, as every night; the
  table is vacuumed (untimed) before each run, as autovacuum would have in the day between.

PostgreSQL only: SQLite is refused, as in the other benchmarks. The database is created when
missing and migrated; use a dedicated one.
"""

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

# This script's directory is on sys.path: the database helpers of purchases.py and the data.
import insights_data
from purchases import (
    configure_environment,
    delete_bench_merchant,
    ensure_database,
    machine_context,
    setup_django,
)

RFM_GOAL_S = 30.0
GOAL_MEMBERS = 1_000_000


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="The campaigns' figures (RFM recompute, ...) on a large merchant.",
        epilog="Needs DATABASE_URL pointing at PostgreSQL, e.g. "
        "DATABASE_URL=postgres://postgres@127.0.0.1:5432/fidela_bench_campaigns",
    )
    parser.add_argument("--members", type=int, default=1_000_000, help="members (1000000)")
    parser.add_argument("--purchases", type=int, default=10_000_000, help="purchases (10000000)")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the bench merchant when it has exactly --members members and --purchases "
        "purchases",
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=sorted(MEASUREMENTS),
        help="run only this measurement (repeatable; default: all)",
    )
    parser.add_argument("--runs", type=int, default=3, help="timed runs per measurement (3)")
    parser.add_argument("--database-name", help="replace the database name of DATABASE_URL")
    return parser.parse_args()


# --- The data ----------------------------------------------------------------------------------


def bench_merchant(args, timings: list):
    """The bench merchant: kept (--reuse, same size) or deleted and generated again."""
    from django.db import connection
    from django.utils import timezone

    from loyalty.models import Merchant, Purchase
    from members.models import Member

    merchant = Merchant.objects.filter(slug=insights_data.SLUG).first()
    if merchant is not None:
        have = (
            Member.objects.filter(merchant=merchant).count(),
            Purchase.objects.filter(merchant=merchant).count(),
        )
        if args.reuse and have == (args.members, args.purchases):
            print(f"Reusing '{merchant.slug}': {have[0]:,} members, {have[1]:,} purchases.")
            return merchant
        why = "another size" if args.reuse else "no --reuse"
        print(f"Deleting the old '{merchant.slug}' ({have[0]:,} members; {why}) ...")
        with insights_data.step("delete", timings):
            delete_bench_merchant(merchant)
    print(f"Generating {args.members:,} members and {args.purchases:,} purchases ...")
    merchant = insights_data.create_bench_merchant()
    insights_data.generate(merchant, args.members, args.purchases, timezone.now(), timings)
    # A database in use has statistics of its rows and a visibility map (autovacuum).
    with insights_data.step("VACUUM ANALYZE", timings), connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return merchant


# --- The measurements --------------------------------------------------------------------------


def measure_rfm(merchant, args) -> dict:
    """The nightly RFM recompute of the merchant, --runs times."""
    from django.db import connection
    from django.db.models import Count

    from campaigns.models import MemberRfm
    from campaigns.segments.rfm import recompute_rfm

    took, scored = [], 0
    for run in range(1, args.runs + 1):
        # A night apart, autovacuum has cleared the rows the last recompute replaced: so
        # does this (untimed) before each run.
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {MemberRfm._meta.db_table}")
        started = time.perf_counter()
        scored = recompute_rfm(merchant)
        took.append(time.perf_counter() - started)
        print(f"  run {run}: {took[-1]:.1f} s, {scored:,} members scored", flush=True)
    segments = (
        MemberRfm.objects.for_merchant(merchant)
        .values("segment")
        .annotate(n=Count("pk"))
        .order_by("-n")
    )
    print("  segments: " + ", ".join(f"{row['segment']} {row['n']:,}" for row in segments))
    median = statistics.median(took)
    figure = f"{median:.1f} s median of {len(took)} (max {max(took):.1f} s), {scored:,} scored"
    if args.members < GOAL_MEMBERS:
        # The work is a scan of the purchases and a write per member: about linear.
        estimate = median * GOAL_MEMBERS / args.members
        figure += f"; about {estimate:.0f} s at {GOAL_MEMBERS:,} members if linear"
    return {
        "measurement": "RFM recompute",
        "figure": figure,
        "goal": f"<= {RFM_GOAL_S:.0f} s at {GOAL_MEMBERS:,} members",
        # Only a run at the goal's size says whether it is met.
        "met": median <= RFM_GOAL_S if args.members >= GOAL_MEMBERS else None,
    }


# One function per measurement: later parts of the campaigns add theirs here.
MEASUREMENTS: dict[str, Callable[..., dict]] = {"rfm": measure_rfm}


def main() -> None:
    args = parse_args()
    db = configure_environment(args)
    ensure_database(db)
    setup_django()
    print("\n".join(f"{label:<16} {value}" for label, value in machine_context()))
    load = os.getloadavg()[0]
    print(f"{'load average':<16} {load:.2f}")
    timings: list = []
    merchant = bench_merchant(args, timings)
    results = []
    for name in args.only or list(MEASUREMENTS):
        print(f"\n{name}:")
        results.append(MEASUREMENTS[name](merchant, args))
    if timings:
        print("\nData steps:")
        for label, took in timings:
            print(f"  {label:<56} {took:8.1f} s")
    print("\nFigures:")
    for row in results:
        verdict = {True: "goal met", False: "GOAL MISSED", None: "not judged at this size"}[
            row["met"]
        ]
        print(f"  {row['measurement']:<24} {row['figure']}  (goal {row['goal']}: {verdict})")
    print(f"load average {load:.2f} before, {os.getloadavg()[0]:.2f} after")


if __name__ == "__main__":
    main()

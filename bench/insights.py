"""Server time of the dashboard and the insights pages on a large merchant, on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fidela_bench_insights \\
        .venv/bin/python bench/insights.py [--members 1000000] [--purchases 10000000]
        [--requests 7] [--reuse] [--pages-only] [--explain-over 50]

Three parts, each timed:

1. the data (`insights_data.py`): one merchant (slug ``insights-bench``, created through the
   onboarding service) with --members members and --purchases purchases over two years,
   written with plain SQL into the migrated tables. Without --reuse an existing bench merchant
   is deleted first; with --reuse it is kept when it has exactly that many members and
   purchases;
2. the stored data, with the project's own code, so the rollups other work adds are filled
   as well: every ``rebuild_*`` command that takes ``--merchant`` (``rebuild_stats`` first:
   every day's rollups from the first activity), then ``scores.score_members`` (what
   ``fit_clv --save`` and the nightly job run: the CLV fit and every member's score).
   ``--pages-only`` skips 1 and 2; ``--data-only`` stops after 1;
3. the pages: the dashboard (``portal:dashboard``) and every URL of the ``portal`` namespace
   whose name starts with ``insights`` and that takes no argument, found in the URL
   configuration at run time (pages added later are timed without editing this script). The
   owner is signed in with Django's test client, so the whole middleware stack runs; each page
   is requested once to warm up, once to count its SQL queries, then --requests times. It
   prints the median and the maximum server time, the SQL time within it, the queries, and
   whether the median is under the 300 ms goal; then the same for each page's CSV export
   (``?export=csv``), for information. Queries slower than --explain-over ms get their
   ``EXPLAIN (ANALYZE, BUFFERS)`` printed, and so do the DailyStat reads a page makes.

PostgreSQL only: SQLite is refused, as in the other benchmarks. The database is created when
missing and migrated; use a dedicated one.
"""

import argparse
import os
import statistics
import sys
import time
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

GOAL_MS = 300.0
CSV_REQUESTS = 3


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Server time of the dashboard and the insights pages on a large merchant.",
        epilog="Needs DATABASE_URL pointing at PostgreSQL, e.g. "
        "DATABASE_URL=postgres://postgres@127.0.0.1:5432/fidela_bench_insights",
    )
    parser.add_argument("--members", type=int, default=1_000_000, help="members (1000000)")
    parser.add_argument("--purchases", type=int, default=10_000_000, help="purchases (10000000)")
    parser.add_argument("--requests", type=int, default=7, help="timed requests per page (7)")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the bench merchant when it has exactly --members members and --purchases "
        "purchases (the stored data is still rebuilt)",
    )
    parser.add_argument(
        "--pages-only",
        action="store_true",
        help="time the pages of the existing bench merchant: no data, no rebuild",
    )
    parser.add_argument(
        "--data-only",
        action="store_true",
        help="stop after generating the data (build the stored data later with --reuse)",
    )
    parser.add_argument(
        "--explain-over",
        type=float,
        default=50.0,
        help="EXPLAIN ANALYZE the queries slower than this many ms (50; 0: none)",
    )
    parser.add_argument(
        "--explain-rebuild",
        action="store_true",
        help="EXPLAIN ANALYZE the queries of one day's rebuild (rollups.rebuild_day)",
    )
    parser.add_argument("--no-csv", action="store_true", help="do not time the CSV exports")
    parser.add_argument(
        "--database-name", help="use this database instead of the one named in DATABASE_URL"
    )
    args = parser.parse_args()
    if min(args.members, args.purchases, args.requests) < 1:
        parser.error("--members, --purchases and --requests must be positive")
    return args


def configure(args) -> dict:
    db = configure_environment(args)
    # The test client speaks plain HTTP to "testserver"; production settings would redirect.
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["SECURE_SSL_REDIRECT"] = "false"
    os.environ["SESSION_COOKIE_SECURE"] = "false"
    return db


# --- 1. The data -------------------------------------------------------------------------------


def bench_merchant(args, timings: list):
    """The bench merchant: kept (--reuse, --pages-only) or deleted and generated again."""
    from django.utils import timezone

    from loyalty.models import Merchant, Purchase
    from members.models import Member

    merchant = Merchant.objects.filter(slug=insights_data.SLUG).first()
    if merchant is not None:
        have = (
            Member.objects.filter(merchant=merchant).count(),
            Purchase.objects.filter(merchant=merchant).count(),
        )
        if args.pages_only or (args.reuse and have == (args.members, args.purchases)):
            print(f"Reusing '{merchant.slug}': {have[0]:,} members, {have[1]:,} purchases.")
            return merchant
        why = "another size" if args.reuse else "no --reuse"
        print(f"Deleting the old '{merchant.slug}' ({have[0]:,} members; {why}) ...")
        with insights_data.step("delete", timings):
            delete_bench_merchant(merchant)
    elif args.pages_only:
        raise SystemExit("bench/insights.py: --pages-only, but there is no bench merchant yet.")
    print(f"Generating {args.members:,} members and {args.purchases:,} purchases ...")
    started = time.perf_counter()
    merchant = insights_data.create_bench_merchant()
    insights_data.generate(merchant, args.members, args.purchases, timezone.now(), timings)
    insights_data.check_cards(merchant)
    took = time.perf_counter() - started
    timings.append(("data, in all", took))
    print(f"  data generated in {took:.1f} s")
    return merchant


# --- 2. The stored data ------------------------------------------------------------------------


def rebuild_commands() -> list[str]:
    """`rebuild_stats` and any other `rebuild_*` command of the project taking --merchant."""
    from django.core.management import get_commands, load_command_class

    found = []
    for name, app in sorted(get_commands().items()):
        if not name.startswith("rebuild_") or app.startswith("django"):
            continue
        parser = load_command_class(app, name).create_parser("manage.py", name)
        if any("--merchant" in action.option_strings for action in parser._actions):
            found.append(name)
    return sorted(found, key=lambda name: name != "rebuild_stats")


def build_stored_data(merchant, timings: list) -> None:
    from io import StringIO

    from django.core.management import call_command
    from django.db import connection

    from loyalty.analytics import scores

    print("Building the stored data with the project's commands ...")
    for name in rebuild_commands():
        out = StringIO()
        with insights_data.step(f"{name} --merchant {merchant.slug}", timings):
            call_command(name, merchant=merchant.slug, stdout=out)
        print("    " + out.getvalue().strip().replace("\n", "\n    "))
    # score_members is what `fit_clv --save` and the nightly job run; called directly, the
    # history is read and the models fitted once (the command fits once more to print).
    with insights_data.step(f"scores.score_members({merchant.slug})", timings):
        scored = scores.score_members(merchant)
    fit = scored.fit
    print(f"    customers={fit.customers} repeaters={fit.repeaters} scored={scored.scored}")
    print(f"    {fit.params or fit.problem}")
    # A database in use has statistics of its new rows (autovacuum); a fresh load has not.
    # VACUUM as autovacuum would on a live database: the visibility map lets the partial
    # indexes answer counts alone (index-only scans), as they do in production.
    with insights_data.step("VACUUM ANALYZE", timings), connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def explain_rebuild_day(merchant) -> None:
    """The queries of one day's rebuild, 30 days ago, each with its plan: the nightly job and
    the outbox run them for every sale's day, and `rebuild_stats` for every day."""
    from datetime import timedelta

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from loyalty.analytics.rollups import rebuild_day
    from loyalty.clock import local_today

    day = local_today(merchant) - timedelta(days=30)
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        rebuild_day(merchant, day)
    took = (time.perf_counter() - started) * 1000
    print(f"\nrebuild_day({day}): {took:.1f} ms, {len(queries.captured_queries)} queries")
    for query in queries.captured_queries:
        sql = query["sql"]
        print(f"\n--- {float(query['time']) * 1000:.1f} ms\n{sql}")
        if sql.lstrip().upper().startswith("SELECT") and "pg_advisory" not in sql:
            print(explain(sql))


# --- 3. The pages ------------------------------------------------------------------------------


def pages() -> list[tuple[str, str]]:
    """(name, path): the dashboard, then the insights pages without arguments, by name."""
    from django.urls import NoReverseMatch, URLResolver, get_resolver, reverse

    names: list[str] = []

    def walk(patterns) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace is None:  # an include without a namespace stays in portal
                    walk(pattern.url_patterns)
            elif pattern.name and pattern.name.startswith("insights"):
                names.append(pattern.name)

    _prefix, portal = get_resolver().namespace_dict["portal"]
    walk(portal.url_patterns)
    found = [("dashboard", reverse("portal:dashboard"))]
    for name in sorted(set(names)):
        try:
            found.append((name, reverse(f"portal:{name}")))
        except NoReverseMatch:
            continue  # a page of one object (an id in the URL): not a page of the merchant
    return found


class SqlTimer:
    """Counts the statements of a request and adds up their time."""

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        before = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - before
            self.count += 1


def fetch(client, path: str):
    """One request, its body read to the end (a streamed CSV included)."""
    response = client.get(path)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def timed_requests(client, path: str, count: int) -> tuple[list[float], list[float]]:
    from django.db import connection

    wall, sql = [], []
    for _ in range(count):
        timer = SqlTimer()
        with connection.execute_wrapper(timer):
            started = time.perf_counter()
            fetch(client, path)
            wall.append((time.perf_counter() - started) * 1000)
        sql.append(timer.seconds * 1000)
    return wall, sql


def captured(client, path: str):
    """One request with its queries: (response, body, [(ms, sql)])."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response, body = fetch(client, path)
    return response, body, [(float(q["time"]) * 1000, q["sql"]) for q in queries.captured_queries]


def explain(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def time_page(client, name: str, path: str, requests: int, explain_over: float, to_explain):
    response, _body = fetch(client, path)  # warm: templates, caches, the first plans
    if response.status_code != 200:
        print(f"  {name:<28} {path:<36} HTTP {response.status_code}: not timed")
        return None
    _response, _body, queries = captured(client, path)
    wall, sql = timed_requests(client, path, requests)
    median = statistics.median(wall)
    row = {
        "name": name,
        "path": path,
        "queries": len(queries),
        "median": median,
        "max": max(wall),
        "sql": statistics.median(sql),
        "ok": median < GOAL_MS,
    }
    for ms, statement in queries:
        if (explain_over and ms >= explain_over) or "loyalty_dailystat" in statement:
            to_explain.append((name, ms, statement))
    return row


def time_csv(client, name: str, path: str) -> dict | None:
    csv_path = f"{path}?export=csv"
    response, body = fetch(client, csv_path)
    if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/csv"):
        return None
    wall, sql = timed_requests(client, csv_path, CSV_REQUESTS)
    return {
        "name": name,
        "path": csv_path,
        "rows": max(0, body.count(b"\n") - 1),
        "bytes": len(body),
        "median": statistics.median(wall),
        "max": max(wall),
        "sql": statistics.median(sql),
    }


def time_pages(merchant, args) -> None:
    from django.test import Client
    from django.test.utils import override_settings

    from loyalty.models import Role, StaffMember

    owner = (
        StaffMember.objects.filter(merchant=merchant, role=Role.OWNER)
        .select_related("user")
        .first()
    ).user
    client = Client()
    client.force_login(owner)
    found = pages()
    print(f"\nPages ({len(found)}), {args.requests} timed requests each after a warm-up:")
    rows, exports, to_explain = [], [], []
    # The static files are not collected for a bench run; their URLs cost the same either way.
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages):
        for name, path in found:
            row = time_page(client, name, path, args.requests, args.explain_over, to_explain)
            if row:
                rows.append(row)
                print(
                    f"  {name:<28} median {row['median']:8.1f} ms  max {row['max']:8.1f} ms  "
                    f"SQL {row['sql']:8.1f} ms  {row['queries']:>3} queries  "
                    f"{'PASS' if row['ok'] else 'FAIL'}",
                    flush=True,
                )
        if not args.no_csv:
            for name, path in found:
                export = time_csv(client, name, path)
                if export:
                    exports.append(export)
    print_summary(rows, exports)
    if to_explain:
        print("\nEXPLAIN (ANALYZE, BUFFERS) of the slow queries and of the DailyStat reads:")
        for name, ms, statement in to_explain:
            print(f"\n--- {name}: {ms:.1f} ms\n{statement}\n")
            print(explain(statement))
    explain_daily_stats(merchant)


def explain_daily_stats(merchant) -> None:
    """The reads the insights pages make of the rollups: a year of the merchant's total rows,
    and of its shops' rows, with their plans (the pages' own reads are explained above)."""
    from datetime import timedelta

    from loyalty.clock import local_today
    from loyalty.models import DailyStat

    today = local_today(merchant)
    year = DailyStat.objects.filter(merchant=merchant, day__gt=today - timedelta(days=365))
    print(f"\nDailyStat: {DailyStat.objects.filter(merchant=merchant).count():,} rows")
    for label, queryset in (
        ("a year of the total rows", year.filter(shop__isnull=True)),
        ("a year of the shops' rows", year.filter(shop__isnull=False)),
    ):
        print(f"\n--- {label}\n{queryset.query}\n")
        print(queryset.explain(analyze=True, buffers=True))


def print_summary(rows: list[dict], exports: list[dict]) -> None:
    print(f"\n{'page':<28} {'path':<34} {'median':>9} {'max':>9} {'SQL':>9} {'queries':>7}  goal")
    for row in rows:
        verdict = "PASS" if row["ok"] else "FAIL"
        print(
            f"{row['name']:<28} {row['path']:<34} {row['median']:7.1f}ms {row['max']:7.1f}ms "
            f"{row['sql']:7.1f}ms {row['queries']:>7}  {verdict} (< {GOAL_MS:.0f} ms)"
        )
    if exports:
        print(f"\nCSV exports (informational, {CSV_REQUESTS} requests each):")
        for export in exports:
            print(
                f"{export['name']:<28} {export['rows']:>9,} rows {export['bytes'] / 1024:9.0f} KiB "
                f"median {export['median']:8.1f} ms  max {export['max']:8.1f} ms  "
                f"SQL {export['sql']:8.1f} ms"
            )
    failed = [row["name"] for row in rows if not row["ok"]]
    print(f"\nGOAL {GOAL_MS:.0f} ms: " + (f"FAIL ({', '.join(failed)})" if failed else "PASS"))


def main() -> None:
    args = parse_args()
    db = configure(args)
    ensure_database(db)
    setup_django()
    print("\n".join(f"{label:<16} {value}" for label, value in machine_context()))
    load = os.getloadavg()[0]
    print(f"{'load average':<16} {load:.2f}")
    timings: list = []
    merchant = bench_merchant(args, timings)
    if not args.pages_only and not args.data_only:
        build_stored_data(merchant, timings)
    if args.explain_rebuild:
        explain_rebuild_day(merchant)
    if not args.data_only:
        time_pages(merchant, args)
    if timings:
        print("\nSteps:")
        for label, took in timings:
            print(f"  {label:<56} {took:8.1f} s")
    print(f"load average {load:.2f} before, {os.getloadavg()[0]:.2f} after")


if __name__ == "__main__":
    main()

"""Purchases per second through the points engine, against a bare insert, on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fidela_bench .venv/bin/python \\
        bench/purchases.py [--members 100000] [--seconds 20] [--reuse] [--show-sql]

The script fills PostgreSQL with a merchant of 100,000 members (``--members 1000000`` works
too, in a few minutes), then calls ``loyalty.points.purchases.record_purchase`` in a loop for
``--seconds`` and prints purchases per second, SQL statements per purchase and the latency
of one call. In the same run it measures a bare loop that only inserts a purchase row (no
lock, no ledger, no lots, no events), so the two figures read as a ratio: what the engine
costs on top of the one row a sale cannot do without.

Point DATABASE_URL at a dedicated database (``fidela_bench`` above): the script creates it
when it does not exist and applies the migrations. The bench data lives in its own merchant
(slug ``bench``), so even a database shared with the demo keeps its other merchants as they
are; without ``--reuse`` that merchant's rows are deleted and filled again. ``--database-name``
replaces the database name of DATABASE_URL for one run. SQLite is not the target and is
refused: the engine's row locks and the figures that matter are PostgreSQL's.

What the loop does not include: HTTP, authentication, serialisation, and the outbox drain
(events are written, not delivered). The shop object is reused, so its merchant and program
are read once, where an API request reads them once per request.
"""

import argparse
import os
import platform
import random
import re
import secrets
import statistics
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import NoReturn
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_SLUG = "bench"
BENCH_OWNER = "bench-owner@example.com"
FILL_BATCH = 10_000
SAMPLE_MEMBERS = 10_000
WARMUP = 20
EXAMPLE_URL = "postgres://postgres@127.0.0.1:5432/fidela_bench"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Purchases per second through record_purchase, against a bare insert.",
        epilog=f"Needs DATABASE_URL pointing at PostgreSQL, e.g. DATABASE_URL={EXAMPLE_URL}",
    )
    parser.add_argument(
        "--members", type=int, default=100_000, help="members of the bench merchant (100000)"
    )
    parser.add_argument(
        "--seconds", type=float, default=20.0, help="duration of each of the two loops (20)"
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep an existing bench merchant that has at least --members members",
    )
    parser.add_argument(
        "--database-name", help="use this database instead of the one named in DATABASE_URL"
    )
    parser.add_argument(
        "--show-sql",
        action="store_true",
        help="print the SQL of one purchase and the time of each statement",
    )
    args = parser.parse_args()
    if args.members < 1 or args.seconds <= 0:
        parser.error("--members and --seconds must be positive")
    return args


def fail(message: str) -> NoReturn:
    print(f"bench/purchases.py: {message}", file=sys.stderr)
    sys.exit(2)


def configure_environment(args: argparse.Namespace) -> dict:
    """Check DATABASE_URL, apply --database-name, set the run's defaults. Returns the parsed URL."""
    import dj_database_url

    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        fail(
            "DATABASE_URL is not set. The benchmark runs on PostgreSQL only, e.g.\n"
            f"    DATABASE_URL={EXAMPLE_URL} make bench\n"
            "(the database is created if it does not exist, and migrated)."
        )
    try:
        parsed = dj_database_url.parse(url)
    except ValueError as exc:
        fail(f"DATABASE_URL is not a database URL: {exc}")
    if parsed["ENGINE"] != "django.db.backends.postgresql":
        fail(
            f"DATABASE_URL uses {parsed['ENGINE']}; the benchmark runs on PostgreSQL only "
            f"(SQLite is not its target), e.g. DATABASE_URL={EXAMPLE_URL}"
        )
    if args.database_name:
        url = urlsplit(url)._replace(path="/" + args.database_name).geturl()
        parsed = dj_database_url.parse(url)
    if not parsed.get("NAME"):
        fail(f"DATABASE_URL names no database, e.g. {EXAMPLE_URL}")
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", "bench-only-" + secrets.token_hex(24))
    return parsed


def ensure_database(db: dict) -> None:
    """Create the database when it does not exist, from the `postgres` maintenance database."""
    import psycopg
    from psycopg import sql

    params = {
        key: value
        for key, value in {
            "host": db.get("HOST"),
            "port": db.get("PORT"),
            "user": db.get("USER"),
            "password": db.get("PASSWORD"),
        }.items()
        if value
    }
    params.update(db.get("OPTIONS") or {})
    try:
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]
            ).fetchone()
            if not exists:
                print(f"Creating database {db['NAME']} ...")
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db["NAME"])))
    except psycopg.Error as exc:
        # No access to the maintenance database: the target may still exist; Django will say.
        print(f"(could not check the database through `postgres`: {exc})")


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    print("Applying migrations ...")
    call_command("migrate", interactive=False, verbosity=0)


# --- The bench merchant ---------------------------------------------------------------------


def delete_bench_merchant(merchant) -> None:
    """Delete the bench merchant and every row of it, in one transaction, with plain SQL.

    The ORM's cascade would load a million members into memory, so each table is cleared by
    merchant_id (or through a parent that has one). Django's foreign keys on PostgreSQL are
    DEFERRABLE INITIALLY DEFERRED, so the order does not matter, and a table this misses makes
    the transaction fail instead of leaving orphans. The ledger's append-only trigger refuses
    any DELETE, so it is disabled inside this transaction and enabled again before the commit:
    no other session sees it off (ALTER TABLE holds an exclusive lock on the ledger table until
    the commit, so writes to the ledger wait for the few seconds this takes).
    """
    from django.apps import apps
    from django.db import connection, transaction

    from loyalty.models import Merchant
    from loyalty.models.points import PointsEntry

    direct, indirect = [], []
    for model in apps.get_models(include_auto_created=True):
        if model is Merchant or model._meta.proxy or not model._meta.managed:
            continue
        fields = [f for f in model._meta.concrete_fields if f.is_relation and f.related_model]
        merchant_fks = [f for f in fields if f.related_model is Merchant]
        if merchant_fks:
            direct.append((model, merchant_fks[0]))
        else:
            indirect.append((model, fields))
    scoped = {model for model, _fk in direct}
    quote = connection.ops.quote_name
    statements = [
        (f"DELETE FROM {quote(m._meta.db_table)} WHERE {quote(fk.column)} = %s", [merchant.pk])
        for m, fk in direct
    ]
    for model, fields in indirect:
        for fk in fields:
            parent = fk.related_model
            if parent in scoped:
                parent_fk = next(f for m, f in direct if m is parent)
                statements.append(
                    (
                        f"DELETE FROM {quote(model._meta.db_table)} WHERE {quote(fk.column)} IN "
                        f"(SELECT {quote(parent._meta.pk.column)} "
                        f"FROM {quote(parent._meta.db_table)} "
                        f"WHERE {quote(parent_fk.column)} = %s)",
                        [merchant.pk],
                    )
                )
    statements.append(
        (f"DELETE FROM {quote(Merchant._meta.db_table)} WHERE id = %s", [merchant.pk])
    )
    ledger = quote(PointsEntry._meta.db_table)
    trigger = "loyalty_pointsentry_append_only"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_trigger WHERE tgname = %s", [trigger])
        guarded = cursor.fetchone() is not None
        if guarded:
            cursor.execute(f"ALTER TABLE {ledger} DISABLE TRIGGER {trigger}")
        for statement, params in statements:
            cursor.execute(statement, params)
        # The deferred foreign-key checks run now (ALTER TABLE refuses a table with pending
        # trigger events); a row this missed fails here and the whole delete rolls back.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        if guarded:
            cursor.execute(f"ALTER TABLE {ledger} ENABLE TRIGGER {trigger}")


def bench_merchant(members_wanted: int, reuse: bool):
    """The bench merchant with `members_wanted` members: reused, or deleted and filled again."""
    from loyalty.models import Merchant, Shop, User
    from loyalty.tenancy.services import create_merchant
    from members.models import Member

    merchant = Merchant.objects.filter(slug=BENCH_SLUG).first()
    if merchant is not None:
        have = Member.objects.filter(merchant=merchant).count()
        if reuse and have >= members_wanted:
            print(f"Reusing merchant '{BENCH_SLUG}' with {have:,} members.")
            return Shop.objects.select_related("merchant").filter(merchant=merchant).first()
        why = f"it has {have:,} members" if reuse else "no --reuse"
        print(f"Deleting the old '{BENCH_SLUG}' merchant ({why}) ...")
        started = time.perf_counter()
        delete_bench_merchant(merchant)
        print(f"  deleted in {time.perf_counter() - started:.1f} s")

    owner = User.objects.filter(email=BENCH_OWNER).first()
    if owner is None:
        owner = User.objects.create_user(email=BENCH_OWNER)
        owner.set_unusable_password()
        owner.save(update_fields=["password"])
    merchant = create_merchant(owner=owner, name="Bench", slug=BENCH_SLUG, shop_name="Bench")
    fill_members(merchant, members_wanted)
    return Shop.objects.select_related("merchant").filter(merchant=merchant).first()


def fill_members(merchant, count: int) -> None:
    """Members by bulk_create, batches of 10,000.

    Not through enrol_member: it is several queries and a transaction per member (duplicate
    checks, the joined event, the welcome bonus), which for 100,000 members takes many minutes
    and measures enrolment, not purchases. These rows are what enrolment leaves in the members
    table: a unique Luhn card number, an email, the entry tier.
    """
    from django.db import connection, transaction
    from django.utils import timezone

    from loyalty.models.points import Tier
    from members.models import Member, MemberSource, new_card_number

    entry_tier = Tier.objects.filter(merchant=merchant, threshold=0).first()
    now = timezone.now()
    cards: set[str] = set()
    print(f"Filling {count:,} members ...")
    started = time.perf_counter()
    for start in range(0, count, FILL_BATCH):
        batch = []
        for i in range(start, min(start + FILL_BATCH, count)):
            card = new_card_number()
            while card in cards:
                card = new_card_number()
            cards.add(card)
            batch.append(
                Member(
                    merchant=merchant,
                    card_number=card,
                    email=f"bench{i}@example.com",
                    source=MemberSource.IMPORT,
                    joined_at=now,
                    tier=entry_tier,
                    tier_since=now if entry_tier else None,
                )
            )
        with transaction.atomic():
            Member.objects.bulk_create(batch, batch_size=FILL_BATCH)
        done = start + len(batch)
        if done % 100_000 == 0 or done == count:
            rate = done / (time.perf_counter() - started)
            print(f"  {done:>9,} members  ({rate:,.0f}/s)")
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {connection.ops.quote_name(Member._meta.db_table)}")
    print(f"  filled in {time.perf_counter() - started:.1f} s")


# --- Measuring ---------------------------------------------------------------------------------


STATEMENT = re.compile(r'^\s*(SELECT|INSERT INTO|UPDATE|DELETE FROM)\s.*?"(\w+)"', re.S)


class SqlMeter:
    """Counts and times the SQL statements of a loop, and the COMMITs.

    Statements come through connection.execute_wrapper (BEGIN and COMMIT do not pass there;
    psycopg sends the BEGIN with the first statement, so its time is in that one). The COMMIT
    of an atomic block is timed by wrapping the connection's private _commit, for this
    process only. In autocommit (the bare loop) the commit is part of the INSERT.
    """

    def __init__(self) -> None:
        self.count = 0
        self.by_statement: dict[str, list[float]] = {}
        self.commits: list[float] = []

    def __call__(self, execute, sql, params, many, context):
        before = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            took = time.perf_counter() - before
            self.count += 1
            found = STATEMENT.match(sql)
            key = f"{found[1]} {found[2]}" if found else sql.split(None, 1)[0]
            self.by_statement.setdefault(key, []).append(took)

    @contextmanager
    def measuring(self):
        from django.db import connection

        original = connection._commit

        def timed_commit():
            before = time.perf_counter()
            try:
                return original()
            finally:
                self.commits.append(time.perf_counter() - before)

        connection._commit = timed_commit
        try:
            with connection.execute_wrapper(self):
                yield self
        finally:
            del connection._commit

    @property
    def sql_seconds(self) -> float:
        return sum(sum(times) for times in self.by_statement.values()) + sum(self.commits)


@dataclass
class LoopResult:
    count: int
    elapsed: float
    latencies: list[float]
    meter: SqlMeter
    wal_bytes: int

    @property
    def rate(self) -> float:
        return self.count / self.elapsed

    def per_call(self, value: float) -> float:
        return value / max(self.count, 1)


def wal_position() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        return cursor.fetchone()[0]


def wal_since(position: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s)", [position])
        return int(cursor.fetchone()[0])


def random_amount(rng: random.Random) -> Decimal:
    return Decimal(rng.randint(100, 8000)).scaleb(-2)  # 1.00 .. 80.00


def member_sample(merchant) -> list:
    """Up to 10,000 random members, as objects holding only what record_purchase reads first
    (pk and merchant_id): it locks and re-reads the member row itself."""
    from members.models import Member

    ids = list(
        Member.objects.filter(merchant=merchant)
        .order_by("?")
        .values_list("pk", flat=True)[:SAMPLE_MEMBERS]
    )
    return [Member(pk=pk, merchant_id=merchant.pk) for pk in ids]


def timed_loop(seconds: float, step) -> LoopResult:
    """Call step(n) for `seconds` after a short warm-up."""
    for n in range(WARMUP):
        step(-1 - n)
    meter = SqlMeter()
    latencies: list[float] = []
    wal_start = wal_position()
    with meter.measuring():
        started = time.perf_counter()
        deadline = started + seconds
        n = 0
        while True:
            before = time.perf_counter()
            if before >= deadline:
                break
            step(n)
            latencies.append(time.perf_counter() - before)
            n += 1
        elapsed = time.perf_counter() - started
    return LoopResult(n, elapsed, latencies, meter, wal_since(wal_start))


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def show_sql(shop, member, run: str) -> None:
    """Print the statements of one record_purchase, with their own time (Django's record of
    query times is rounded to the millisecond, so they are timed here)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from loyalty.points.purchases import record_purchase

    durations: list[float] = []

    def timer(execute, sql, params, many, context):
        before = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            durations.append(time.perf_counter() - before)

    started = time.perf_counter()
    with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(timer):
        record_purchase(shop=shop, member=member, external_id=f"{run}-sql", amount=Decimal("12.34"))
    total = time.perf_counter() - started
    print(f"\nSQL of one record_purchase ({total * 1000:.2f} ms in all):")
    timings = iter(durations)
    for number, query in enumerate(captured.captured_queries, 1):
        sql = query["sql"]
        took = "" if sql in ("BEGIN", "COMMIT") else f"{next(timings, 0) * 1000:6.2f} ms "
        print(f"  {number:>2}. {took:>10}{sql}")


def machine_context() -> list[tuple[str, str]]:
    import django
    from django.db import connection

    with connection.cursor() as cursor:
        settings = {}
        for name in ("server_version", "synchronous_commit", "shared_buffers"):
            cursor.execute(f"SHOW {name}")
            settings[name] = cursor.fetchone()[0]
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    db = connection.settings_dict
    return [
        ("cores", f"{usable} usable of {os.cpu_count()} ({cpu})"),
        ("PostgreSQL", settings["server_version"].split()[0]),
        (
            "PG settings",
            f"synchronous_commit={settings['synchronous_commit']} "
            f"shared_buffers={settings['shared_buffers']}",
        ),
        ("database", f"{db['NAME']} on {db['HOST'] or 'local socket'}:{db['PORT'] or 5432}"),
        ("Python / Django", f"{platform.python_version()} / {django.get_version()}"),
    ]


def main() -> None:
    args = parse_args()
    db = configure_environment(args)
    ensure_database(db)
    setup_django()

    from django.utils import timezone

    from loyalty.models.points import Purchase
    from loyalty.points.purchases import record_purchase

    context = machine_context()
    shop = bench_merchant(args.members, args.reuse)
    merchant = shop.merchant
    members = member_sample(merchant)
    total_members = merchant.members.count()
    rng = random.Random(20240601)
    run = f"bench-{int(time.time())}-{secrets.token_hex(3)}"

    if args.show_sql:
        show_sql(shop, rng.choice(members), run)

    def service_step(n: int) -> None:
        record_purchase(
            shop=shop,
            member=rng.choice(members),
            external_id=f"{run}-s{n}",
            amount=random_amount(rng),
        )

    def bare_step(n: int) -> None:
        now = timezone.now()
        amount = random_amount(rng)
        Purchase.objects.create(
            merchant=merchant,
            shop=shop,
            member=rng.choice(members),
            external_id=f"{run}-b{n}",
            amount=amount,
            currency=merchant.currency,
            occurred_at=now,
            recorded_at=now,
            eligible_amount=amount,
        )

    load_start = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    print(f"\nrecord_purchase for {args.seconds:g} s ...")
    service = timed_loop(args.seconds, service_step)
    print(f"bare Purchase insert for {args.seconds:g} s ...")
    bare = timed_loop(args.seconds, bare_step)
    # The bare rows have no ledger behind them: gone, the bench merchant passes
    # `manage.py reconcile_points` (the service's purchases are kept, as a real history).
    Purchase.objects.filter(shop=shop, external_id__startswith=f"{run}-b").delete()

    def ms(seconds: float) -> str:
        return f"{seconds * 1000:.2f} ms"

    def latency(result: LoopResult) -> str:
        lat = result.latencies
        return f"p50 {ms(percentile(lat, 0.5))}, p95 {ms(percentile(lat, 0.95))}, " + (
            f"mean {ms(statistics.fmean(lat))}"
        )

    load_end = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    if load_start is not None and load_end is not None:
        context.append(
            (
                "load average (1 min)",
                f"{load_start:.2f} before, {load_end:.2f} after (this run counts for up to 2)",
            )
        )
    meter = service.meter
    statements = sum(sum(times) for times in meter.by_statement.values())
    python = sum(service.latencies) - meter.sql_seconds
    rows = [
        *context,
        ("members", f"{total_members:,} (a random {len(members):,} of them buy)"),
        ("purchases recorded", f"{service.count:,} in {service.elapsed:.1f} s"),
        ("purchases/s (service)", f"{service.rate:,.1f}"),
        ("queries/purchase", f"{service.per_call(meter.count):.2f} (+ BEGIN and COMMIT)"),
        ("record_purchase latency", latency(service)),
        (
            "  of which (mean)",
            f"{ms(service.per_call(statements))} statements, "
            f"{ms(service.per_call(sum(meter.commits)))} COMMIT, "
            f"{ms(service.per_call(python))} Python",
        ),
        ("WAL/purchase", f"{service.per_call(service.wal_bytes) / 1024:.1f} KiB (whole cluster)"),
        ("bare inserts/s", f"{bare.rate:,.1f} ({bare.count:,} in {bare.elapsed:.1f} s)"),
        ("bare insert latency", latency(bare)),
        ("WAL/bare insert", f"{bare.per_call(bare.wal_bytes) / 1024:.1f} KiB (whole cluster)"),
        (
            "ratio service/bare",
            f"{service.rate / bare.rate:.2f} (the bare insert is {bare.rate / service.rate:.1f}x "
            "as fast)",
        ),
    ]
    width = max(len(label) for label, _value in rows)
    print("\n--- Fidela purchases benchmark " + "-" * 40)
    for label, value in rows:
        print(f"{label:<{width}}  {value}")
    if args.show_sql:
        print("\nrecord_purchase, mean per purchase by statement:")
        timed = sorted(meter.by_statement.items(), key=lambda item: -sum(item[1]))
        timed.append(("COMMIT", meter.commits))
        for key, times in timed:
            print(
                f"  {key:<34} x{service.per_call(len(times)):.2f}  "
                f"{ms(service.per_call(sum(times))):>9}  (one: mean {ms(statistics.fmean(times))}"
                f", p95 {ms(percentile(times, 0.95))})"
            )


if __name__ == "__main__":
    main()

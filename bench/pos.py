"""The POS page on a million members: the server time of a search and of recording a sale.

    .venv/bin/python bench/pos.py [--members 1000000] [--merchants 10] [--searches 1000] \\
        [--purchases 1000] [--reuse] \\
        [--database-url postgres://postgres@127.0.0.1:5432/fidela_lookup]

It uses the members of bench/lookup.py (the same database and merchants ``lookup-01`` …, filled
the same way, so ``--reuse`` after either script skips the filling), adds a cashier bound to
each merchant's shop, and drives the POS views through Django's test client, as a browser's
HTMX requests would reach them: ``GET /pos/find/?q=…`` with the input in the forms a till
receives it (card, QR payload, phone typed locally and internationally, email in mixed case,
nobody), and ``POST /pos/members/<id>/purchase/`` with a fresh form token and an amount (the
member found first, untimed: the POS takes a sale only for a member found in the session).

What is timed is the server's work for one request: the WSGI handler, every middleware
(session, authentication, tenant, CSRF), the view, its queries and the rendered partial.
Not timed: the network and the browser. Target: p95 under 100 ms for both.
"""

import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

# This script's directory is on sys.path: the filling and the look-up inputs of lookup.py,
# the database creation and the machine's description of purchases.py.
import lookup
from purchases import ensure_database, machine_context, percentile

CASHIER_EMAIL = "pos-cashier-{slug}@example.com"
TARGET = 0.100
WARMUP = 30
HX = {"HTTP_HX_REQUEST": "true"}


def parse_args():
    import argparse

    parser = argparse.ArgumentParser(
        description="Time the POS page's search and sale views on a million members."
    )
    parser.add_argument("--members", type=int, default=1_000_000, help="members in all (1000000)")
    parser.add_argument("--merchants", type=int, default=10, help="merchants that share them (10)")
    parser.add_argument("--searches", type=int, default=1000, help="timed searches (1000)")
    parser.add_argument("--purchases", type=int, default=1000, help="timed sales (1000)")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the bench merchants when they hold at least --members members",
    )
    parser.add_argument(
        "--database-url",
        default=lookup.DEFAULT_URL,
        help=f"the PostgreSQL database to fill and use ({lookup.DEFAULT_URL})",
    )
    parser.add_argument("--seed", type=int, default=20240602, help="random seed")
    args = parser.parse_args()
    if min(args.members, args.merchants, args.searches, args.purchases) < 1:
        parser.error("--members, --merchants, --searches and --purchases must be positive")
    args.lookups = args.searches  # what lookup.py's helpers read
    return args


def configure(args) -> dict:
    db = lookup.configure_environment(args)
    # The test client speaks plain HTTP to "testserver"; production settings would redirect.
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["SECURE_SSL_REDIRECT"] = "false"
    os.environ["SESSION_COOKIE_SECURE"] = "false"
    return db


def cashiers(merchants: list) -> dict:
    """A signed-in test client per merchant, for a cashier bound to its shop."""
    from django.test import Client

    from loyalty.models import Role, Shop, StaffMember, User

    clients = {}
    for merchant in merchants:
        email = CASHIER_EMAIL.format(slug=merchant.slug)
        user = User.objects.filter(email=email).first() or User.objects.create_user(email=email)
        shop = Shop.objects.filter(merchant=merchant).order_by("pk").first()
        StaffMember.objects.update_or_create(
            merchant=merchant, user=user, defaults={"role": Role.CASHIER, "shop": shop}
        )
        client = Client()
        client.force_login(user)
        clients[merchant.pk] = client
    return clients


class SqlCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def timed(call, *args, **kwargs) -> tuple[float, object, int]:
    from django.db import connection

    counter = SqlCounter()
    with connection.execute_wrapper(counter):
        before = time.perf_counter()
        answer = call(*args, **kwargs)
        elapsed = time.perf_counter() - before
    return elapsed, answer, counter.count


def run_searches(clients: dict, inputs: list) -> tuple[dict, list, list]:
    times: dict[str, list[float]] = {kind: [] for kind in lookup.KINDS}
    queries, wrong = [], []
    for _kind, merchant, text, _pk in inputs[:WARMUP]:
        clients[merchant.pk].get("/pos/find/", {"q": text}, **HX)
    for kind, merchant, text, expected in inputs:
        client = clients[merchant.pk]
        elapsed, answer, count = timed(client.get, "/pos/find/", {"q": text}, **HX)
        times[kind].append(elapsed)
        queries.append(count)
        found = f'data-member="{expected}"'.encode() in answer.content
        nobody = b"No member found" in answer.content
        if (
            answer.status_code != 200
            or (found if expected is None else not found)
            or (expected is None and not nobody)
        ):
            wrong.append((kind, merchant.slug, text, expected, answer.status_code))
    return times, queries, wrong


def run_purchases(clients: dict, merchants: list, count: int, rng: random.Random):
    from django.db import connection

    from loyalty.pos.services import new_form_token
    from members.models import Member

    by_id = {m.pk: m for m in merchants}
    table = connection.ops.quote_name(Member._meta.db_table)
    with connection.cursor() as cursor:
        total = Member.objects.filter(merchant__in=merchants).count()
        percent = min(100.0, 100.0 * count * 4 / max(total, 1))
        cursor.execute(
            f"SELECT id, merchant_id, card_number FROM {table} "
            f"TABLESAMPLE BERNOULLI ({percent:.6f}) "
            "REPEATABLE (%s) WHERE merchant_id = ANY(%s) AND status = 'active' LIMIT %s",
            [rng.randrange(2**31), list(by_id), (count + WARMUP) * 2],
        )
        rows = cursor.fetchall()
    rng.shuffle(rows)
    if len(rows) < count + WARMUP:
        lookup.fail(f"found only {len(rows)} members to sell to; fill more or ask for fewer")

    def find(merchant_id: int, card: str):
        # The POS takes a sale only for a member found in the session: found first, untimed.
        clients[merchant_id].post("/pos/find/", {"q": card}, **HX)

    def sell(pk: int, merchant_id: int):
        amount = Decimal(rng.randrange(150, 9000)) / 100
        return clients[merchant_id].post(
            f"/pos/members/{pk}/purchase/",
            {"token": new_form_token(), "amount": str(amount)},
            **HX,
        )

    for pk, merchant_id, card in rows[:WARMUP]:
        find(merchant_id, card)
        sell(pk, merchant_id)
    times, queries, failed = [], [], []
    for pk, merchant_id, card in rows[WARMUP : WARMUP + count]:
        find(merchant_id, card)
        elapsed, answer, statements = timed(sell, pk, merchant_id)
        times.append(elapsed)
        queries.append(statements)
        if answer.status_code != 200 or b"pos-result" not in answer.content:
            failed.append((pk, answer.status_code))
    return times, queries, failed


def main() -> None:
    args = parse_args()
    db = configure(args)
    ensure_database(db)
    lookup.setup_django()

    context = machine_context()
    merchants = lookup.bench_merchants(args)
    from members.models import Member

    total_members = Member.objects.filter(merchant__in=merchants).count()
    clients = cashiers(merchants)
    rng = random.Random(args.seed)
    inputs = lookup.lookup_inputs(merchants, args.searches, rng)

    load_start = os.getloadavg()[0]
    print(f"\nGET /pos/find/ x {args.searches:,} (after {WARMUP} warm-up) ...")
    search_times, search_queries, wrong = run_searches(clients, inputs)
    print(f"POST /pos/members/<id>/purchase/ x {args.purchases:,} (after {WARMUP} warm-up) ...")
    sale_times, sale_queries, failed = run_purchases(clients, merchants, args.purchases, rng)
    load_end = os.getloadavg()[0]

    def ms(seconds: float) -> str:
        return f"{seconds * 1000:.1f}"

    everything = [t for kind in lookup.KINDS for t in search_times[kind]]
    rows = [
        *context,
        ("load average (1 min)", f"{load_start:.2f} before, {load_end:.2f} after"),
        ("members", f"{total_members:,} over {len(merchants)} merchants"),
        ("queries/search", f"{statistics.fmean(search_queries):.1f} (max {max(search_queries)})"),
        ("queries/sale", f"{statistics.fmean(sale_queries):.1f} (max {max(sale_queries)})"),
        ("wrong searches", str(len(wrong))),
        ("failed sales", str(len(failed))),
    ]
    width = max(len(label) for label, _value in rows)
    print("\n--- Fidela POS benchmark " + "-" * 46)
    for label, value in rows:
        print(f"{label:<{width}}  {value}")
    print(f"\n{'request':<22} {'count':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    lines = [(f"search: {kind}", values) for kind, values in search_times.items()]
    lines += [("search: all", everything), ("sale", sale_times)]
    for label, values in lines:
        print(
            f"{label:<22} {len(values):>7,} {ms(percentile(values, 0.5)):>8} "
            f"{ms(percentile(values, 0.95)):>8} {ms(percentile(values, 0.99)):>8} "
            f"{ms(max(values)):>8}"
        )
    for label, values in (("search", everything), ("sale", sale_times)):
        p95 = percentile(values, 0.95)
        verdict = "met" if p95 < TARGET else "MISSED"
        print(f"Target p95 < 100 ms, {label}: {verdict} ({ms(p95)} ms).")
    for case in (wrong + failed)[:10]:
        print(f"  problem: {case}")


if __name__ == "__main__":
    main()

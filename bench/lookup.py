"""Identification at the till: find_member over 1,000,000 members of 10 merchants, on PostgreSQL.

    .venv/bin/python bench/lookup.py [--members 1000000] [--merchants 10] [--lookups 3000] \\
        [--reuse] [--database-url postgres://postgres@127.0.0.1:5432/fidela_lookup]

The script fills its own PostgreSQL database with ``--merchants`` merchants (slugs
``lookup-01``, ``lookup-02``, …) sharing ``--members`` members, then calls
``members.queries.find_member(merchant, text)`` ``--lookups`` times for random existing
members, with the input in the forms a till receives it: the card number, the QR payload of
the member card, the phone as typed locally (``0722 123 456``) and internationally
(``+40 722 123 456``), the email in mixed case, and inputs that match nobody. It prints the
p50/p95/p99 time per lookup by kind and overall, the SQL statements per lookup, and the
EXPLAIN ANALYZE of a lookup whose input is both a phone number and a card number, and of an
email lookup. Target: p95 under 10 ms.

The database is ``--database-url`` (default ``fidela_lookup`` on the local server), not the
project's DATABASE_URL, so a run never fills a development database with a million members.
It is created when missing (through the ``postgres`` maintenance database) and migrated.
Without ``--reuse`` the bench merchants are deleted and filled again; with it they are kept
when they hold at least ``--members`` members. SQLite is refused: the plans that matter are
PostgreSQL's.

What a lookup includes: parsing the input (phonenumbers for the phone), building and
compiling the query, the one round trip, and building the member (with its tier). Not
included: HTTP, authentication, rendering the POS screen.
"""

import argparse
import os
import random
import secrets
import statistics
import sys
import time
from pathlib import Path
from typing import NoReturn

# The shared parts of the purchases benchmark (database creation, the plain-SQL delete of a
# bench merchant, the machine's description); this script's directory is on sys.path.
from purchases import delete_bench_merchant, ensure_database, machine_context, percentile

ROOT = Path(__file__).resolve().parent.parent
SLUG_PREFIX = "lookup-"
BENCH_OWNER = "lookup-owner@example.com"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/fidela_lookup"
FILL_BATCH = 10_000
WARMUP = 50
# Romanian mobile prefixes that phonenumbers accepts for every subscriber number; the
# members get 072 to 076, the misses 077, so a miss never finds anyone.
MEMBER_PREFIXES = ["72", "73", "74", "75", "76"]
MISS_PREFIX = "77"
KINDS = ["card", "qr", "phone local", "phone intl", "email", "miss"]
FIRST_NAMES = [
    "ana", "mihai", "ioana", "andrei", "elena", "radu", "maria", "alex", "sofia", "tudor",
    "irina", "vlad", "carmen", "dan", "lucia", "paul", "oana", "stefan", "bianca", "matei",
]  # fmt: skip
LAST_NAMES = [
    "popescu", "ionescu", "dumitru", "stan", "georgescu", "matei", "constantin", "marin",
    "tudor", "dobre", "barbu", "nistor", "florea", "lazar", "moldovan", "munteanu",
]  # fmt: skip
DOMAINS = ["example.com", "example.org", "example.net"]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time find_member (card, QR, phone, email) on a million members."
    )
    parser.add_argument("--members", type=int, default=1_000_000, help="members in all (1000000)")
    parser.add_argument("--merchants", type=int, default=10, help="merchants that share them (10)")
    parser.add_argument("--lookups", type=int, default=3000, help="timed lookups (3000)")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the bench merchants when they hold at least --members members",
    )
    parser.add_argument(
        "--database-url",
        default=DEFAULT_URL,
        help=f"the PostgreSQL database to fill and use ({DEFAULT_URL})",
    )
    parser.add_argument("--seed", type=int, default=20240601, help="random seed of the lookups")
    args = parser.parse_args()
    if args.members < 1 or args.merchants < 1 or args.lookups < 1:
        parser.error("--members, --merchants and --lookups must be positive")
    if args.merchants > 99:
        parser.error("--merchants is at most 99")
    return args


def fail(message: str) -> NoReturn:
    print(f"bench/lookup.py: {message}", file=sys.stderr)
    sys.exit(2)


def configure_environment(args: argparse.Namespace) -> dict:
    import dj_database_url

    try:
        parsed = dj_database_url.parse(args.database_url)
    except ValueError as exc:
        fail(f"--database-url is not a database URL: {exc}")
    if parsed["ENGINE"] != "django.db.backends.postgresql":
        fail(
            f"--database-url uses {parsed['ENGINE']}; the benchmark runs on PostgreSQL only "
            f"(SQLite is not its target), e.g. --database-url {DEFAULT_URL}"
        )
    if not parsed.get("NAME"):
        fail(f"--database-url names no database, e.g. {DEFAULT_URL}")
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", "bench-only-" + secrets.token_hex(24))
    return parsed


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    print("Applying migrations ...")
    call_command("migrate", interactive=False, verbosity=0)


# --- The bench merchants ----------------------------------------------------------------------


def bench_merchants(args: argparse.Namespace) -> list:
    """The bench merchants with their share of the members: reused, or deleted and refilled."""
    from loyalty.models import Merchant, User
    from loyalty.tenancy.services import create_merchant
    from members.models import Member

    slugs = [f"{SLUG_PREFIX}{n:02d}" for n in range(1, args.merchants + 1)]
    existing = list(Merchant.objects.filter(slug__startswith=SLUG_PREFIX).order_by("slug"))
    if existing:
        have = Member.objects.filter(merchant__in=existing).count()
        if args.reuse and [m.slug for m in existing] == slugs and have >= args.members:
            print(f"Reusing {len(existing)} merchants with {have:,} members.")
            return existing
        why = f"they hold {have:,} members" if args.reuse else "no --reuse"
        print(f"Deleting the old bench merchants ({why}) ...")
        started = time.perf_counter()
        for merchant in existing:
            delete_bench_merchant(merchant)
        print(f"  deleted in {time.perf_counter() - started:.1f} s")

    owner = User.objects.filter(email=BENCH_OWNER).first()
    if owner is None:
        owner = User.objects.create_user(email=BENCH_OWNER)
        owner.set_unusable_password()
        owner.save(update_fields=["password"])
    merchants = [
        create_merchant(owner=owner, name=f"Lookup {slug[-2:]}", slug=slug, shop_name="Till")
        for slug in slugs
    ]
    fill_members(merchants, args.members)
    return merchants


def fill_members(merchants: list, count: int) -> None:
    """Members by bulk_create in batches of 10,000, each batch over all the merchants.

    What enrolment leaves in the members table, without its per-member queries: a unique Luhn
    card number, a Romanian mobile number in E.164, a lower-case email, a referral code, the
    names and the entry tier. Unique per merchant, as the constraints want.
    """
    from django.db import connection, transaction
    from django.utils import timezone

    from loyalty.models.points import Tier
    from members.models import Member, MemberSource, new_card_number
    from members.services.enrolment import new_referral_code

    rng = random.Random(7)
    tiers = {t.merchant_id: t for t in Tier.objects.filter(merchant__in=merchants, threshold=0)}
    seen = {m.pk: (set(), set(), set()) for m in merchants}  # cards, phones, referral codes
    now = timezone.now()

    def unique(make, taken: set) -> str:
        value = make()
        while value in taken:
            value = make()
        taken.add(value)
        return value

    def phone() -> str:
        return f"+40{rng.choice(MEMBER_PREFIXES)}{rng.randrange(10_000_000):07d}"

    print(f"Filling {count:,} members over {len(merchants)} merchants ...")
    started = time.perf_counter()
    for start in range(0, count, FILL_BATCH):
        batch = []
        for i in range(start, min(start + FILL_BATCH, count)):
            merchant = merchants[i % len(merchants)]
            cards, phones, codes = seen[merchant.pk]
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            tier = tiers.get(merchant.pk)
            batch.append(
                Member(
                    merchant=merchant,
                    card_number=unique(new_card_number, cards),
                    phone=unique(phone, phones),
                    email=f"{first}.{last}.{i}@{rng.choice(DOMAINS)}",
                    first_name=first.title(),
                    last_name=last.title(),
                    referral_code=unique(new_referral_code, codes),
                    source=MemberSource.IMPORT,
                    joined_at=now,
                    tier=tier,
                    tier_since=now if tier else None,
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


# --- The lookups --------------------------------------------------------------------------------


def mixed_case(text: str, rng: random.Random) -> str:
    """An email as people type it: a capital first letter, sometimes a capital elsewhere."""
    name, _at, domain = text.partition("@")
    style = rng.randrange(3)
    if style == 0:
        name = name[:1].upper() + name[1:]
    elif style == 1:
        name = ".".join(part.title() for part in name.split("."))
        domain = domain.title()
    else:
        name = name.upper()
    return f"{name}@{domain}"


def lookup_inputs(merchants: list, count: int, rng: random.Random) -> list[tuple]:
    """(kind, merchant, text, expected member pk or None), the kinds in equal shares, shuffled."""
    import phonenumbers
    from django.db import connection

    from members.contacts import card_qr_payload
    from members.models import Member, new_card_number

    by_id = {m.pk: m for m in merchants}
    hits = count - count // len(KINDS)
    table = connection.ops.quote_name(Member._meta.db_table)
    with connection.cursor() as cursor:
        # A random sample without sorting a million rows; BERNOULLI picks rows, not pages.
        total = Member.objects.filter(merchant__in=merchants).count()
        percent = min(100.0, 100.0 * hits * 4 / max(total, 1))
        cursor.execute(
            f"SELECT id, merchant_id, card_number, phone, email FROM {table} "
            f"TABLESAMPLE BERNOULLI ({percent:.6f}) REPEATABLE (%s) "
            "WHERE merchant_id = ANY(%s) AND email <> '' AND phone <> '' LIMIT %s",
            [rng.randrange(2**31), list(by_id), hits * 2],
        )
        rows = cursor.fetchall()
    rng.shuffle(rows)
    rows = rows[:hits]
    if len(rows) < hits:
        fail(f"found only {len(rows)} members to look up; fill more or ask for fewer lookups")
    inputs = []
    for n in range(count):
        kind = KINDS[n % len(KINDS)]
        if kind == "miss":
            merchant = rng.choice(merchants)
            miss = n // len(KINDS) % 3
            if miss == 0:  # a valid card number the merchant never issued (1 in 10,000 may be)
                text = new_card_number()
            elif miss == 1:
                text = f"07{MISS_PREFIX[1]}{rng.randrange(10**7):07d}"
                text = f"{text[:4]} {text[4:7]} {text[7:]}"
            else:
                text = f"Nobody.{rng.randrange(10**6)}@Example.com"
            inputs.append((kind, merchant, text, None))
            continue
        pk, merchant_id, card, phone, email = rows.pop()
        merchant = by_id[merchant_id]
        if kind == "card":
            text = card
        elif kind == "qr":
            text = card_qr_payload(merchant.slug, card)
        elif kind == "phone local":
            number = phonenumbers.parse(phone)
            text = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
        elif kind == "phone intl":
            number = phonenumbers.parse(phone)
            text = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
        else:
            text = mixed_case(email, rng)
        inputs.append((kind, merchant, text, pk))
    rng.shuffle(inputs)
    return inputs


class SqlMeter:
    """Counts the statements and their time, through connection.execute_wrapper."""

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


def run_lookups(inputs: list[tuple]) -> tuple[dict[str, list[float]], list[int], float, list]:
    """Time each find_member. Returns times by kind, statements per lookup, the statements'
    total time, and the lookups that found the wrong member (or a miss that found one)."""
    from django.db import connection

    from members.queries import find_member

    for _kind, merchant, text, _pk in inputs[:WARMUP]:
        find_member(merchant, text)
    times: dict[str, list[float]] = {kind: [] for kind in KINDS}
    statements: list[int] = []
    wrong = []
    meter = SqlMeter()
    with connection.execute_wrapper(meter):
        for kind, merchant, text, expected in inputs:
            before_count = meter.count
            before = time.perf_counter()
            member = find_member(merchant, text)
            times[kind].append(time.perf_counter() - before)
            statements.append(meter.count - before_count)
            if (member.pk if member else None) != expected:
                wrong.append((kind, merchant.slug, text, expected, member and member.pk))
    return times, statements, meter.seconds, wrong


def explain(merchant, text: str) -> list[str]:
    """EXPLAIN (ANALYZE, BUFFERS) of the very statement find_member sends for `text`."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from members.queries import find_member

    with CaptureQueriesContext(connection) as captured:
        find_member(merchant, text)
    sql = captured.captured_queries[-1]["sql"]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return [sql, *(row[0] for row in cursor.fetchall())]


def phone_and_card_input(merchants: list, rng: random.Random) -> tuple:
    """A member whose phone, typed locally without spaces, is also a valid card number: the
    lookup ORs the card and the phone conditions, the case the EXPLAIN shows."""
    import phonenumbers

    from members.models import Member, is_valid_card_number

    merchant = rng.choice(merchants)
    for phone in (
        Member.objects.filter(merchant=merchant).exclude(phone="").values_list("phone", flat=True)
    )[:2000]:
        local = phonenumbers.format_number(
            phonenumbers.parse(phone), phonenumbers.PhoneNumberFormat.NATIONAL
        ).replace(" ", "")
        if is_valid_card_number(local):
            return merchant, local
    fail("no member whose local phone number is also a valid card number")


def main() -> None:
    args = parse_args()
    db = configure_environment(args)
    ensure_database(db)
    setup_django()

    context = machine_context()
    merchants = bench_merchants(args)
    from members.models import Member

    total_members = Member.objects.filter(merchant__in=merchants).count()
    rng = random.Random(args.seed)
    print(f"\nPicking {args.lookups:,} lookups ...")
    inputs = lookup_inputs(merchants, args.lookups, rng)
    load_start = os.getloadavg()[0]
    print(f"find_member x {args.lookups:,} (after {WARMUP} warm-up lookups) ...")
    started = time.perf_counter()
    times, statements, sql_seconds, wrong = run_lookups(inputs)
    elapsed = time.perf_counter() - started
    load_end = os.getloadavg()[0]

    def ms(seconds: float) -> str:
        return f"{seconds * 1000:.2f}"

    everything = [t for kind in KINDS for t in times[kind]]
    context.append(
        (
            "load average (1 min)",
            f"{load_start:.2f} before, {load_end:.2f} after (this run counts for up to 1)",
        )
    )
    rows = [
        *context,
        ("members", f"{total_members:,} over {len(merchants)} merchants"),
        ("lookups", f"{len(everything):,} in {elapsed:.1f} s"),
        (
            "queries/lookup",
            f"{statistics.fmean(statements):.2f} (min {min(statements)}, max {max(statements)})",
        ),
        (
            "of a lookup (mean)",
            f"{ms(sql_seconds / len(everything))} ms SQL, "
            f"{ms((sum(everything) - sql_seconds) / len(everything))} ms Python",
        ),
        ("wrong answers", str(len(wrong))),
    ]
    width = max(len(label) for label, _value in rows)
    print("\n--- Fidela lookup benchmark " + "-" * 43)
    for label, value in rows:
        print(f"{label:<{width}}  {value}")
    print(f"\n{'kind':<12} {'lookups':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for kind, values in [*times.items(), ("all", everything)]:
        print(
            f"{kind:<12} {len(values):>8,} {ms(percentile(values, 0.5)):>8} "
            f"{ms(percentile(values, 0.95)):>8} {ms(percentile(values, 0.99)):>8} "
            f"{ms(max(values)):>8}"
        )
    p95 = percentile(everything, 0.95)
    verdict = "met" if p95 < 0.010 else "MISSED"
    print(f"\nTarget p95 < 10 ms: {verdict} ({ms(p95)} ms).")
    for case in wrong[:10]:
        print(f"  wrong: {case}")

    merchant, text = phone_and_card_input(merchants, rng)
    print(f"\nEXPLAIN of find_member({merchant.slug!r}, {text!r}), a phone and a card number:")
    for line in explain(merchant, text):
        print(f"  {line}")
    kind, merchant, text, _pk = next(case for case in inputs if case[0] == "email")
    print(f"\nEXPLAIN of find_member({merchant.slug!r}, {text!r}), an email:")
    for line in explain(merchant, text):
        print(f"  {line}")


if __name__ == "__main__":
    main()

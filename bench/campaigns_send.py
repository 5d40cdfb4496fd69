"""A broadcast through the real sending pipeline, to a local SMTP server, on PostgreSQL.

    .venv/bin/python bench/campaigns_send.py [--members 10000] [--workers 1] [--batch 200] \\
        [--reuse] [--database-url postgres://postgres@127.0.0.1:5432/fidela_send]

Fills (or reuses, with --reuse) the `send-bench` merchant with --members members who agreed
to email offers, queues one broadcast email per member with `queue_many` (the bulk
`INSERT … ON CONFLICT DO NOTHING`), then runs `campaigns.messaging.send.send_due_messages` in
--workers threads (each its own database connection and SMTP connection per batch, as
django-q2 workers would) until every message is sent. The SMTP server is aiosmtpd in a
separate process (so it does not share this process's GIL), counting what it accepts. It
prints messages queued per second, messages claimed, checked (consent, cap, quiet hours) and
handed to the server per second, in all and per worker, and checks that the server received
each message once. Goal: >= 300 messages/s per worker.

What a message includes: the claim (`SELECT … FOR UPDATE SKIP LOCKED`), the policy's facts for
its batch, building the email (text and HTML, List-Unsubscribe with a signed token), the SMTP
transaction on the batch's connection, and the commit that marks it sent with its event. Not
included: rendering the template (done before queueing, by the templates' part).
"""

import argparse
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from datetime import time as clock_time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from purchases import (  # noqa: E402  (bench/purchases.py: the shared parts)
    delete_bench_merchant,
    ensure_database,
    fill_members,
    machine_context,
)

SLUG = "send-bench"
OWNER = "send-bench-owner@example.com"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/fidela_send"
SEND_KEY = "bench:broadcast"
GOAL = 300


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=10_000, help="audience size (10000)")
    parser.add_argument("--workers", type=int, default=1, help="sending threads (1)")
    parser.add_argument("--batch", type=int, default=200, help="messages per claim (200)")
    parser.add_argument("--reuse", action="store_true", help="keep the members of a last run")
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument(
        "--before",
        action="store_true",
        help="send as before the wire email: Django's MIME path and the ORM's record of sent",
    )
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)  # the SMTP server process
    args = parser.parse_args()
    if args.serve is None and (args.members < 1 or args.workers < 1 or args.batch < 1):
        parser.error("--members, --workers and --batch must be positive")
    return args


# --- The SMTP server, in its own process ---------------------------------------------------------


def serve(port: int) -> None:
    """Accept mail on 127.0.0.1:port; print how many (and how many distinct) on stdin's EOF."""
    from aiosmtpd.controller import Controller

    seen: list[bytes] = []

    class Counter:
        async def handle_DATA(self, server, session, envelope):
            for line in envelope.content.split(b"\r\n", 40):
                if line.startswith(b"X-Fidela-Message:"):
                    seen.append(line)
                    break
            return "250 OK"

    controller = Controller(Counter(), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    sys.stdin.read()
    controller.stop()
    print(f"{len(seen)} {len(set(seen))}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server() -> tuple[subprocess.Popen, int]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(port)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    if process.stdout.readline().strip() != "ready":
        sys.exit("bench/campaigns_send.py: the SMTP server did not start")
    return process, port


def stop_server(process: subprocess.Popen) -> tuple[int, int]:
    out, _err = process.communicate(timeout=60)
    received, distinct = out.split()[-2:]
    return int(received), int(distinct)


# --- Django ------------------------------------------------------------------------------------


def setup(args: argparse.Namespace, port: int) -> None:
    import dj_database_url

    db = dj_database_url.parse(args.database_url)
    if db["ENGINE"] != "django.db.backends.postgresql":
        sys.exit("bench/campaigns_send.py: PostgreSQL only (--database-url postgres://…)")
    os.environ.update(
        DATABASE_URL=args.database_url,
        DJANGO_SETTINGS_MODULE="config.settings",
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(port),
    )
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", "bench-only-" + secrets.token_hex(24))
    ensure_database(db)
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    print("Applying migrations ...")
    call_command("migrate", interactive=False, verbosity=0)


def bench_merchant(args: argparse.Namespace):
    from django.db import connection

    from campaigns.models import MessagingSettings
    from loyalty.models import Merchant, User
    from loyalty.tenancy.services import create_merchant
    from members.models import Member

    merchant = Merchant.objects.filter(slug=SLUG).first()
    if merchant is not None:
        have = Member.objects.filter(merchant=merchant).count()
        if args.reuse and have >= args.members:
            print(f"Reusing '{SLUG}' with {have:,} members; clearing its messages ...")
            with connection.cursor() as cursor:
                cursor.execute(
                    "DELETE FROM campaigns_messageevent WHERE merchant_id = %s", [merchant.pk]
                )
                cursor.execute(
                    "DELETE FROM campaigns_message WHERE merchant_id = %s", [merchant.pk]
                )
            return merchant
        print(f"Deleting the old '{SLUG}' merchant ...")
        delete_bench_merchant(merchant)
    owner = User.objects.filter(email=OWNER).first() or User.objects.create_user(email=OWNER)
    merchant = create_merchant(owner=owner, name="Send bench", slug=SLUG, shop_name="Bench")
    print(f"Filling {args.members:,} members ...")
    fill_members(merchant, args.members)
    Member.objects.filter(merchant=merchant).update(email_marketing=True)
    # The bench measures sending, not waiting: no quiet hours, a cap nobody reaches.
    MessagingSettings.objects.update_or_create(
        merchant=merchant,
        defaults={"cap_count": 50, "quiet_start": clock_time(0), "quiet_end": clock_time(0)},
    )
    return merchant


def queue(merchant, members: int) -> float:
    from campaigns.messaging.queue import Draft, queue_many
    from members.models import Member

    ids = Member.objects.filter(merchant=merchant).order_by("pk").values_list("pk", flat=True)
    drafts = (
        Draft(
            member_id=pk,
            channel="email",
            send_key=SEND_KEY,
            subject="Double points this weekend",
            body_text="Hello, double points on every coffee this Saturday and Sunday.",
            body_html="<html><body><p>Hello, <b>double points</b> this weekend.</p></body></html>",
            source_type="bench",
        )
        for pk in ids[:members]
    )
    started = time.perf_counter()
    created = queue_many(merchant, drafts)
    elapsed = time.perf_counter() - started
    print(f"Queued {created:,} messages in {elapsed:.2f} s: {created / elapsed:,.0f}/s")
    return elapsed


def use_the_earlier_path() -> None:
    """--before: the email built by Django's email.mime path and sent by the backend's
    send_messages, the sent messages recorded by a SELECT, an UPDATE and an INSERT in a
    transaction (what the SQLite path still does)."""
    from django.core.mail import EmailMultiAlternatives

    from campaigns.messaging import channels
    from campaigns.messaging import send as sending

    channels.WireEmail.message = EmailMultiAlternatives.message
    channels.hand_over = lambda email, mail: mail.send_messages([email])
    sending.record_sent_returning = sending.record_sent_orm


def send(workers: int, batch: int) -> tuple[float, list[int]]:
    from django.db import connection

    from campaigns.messaging import send as sending

    counts = [0] * workers
    barrier = threading.Barrier(workers)

    def worker(index: int) -> None:
        try:
            connection.ensure_connection()
            barrier.wait(timeout=60)
            while sent := sending.send_due_messages(batch=batch, budget=3600):
                counts[index] += sent
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(workers)]
    send.cpu_started = time.process_time()
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    send.cpu_seconds = time.process_time() - send.cpu_started
    return elapsed, counts


def main() -> None:
    args = parse_args()
    if args.serve is not None:
        serve(args.serve)
        return
    server, port = start_server()
    try:
        setup(args, port)
        merchant = bench_merchant(args)
        if args.before:
            use_the_earlier_path()
        queue(merchant, args.members)
        elapsed, counts = send(args.workers, args.batch)
    finally:
        received, distinct = stop_server(server)
    total = sum(counts)
    path = "the earlier path (--before)" if args.before else "the wire email"
    print(f"\nSent {total:,} messages with {args.workers} worker(s) in {elapsed:.2f} s, {path}")
    print(
        f"  {total / elapsed:,.0f} messages/s in all, {total / elapsed / args.workers:,.0f}/s per"
    )
    print(f"  worker (goal >= {GOAL}/s per worker); per worker: {counts}")
    cpu = send.cpu_seconds
    print(
        f"  this process used {cpu:.1f} CPU s ({total / cpu:,.0f} messages per CPU second; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
    )
    print(f"  the server received {received:,} messages, {distinct:,} distinct")
    for name, value in machine_context():
        print(f"  {name}: {value}")
    if received != distinct or distinct != total:
        sys.exit("bench/campaigns_send.py: a message was lost or sent twice")


if __name__ == "__main__":
    main()

"""Purchases per second through the shop API under rising concurrency, on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fidela_bench .venv/bin/python \\
        bench/api.py [--members 100000] [--seconds 30] [--levels 1,2,4,8,16] [--workers 4]

Fills (or reuses, with --reuse) the `bench` merchant of bench/purchases.py with 100,000
members, starts gunicorn with several workers on a free local port, and posts purchases to
`POST /api/v1/purchases` with a key of the bench shop, for --seconds at each concurrency level
(each client thread keeps one HTTP/1.1 connection and sends one request at a time). At every
level it prints purchases per second, the median and the 99th percentile latency, and the same
figures for a bare DRF view that only inserts one row (same gunicorn, same key authentication,
same JSON; mounted only with API_BENCH_VIEW=true), so the ratio shows what the loyalty logic
costs. The bare view's rows are deleted after the run.

The load generator is `wrk` (Debian's package: `apt-get install wrk`), a C client that
holds its connections open, with a Lua script of this file that gives every request a fresh
receipt and a random member of the sample; without `wrk` on the PATH (or with
`--client python`) a small threaded client of this script's own does the same, slower. On a
machine with few cores either competes with gunicorn and PostgreSQL for the CPU; the figures
say so with the load average. It also prints the SQL statements one request of each kind
runs (counted in this process through Django's test client, the database the same).

Redis: with REDIS_URL set, gunicorn uses it as the cache; without it, when a Redis answers on
127.0.0.1:6379, the bench uses its database 15 (`--redis none` keeps the database cache). The
cache in use is printed. `--profile N` instead runs N API purchases in this process under
cProfile (no gunicorn) and prints where the time goes.

The goal of issue 19, printed at the end: the API at >= 0.5 x the bare view's rate at the
level where the API answers most, and a p99 under 50 ms at half of that load (the lower level
whose API rate comes nearest half the best rate). The two targets take turns at each level.
"""

import argparse
import http.client
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import purchases as engine  # noqa: E402  (bench/purchases.py: database, fill, bench merchant)

SAMPLE_CARDS = 5_000
STARTUP_SECONDS = 60


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=30.0, help="per level and target (30)")
    parser.add_argument("--levels", default="1,8,16", help="concurrent connections (1,8,16)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (4)")
    parser.add_argument("--reuse", action="store_true", help="keep an existing bench merchant")
    parser.add_argument("--database-name", help="instead of the database in DATABASE_URL")
    parser.add_argument("--skip-bare", action="store_true", help="only the real endpoint")
    parser.add_argument(
        "--redis",
        default=os.environ.get("REDIS_URL", "auto"),
        help="the cache's Redis URL; auto: redis://127.0.0.1:6379/15 when it answers; none",
    )
    parser.add_argument(
        "--profile", type=int, default=0, metavar="N", help="cProfile N API purchases, no load"
    )
    parser.add_argument(
        "--profile-out", metavar="FILE", help="with --profile: also save the stats (pstats)"
    )
    parser.add_argument(
        "--client",
        choices=("wrk", "python"),
        default="wrk" if shutil.which("wrk") else "python",
        help="the load generator (wrk when installed)",
    )
    args = parser.parse_args()
    args.levels = [int(level) for level in args.levels.split(",") if level.strip()]
    if args.members < 1 or args.seconds <= 0 or not args.levels or min(args.levels) < 1:
        parser.error("--members, --seconds and --levels must be positive")
    return args


def choose_redis(choice: str) -> str:
    """The Redis URL the run uses as the cache ("" for the database cache)."""
    if choice == "none":
        return ""
    if choice != "auto":
        return choice
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            if sock.recv(16).startswith(b"+PONG"):
                return "redis://127.0.0.1:6379/15"
    except OSError:
        pass
    return ""


def profile_purchases(
    key: str, cards: list[str], run: str, count: int, out: str | None = None
) -> None:
    """`count` API purchases through Django's test client in this process, under cProfile."""
    import cProfile
    import pstats

    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}", SERVER_NAME="127.0.0.1")

    def post(n: int) -> None:
        body = {"external_id": f"{run}-p{n}", "member": cards[n % len(cards)], "amount": "12.50"}
        answer = client.post(
            "/api/v1/purchases", body, content_type="application/json", secure=True
        )
        if answer.status_code != 201:
            engine.fail(f"the profiled purchase answered {answer.status_code}: {answer.content}")

    post(-1)  # warm: imports, the connection, the caches
    # First without the profiler: this process's CPU per purchase (the test client's own
    # work included), the figure to compare between two versions of the code.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    database_cpu = process_cpu(backend)
    cpu, wall = time.process_time(), time.perf_counter()
    for n in range(count):
        post(count + n)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    database_cpu = process_cpu(backend) - database_cpu
    print(
        f"{count} API purchases in one process, unprofiled: {cpu / count * 1000:.2f} ms CPU "
        f"here, {database_cpu / count * 1000:.2f} ms CPU of its PostgreSQL backend, "
        f"{wall / count * 1000:.2f} ms wall each"
    )
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for n in range(count):
        post(n)
    profiler.disable()
    elapsed = time.perf_counter() - started
    print(f"{count} API purchases in one process: {elapsed / count * 1000:.1f} ms each (profiled)")
    if out:
        profiler.dump_stats(out)
    stats = pstats.Stats(profiler).strip_dirs().sort_stats("tottime")
    stats.print_stats(25)
    stats.sort_stats("cumulative").print_stats(40)


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) of one process so far, from /proc (0 where unreadable)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def workers_cpu(master: int) -> float:
    """CPU seconds (user + system) of gunicorn's workers so far, from /proc: a figure that the
    other jobs of a shared machine do not change, unlike the rates."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:  # ppid
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(port: int, workers: int) -> subprocess.Popen:
    env = dict(os.environ)
    env.update(
        DEBUG="false",
        API_BENCH_VIEW="true",
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        LOG_LEVEL="ERROR",
    )
    gunicorn = Path(sys.executable).with_name("gunicorn")
    command = [
        str(gunicorn),
        "config.wsgi:application",
        f"--workers={workers}",
        f"--bind=127.0.0.1:{port}",
        "--log-level=warning",
        "--keep-alive=30",
        "--timeout=60",
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            engine.fail("gunicorn stopped at start; see its output above")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.3)
    stop_gunicorn(process)
    engine.fail("gunicorn did not answer /healthz within a minute")


def stop_gunicorn(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


@dataclass
class LevelResult:
    clients: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    errors: dict[int, int] = field(default_factory=dict)

    # wrk reports its own figures (its latency covers every answer, 201 or not).
    wrk: dict[str, float] | None = None
    # CPU seconds the gunicorn workers used during the level (user + system).
    cpu_seconds: float = 0.0

    @property
    def cpu_ms_per_request(self) -> float:
        done = self.rate * self.seconds
        return self.cpu_seconds * 1000 / done if done else float("nan")

    @property
    def rate(self) -> float:
        if self.wrk is not None:
            return self.wrk["created"] / self.wrk["seconds"]
        return len(self.latencies) / self.seconds

    def percentile(self, fraction: float) -> float:
        if self.wrk is not None:
            return self.wrk[f"p{round(fraction * 100)}"]
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


WRK_SCRIPT = """
local cards = {%(cards)s}
local prefix = "%(prefix)s"
local threads = {}
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer %(key)s"
wrk.headers["Content-Type"] = "application/json"
function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end
function init(args)
  counter = 0
  errors = 0
  math.randomseed(id * 7919)
end
function request()
  counter = counter + 1
  local body = string.format('{"external_id":"%%s-%%d-%%d","member":"%%s","amount":"%%d.%%02d"}',
    prefix, id, counter, cards[math.random(#cards)], math.random(1, 79), math.random(0, 99))
  return wrk.format(nil, nil, nil, body)
end
function response(status, headers, body)
  if status ~= 201 then errors = errors + 1 end
end
function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do bad = bad + thread:get("errors") end
  local e = summary.errors
  io.write(string.format("RESULT %%d %%f %%f %%f %%d %%d\\n", summary.requests,
    summary.duration / 1e6, latency:percentile(50) / 1e6, latency:percentile(99) / 1e6, bad,
    e.connect + e.read + e.write + e.timeout))
end
"""


def run_level_wrk(
    port: int, path: str, key: str, cards: list[str], clients: int, seconds: float, run: str
) -> LevelResult:
    """wrk with `clients` connections (on up to two threads) for `seconds`."""
    script = WRK_SCRIPT % {
        "cards": ",".join(f'"{card}"' for card in cards),
        "prefix": f"{run}-c{clients}",
        "key": key,
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        command = [
            "wrk",
            f"--threads={min(clients, 2)}",
            f"--connections={clients}",
            f"--duration={max(1, round(seconds))}s",
            "--timeout=30s",
            f"--script={handle.name}",
            f"http://127.0.0.1:{port}{path}",
        ]
        ran = subprocess.run(command, capture_output=True, text=True, check=True)
        output = ran.stdout + ran.stderr
    finally:
        os.unlink(handle.name)
    line = next((row for row in output.splitlines() if row.startswith("RESULT ")), None)
    if line is None:
        engine.fail(f"wrk printed no result:\n{output}")
    requests, duration, p50, p99, bad, socket_errors = line.split()[1:]
    result = LevelResult(clients=clients, seconds=float(duration))
    created = int(requests) - int(bad)
    result.wrk = {"created": created, "seconds": float(duration), "p50": float(p50),
                  "p99": float(p99)}  # fmt: skip
    if int(bad):
        result.errors[-1] = int(bad)  # answered, but not 201
    if int(socket_errors):
        result.errors[0] = int(socket_errors)
    return result


def statements_per_request(key: str, card: str, run: str) -> dict[str, int]:
    """The SQL statements of one request of each kind, counted in this process (the same
    views and database as gunicorn's; a member's purchase after a first one)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}", SERVER_NAME="127.0.0.1")
    counted = {}
    for name, path in (("api", "/api/v1/purchases"), ("bare", "/api/v1/bench/bare-purchase")):
        for n in range(2):  # the first warms the process (its caches, the connection)
            body = {"external_id": f"{run}-{name}-q{n}", "member": card, "amount": "12.50"}
            with CaptureQueriesContext(connection) as queries:
                client.post(path, body, content_type="application/json", secure=True)
        counted[name] = len(queries.captured_queries)
        if os.environ.get("BENCH_SHOW_SQL"):
            for query in queries.captured_queries:
                print(f"    {name}: {query['sql'][:110]}")
    return counted


def run_level(
    port: int, path: str, key: str, cards: list[str], clients: int, seconds: float, run: str
) -> LevelResult:
    """`clients` threads, each with one keep-alive connection, posting for `seconds`."""
    result = LevelResult(clients=clients, seconds=seconds)
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)
    deadline: list[float] = []
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

    def client(index: int) -> None:
        rng = random.Random(index)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        errors: dict[int, int] = {}
        start.wait()
        n = 0
        while time.perf_counter() < deadline[0]:
            body = json.dumps(
                {
                    "external_id": f"{run}-c{clients}-{index}-{n}",
                    "member": rng.choice(cards),
                    "amount": f"{rng.randint(100, 8000) / 100:.2f}",
                }
            )
            before = time.perf_counter()
            try:
                conn.request("POST", path, body=body, headers=headers)
                answer = conn.getresponse()
                answer.read()
                status = answer.status
            except (OSError, http.client.HTTPException):
                status = 0
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            elapsed = time.perf_counter() - before
            if status == 201:
                mine.append(elapsed)
            else:
                errors[status] = errors.get(status, 0) + 1
            n += 1
        conn.close()
        with lock:
            result.latencies.extend(mine)
            for status, count in errors.items():
                result.errors[status] = result.errors.get(status, 0) + count

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    deadline.append(time.perf_counter() + seconds)
    start.wait()
    for thread in threads:
        thread.join()
    return result


def main() -> None:
    args = parse_args()
    db = engine.configure_environment(args)
    redis_url = choose_redis(args.redis)
    if redis_url:
        os.environ["REDIS_URL"] = redis_url
    else:
        os.environ.pop("REDIS_URL", None)
    engine.ensure_database(db)
    os.environ["API_BENCH_VIEW"] = "true"  # the bare view, for the statements' count
    # The bench measures the server, not the per-key rate limit: the platform's maximum is
    # lifted here, for this process (the profile mode) and gunicorn's, which inherits it.
    os.environ["API_RATE_MAX"] = "32767"
    engine.setup_django()
    from django.core.management import call_command

    # The cache (the database cache by default) holds SMS codes and allauth's own limits.
    call_command("createcachetable")

    from loyalty.models.points import Purchase
    from loyalty.tenancy.services import create_api_key
    from members.models import Member

    context = engine.machine_context()
    run_one = run_level_wrk if args.client == "wrk" else run_level
    shop = engine.bench_merchant(args.members, args.reuse)
    merchant = shop.merchant
    # The bench measures the server, not the per-key rate limit.
    merchant.api_requests_per_second = 32_000
    merchant.save(update_fields=["api_requests_per_second"])
    _key, raw = create_api_key(merchant=merchant, shop=shop, actor=None, name="bench/api.py")
    cards = list(
        Member.objects.filter(merchant=merchant)
        .order_by("?")
        .values_list("card_number", flat=True)[:SAMPLE_CARDS]
    )
    total = Member.objects.filter(merchant=merchant).count()
    run = f"api-{int(time.time())}-{secrets.token_hex(3)}"
    if args.profile:
        profile_purchases(raw, cards, f"{run}-prof", args.profile, args.profile_out)
        return
    statements = statements_per_request(raw, cards[0], f"{run}-q")
    from django.db import connections

    connections.close_all()  # gunicorn's workers open their own

    port = free_port()
    print(f"Starting gunicorn with {args.workers} workers on 127.0.0.1:{port} ...")
    process = start_gunicorn(port, args.workers)
    targets = [("API POST /api/v1/purchases", "/api/v1/purchases", f"{run}-a")]
    if not args.skip_bare:
        targets.append(("bare DRF insert", "/api/v1/bench/bare-purchase", f"{run}-b"))
    results: dict[str, list[LevelResult]] = {name: [] for name, _path, _run in targets}
    load_start = os.getloadavg()[0]
    try:
        # A warm-up per target with more connections than workers, so that every worker has
        # imported, connected and prepared before the figures (a cold worker's first answer
        # took 130 ms, the p99 of a whole level at one connection).
        for _name, path, prefix in targets:
            run_one(port, path, raw, cards, 2 * args.workers, 3.0, f"{prefix}-warm")
        # The targets take turns at each level, back to back, so that the machine's drift
        # over the run (other tenants of the VM, PostgreSQL's checkpoints) touches both alike.
        for index, clients in enumerate(args.levels):
            for name, path, prefix in targets:
                print(f"  {name}: {clients} clients for {args.seconds:g} s ...", flush=True)
                cpu_before = workers_cpu(process.pid)
                result = run_one(
                    port, path, raw, cards, clients, args.seconds, f"{prefix}-l{index}"
                )
                result.cpu_seconds = workers_cpu(process.pid) - cpu_before
                results[name].append(result)
    finally:
        stop_gunicorn(process)
    load_end = os.getloadavg()[0]
    # The bare rows have no ledger behind them: gone, the bench merchant still reconciles.
    Purchase.objects.filter(
        shop=shop,
        recorded_by=None,
        points_basis_amount=None,
        member__isnull=True,
        external_id__startswith=run,
    ).delete()

    print()
    for label, value in context:
        print(f"{label:>24}: {value}")
    print(f"{'load average (1 min)':>24}: {load_start:.2f} before, {load_end:.2f} after")
    print(f"{'members':>24}: {total:,} (a random {len(cards):,} of them buy)")
    print(f"{'gunicorn workers':>24}: {args.workers}")
    print(f"{'load generator':>24}: {args.client}")
    print(f"{'cache':>24}: {redis_url or 'the database cache (no Redis)'}")
    print(
        f"{'SQL statements':>24}: {statements['api']} per API purchase, "
        f"{statements['bare']} per bare insert (BEGIN and COMMIT included)"
    )
    print()
    header = f"{'conns':>5} | {'purchases/s':>11} {'p50 ms':>7} {'p99 ms':>7} {'cpu ms':>6}"
    header += f" {'errors':>6}"
    if not args.skip_bare:
        header += f" | {'bare/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'cpu ms':>6} | {'ratio':>5}"
    print("conns: wrk's connections; cpu ms: gunicorn workers' CPU per answered request")
    print(header)
    print("-" * len(header))
    for index, clients in enumerate(args.levels):
        api = results[targets[0][0]][index]
        line = (
            f"{clients:>5} | {api.rate:>11.1f} {api.percentile(0.5) * 1000:>7.1f} "
            f"{api.percentile(0.99) * 1000:>7.1f} {api.cpu_ms_per_request:>6.1f} "
            f"{sum(api.errors.values()):>6}"
        )
        if not args.skip_bare:
            bare = results[targets[1][0]][index]
            ratio = api.rate / bare.rate if bare.rate else float("nan")
            line += (
                f" | {bare.rate:>7.1f} {bare.percentile(0.5) * 1000:>7.1f} "
                f"{bare.percentile(0.99) * 1000:>7.1f} {bare.cpu_ms_per_request:>6.1f} "
                f"| {ratio:>5.2f}"
            )
        print(line)
    if not args.skip_bare:
        print_goal(args.levels, results[targets[0][0]], results[targets[1][0]])
    errors = {
        name: {status: count for r in levels for status, count in r.errors.items()}
        for name, levels in results.items()
    }
    if any(errors.values()):
        print(
            "\nnon-201 answers by status (0 = connection error, -1 = another status, from wrk):"
            f" {errors}"
        )


def print_goal(levels: list[int], api: list[LevelResult], bare: list[LevelResult]) -> None:
    """Issue 19's goal: API >= 0.5 x bare at the API's best level; p99 < 50 ms at half that
    load (the level below it whose API rate comes nearest half the best rate)."""
    top = max(range(len(levels)), key=lambda i: api[i].rate)
    ratio = api[top].rate / bare[top].rate if bare[top].rate else 0.0
    print()
    print(
        f"goal, rate: API {api[top].rate:.1f}/s against bare {bare[top].rate:.1f}/s at "
        f"{levels[top]} connections, ratio {ratio:.2f} (>= 0.50): "
        + ("PASS" if ratio >= 0.5 else "FAIL")
    )
    lower = [i for i in range(len(levels)) if levels[i] < levels[top]]
    if not lower:
        print("goal, latency: no level below the best one; add a lower one (--levels 1,…)")
        return
    half = api[top].rate / 2
    i = min(lower, key=lambda i: abs(api[i].rate - half))
    p99 = api[i].percentile(0.99) * 1000
    print(
        f"goal, latency: API p99 {p99:.1f} ms at {levels[i]} connection(s), "
        f"{api[i].rate:.1f}/s = {api[i].rate / api[top].rate:.2f} of the best rate "
        "(< 50 ms): " + ("PASS" if p99 < 50 else "FAIL")
    )


if __name__ == "__main__":
    main()

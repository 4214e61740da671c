"""Benchmark: the liaison queue and the case page on 100,000 cases, served by gunicorn on PostgreSQL.

Run alone from the repository root::

    .venv/bin/python bench/pages.py [--cases 100000] [--requests 60] [--clients 8]
        [--database-url postgres://postgres@127.0.0.1:5432/cellway_bench] [--keep]

It (1) drops and recreates the bench database and migrates it (``--keep``
reuses an already-seeded one and only applies new migrations), (2) seeds it
with ``bench/seed_cases.py``: a few hundred cases walked through the real
services, the rest copied in with PostgreSQL COPY (about 1.2 million events),
(3) serves the app with gunicorn and the production settings (DEBUG off) on
a free loopback port, (4) signs in as the liaison officer once per client,
then has ``--clients`` concurrent client processes each request, after a
warm-up, ``--requests`` times each of:

* the trivial view ``/healthz`` (with the session cookie, as a browser sends it),
* the liaison queue ``/queue/triage/``: the first page mostly, some later pages,
* case pages ``/cases/<uuid>/`` of random cases from the whole data set, some
  walked-through ones and the ones with the longest trails,

in a few interleaved rounds, so that drift of the machine hits all three
alike. Every response must be 200, or the run fails. The server is stopped
at the end, whatever happens. The last lines printed are::

    BENCH liaison_queue_p50_ms <v> ms
    BENCH liaison_queue_p95_ms <v> ms
    BENCH case_page_p50_ms <v> ms
    BENCH case_page_p95_ms <v> ms
    BENCH trivial_p50_ms <v> ms
    BENCH trivial_p95_ms <v> ms
    BENCH liaison_queue_p95_vs_trivial <ratio> x
    BENCH case_page_p95_vs_trivial <ratio> x

Aim: both pages' p95 under 150 ms and under 5x the trivial view's p95.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import math
import multiprocessing as mp
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from multiprocessing.pool import Pool
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/cellway_bench"
PAGE_SIZE = 50  # cellway.console.cases.views.PAGE_SIZE
KINDS = ("trivial", "liaison_queue", "case_page")


def say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


class Deadline(Exception):
    pass


# --- The database ----------------------------------------------------------------------


def _admin_url(database_url: str) -> tuple[str, str]:
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise SystemExit(f"refusing an unusual database name {name!r}")
    if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"the benchmark runs on loopback only, not {parts.hostname!r}")
    return urlunsplit(parts._replace(path="/postgres")), name


def recreate_database(database_url: str) -> None:
    import psycopg

    admin, name = _admin_url(database_url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    say(f"database {name} created")


def seeded_cases(database_url: str) -> int:
    """How many cases the bench database holds (0 if it or its tables do not exist)."""
    import psycopg

    try:
        with psycopg.connect(database_url) as conn:
            row = conn.execute("SELECT count(*) FROM cases_case").fetchone()
            return int(row[0]) if row else 0
    except psycopg.Error:
        return 0


def server_env(database_url: str, var_dir: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELLWAY_", "DATABASE_URL", "REDIS_URL"))}
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="cellway.settings",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="bench-throwaway-" + uuid.uuid4().hex + uuid.uuid4().hex,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_SECURE_COOKIES="false",
        CELLWAY_TASKS_BACKEND="db",
        CELLWAY_VAR_DIR=var_dir,
        CELLWAY_LOG_LEVEL="WARNING",
        # The benchmark measures pages, not the second factor: its users sign in with a password alone.
        CELLWAY_STAFF_MFA="off",
        PYTHONUNBUFFERED="1",
    )
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)  # noqa: S603


# --- The server --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, env: dict[str, str], workers: int, worker_class: str, threads: int, log: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "cellway.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(workers),
            "--worker-class",
            worker_class,
            "--threads",
            str(threads),
            "--timeout",
            "60",
            "--log-level",
            "warning",
            "--error-logfile",
            str(log),
        ]
        self.describe = f"gunicorn {workers} x {worker_class}" + (f" ({threads} threads)" if worker_class == "gthread" else "")
        self.log = log
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)  # noqa: S603

    def wait_ready(self, timeout: float = 60) -> None:
        import httpx

        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.log.read_text()[-3000:]}")
            try:
                if httpx.get(self.base + "/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer /healthz within {timeout:.0f} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # graceful: the master stops its workers
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        # Leave no worker behind if the master died first.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        say("server stopped")


# --- The clients --------------------------------------------------------------------------


def sign_in(base: str, username: str, password: str) -> dict[str, str]:
    """Sign in through /accounts/login/ (allauth) as a browser would; return the session cookies."""
    import httpx

    with httpx.Client(base_url=base, timeout=30) as client:
        form = client.get("/accounts/login/")
        form.raise_for_status()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
        if token is None:
            raise RuntimeError("no CSRF token in the sign-in form")
        done = client.post("/accounts/login/", data={"login": username, "password": password, "csrfmiddlewaretoken": token.group(1)})
        if done.status_code != 302 or "sessionid" not in client.cookies:
            raise RuntimeError(f"signing in as {username} failed: HTTP {done.status_code}")
        return dict(client.cookies.items())


def run_client(job: tuple[str, dict[str, str], list[tuple[str, str]]]) -> list[tuple[str, str, int, float]]:
    """One client: request each (kind, path) in turn; return (kind, path, status, seconds) for each."""
    import httpx

    base, cookies, plan = job
    out = []
    with httpx.Client(base_url=base, cookies=cookies, timeout=30, follow_redirects=False) as client:
        for kind, path in plan:
            start = time.perf_counter()
            try:
                response = client.get(path)
                status = response.status_code
            except httpx.HTTPError:
                status = 0
            out.append((kind, path, status, time.perf_counter() - start))
    return out


def _client_init() -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


Mix = list[tuple[list[str], float]]  # groups of paths, each with its share of the requests


def targets(database_url: str, rng: random.Random) -> tuple[Mix, Mix, dict[str, int], dict[str, str]]:
    """Queue paths and case paths to request, from what the database holds."""
    import psycopg

    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT count(*) FROM cases_case WHERE stage = 'triage'").fetchone()
        triage = int(row[0]) if row else 0
        spread = [r[0] for r in conn.execute("SELECT uuid FROM cases_case TABLESAMPLE SYSTEM (5) LIMIT 3000")]
        # Walked through the services: codes CW-YYYY-NNNN (bulk rows have six digits).
        walked = [r[0] for r in conn.execute("SELECT uuid FROM cases_case WHERE length(code) = 12")]
        heavy = [
            r[0]
            for r in conn.execute(
                "SELECT c.uuid FROM cases_case c JOIN (SELECT case_id, count(*) n FROM cases_caseevent "
                "GROUP BY case_id ORDER BY n DESC LIMIT 10) e ON e.case_id = c.id"
            )
        ]
    pages = max(1, math.ceil(triage / PAGE_SIZE))
    later = sorted({p for p in (2, 3, pages // 2, pages) if 1 < p <= pages})
    queue: Mix = [(["/queue/triage/"], 0.7), ([f"/queue/triage/?page={p}" for p in later], 0.3 if later else 0.0)]
    # Mostly random cases of any stage; some walked through the services (every
    # related row a real case has); some with the longest trails.
    cases: Mix = [
        ([f"/cases/{u}/" for u in spread], 0.8),
        ([f"/cases/{u}/" for u in walked], 0.15 if walked else 0.0),
        ([f"/cases/{u}/" for u in heavy], 0.05 if heavy else 0.0),
    ]
    info = {"triage": triage, "pages": pages, "spread": len(spread), "walked": len(walked), "heavy": len(heavy)}
    groups = {
        path: label for (paths, _), label in zip(cases, ("random case", "walked case", "longest trails"), strict=True) for path in paths
    }
    return queue, cases, info, groups


def plan_for(kind: str, mix: Mix, n: int, rng: random.Random) -> list[tuple[str, str]]:
    groups = [g for g, w in mix if g and w > 0]
    weights = [w for g, w in mix if g and w > 0]
    return [(kind, rng.choice(rng.choices(groups, weights)[0])) for _ in range(n)]


def demo_password() -> str:
    """`cellway.demo.staff.DEMO_PASSWORD`, read without setting Django up in this process."""
    tree = ast.parse((ROOT / "cellway" / "demo" / "staff.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "DEMO_PASSWORD" for t in node.targets):
            return str(ast.literal_eval(node.value))
    raise RuntimeError("DEMO_PASSWORD not found in cellway/demo/staff.py")


# --- Is the machine ours? ---------------------------------------------------------------


def _busy_ticks() -> int:
    """CPU ticks the whole machine spent busy since boot."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(fields) - fields[3] - fields[4]  # all but idle and iowait


def _process_ticks() -> dict[int, tuple[int, int, str]]:
    """pid -> (parent pid, user + system ticks, command) for every process."""
    out = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            rest = stat.rsplit(")", 1)[1].split()
            out[int(entry.name)] = (int(rest[1]), int(rest[11]) + int(rest[12]), cmdline)
    return out


class CpuShare:
    """How much of the machine's busy CPU during the measurement was not the benchmark's.

    Ours: this process and its descendants (clients, gunicorn and its workers)
    and the PostgreSQL backends serving the bench database. Anything else
    (someone's test suite, say) competes for the same cores and makes the
    latencies noisy; the share is printed with the results.
    """

    def __init__(self, database: str) -> None:
        self.database = database
        self.start = (_busy_ticks(), _process_ticks())

    def _ours(self, procs: dict[int, tuple[int, int, str]]) -> set[int]:
        ours = {os.getpid()}
        grew = True
        while grew:
            more = {pid for pid, (ppid, _, _) in procs.items() if ppid in ours} - ours
            ours |= more
            grew = bool(more)
        return ours | {pid for pid, (_, _, cmd) in procs.items() if cmd.startswith("postgres: ") and f" {self.database} " in cmd}

    def others(self) -> float:
        busy0, procs0 = self.start
        busy1, procs1 = _busy_ticks(), _process_ticks()
        ours = self._ours(procs1) | self._ours(procs0)
        mine = sum(procs1[p][1] - procs0.get(p, (0, 0, ""))[1] for p in ours if p in procs1)
        total = busy1 - busy0
        return max(0.0, (total - mine) / total) if total else 0.0


# --- Main ---------------------------------------------------------------------------------


Result = tuple[str, str, int, float]  # kind, path, status, seconds


@dataclass(frozen=True)
class Measured:
    results: list[Result]
    case_groups: dict[str, str]  # case page path -> kind of case
    server: str  # how the server ran
    others: float  # share of the busy CPU other processes used while measuring


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    _give_up_after(args.max_minutes)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="cellway-bench-") as var_dir:
        measured = _seed_serve_and_measure(args, var_dir)
    stats = _report(args, measured, started)
    trivial95 = stats["trivial"][1]
    print(f"BENCH liaison_queue_p50_ms {stats['liaison_queue'][0]:.1f} ms")
    print(f"BENCH liaison_queue_p95_ms {stats['liaison_queue'][1]:.1f} ms")
    print(f"BENCH case_page_p50_ms {stats['case_page'][0]:.1f} ms")
    print(f"BENCH case_page_p95_ms {stats['case_page'][1]:.1f} ms")
    print(f"BENCH trivial_p50_ms {stats['trivial'][0]:.1f} ms")
    print(f"BENCH trivial_p95_ms {trivial95:.1f} ms")
    print(f"BENCH liaison_queue_p95_vs_trivial {stats['liaison_queue'][1] / trivial95:.2f} x")
    print(f"BENCH case_page_p95_vs_trivial {stats['case_page'][1] / trivial95:.2f} x")
    return 0


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=60, help="measured requests of each page per client (default 60)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--keep", action="store_true", help="reuse an already-seeded database (only new migrations are applied)")
    parser.add_argument("--walked", type=int, default=240, help="cases walked through the real services when seeding")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=1, help="threads per worker with --worker-class gthread")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds of trivial, queue and case requests")
    parser.add_argument("--warmup", type=int, default=10, help="unmeasured requests of each page per client first")
    parser.add_argument("--max-minutes", type=float, default=45, help="give up (and stop the server) after this long")
    parser.add_argument("--seed", type=int, default=2026)
    return parser.parse_args(argv)


def _give_up_after(max_minutes: float) -> None:
    """Raise Deadline after `max_minutes`, and turn SIGTERM into KeyboardInterrupt, so the server is always stopped."""

    def on_deadline(*_: Any) -> None:
        raise Deadline(f"the benchmark ran over {max_minutes:g} minutes")

    signal.signal(signal.SIGALRM, on_deadline)

    def on_term(*_: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    signal.alarm(int(max_minutes * 60))


def _seed_serve_and_measure(args: argparse.Namespace, var_dir: str) -> Measured:
    rng = random.Random(args.seed)
    server: Server | None = None
    pool: Pool | None = None
    env = server_env(args.database_url, var_dir)
    try:
        _seed(args, env, var_dir)
        manage(env, "collectstatic", "--noinput", "--verbosity", "0")

        queue_paths, case_paths, info, case_groups = targets(args.database_url, rng)
        say(
            f"triage queue: {info['triage']} cases, {info['pages']} pages; case pages from {info['spread']} sampled cases, "
            f"{info['walked']} walked, {info['heavy']} with the longest trails"
        )

        server = Server(env, args.workers, args.worker_class, args.threads, Path(var_dir) / "gunicorn.log")
        server.wait_ready()
        say(f"{server.describe} on {server.base}")

        sessions = [sign_in(server.base, "liam", demo_password()) for _ in range(args.clients)]
        say(f"{args.clients} clients signed in as liam (liaison officer)")

        paths: dict[str, Mix] = {"trivial": [(["/healthz"], 1.0)], "liaison_queue": queue_paths, "case_page": case_paths}
        pool = mp.get_context("fork").Pool(args.clients, initializer=_client_init)
        results, others = _measure(args, pool, server, sessions, paths, rng)
        return Measured(results=results, case_groups=case_groups, server=server.describe, others=others)
    except BaseException:
        if server is not None and server.log.exists():
            print(server.log.read_text()[-3000:], file=sys.stderr)
        raise
    finally:
        signal.alarm(0)
        if pool is not None:
            pool.terminate()
            pool.join()
        if server is not None:
            server.stop()


def _seed(args: argparse.Namespace, env: dict[str, str], var_dir: str) -> None:
    """Migrate, and seed the cases unless --keep finds them there already."""
    existing = seeded_cases(args.database_url) if args.keep else 0
    if existing:
        say(f"--keep: reusing the database with {existing} cases")
        manage(env, "migrate", "--verbosity", "0")
        return
    recreate_database(args.database_url)
    say("migrating")
    manage(env, "migrate", "--verbosity", "0")
    subprocess.run(  # noqa: S603
        [
            sys.executable,
            str(ROOT / "bench" / "seed_cases.py"),
            "--database-url",
            args.database_url,
            "--cases",
            str(args.cases),
            "--walked",
            str(args.walked),
            "--seed",
            str(args.seed),
            "--var-dir",
            var_dir,
        ],
        cwd=ROOT,
        env=env,
        check=True,
    )


def _measure(
    args: argparse.Namespace, pool: Pool, server: Server, sessions: list[dict[str, str]], paths: dict[str, Mix], rng: random.Random
) -> tuple[list[Result], float]:
    """Warm up, then interleaved rounds of every kind of page; the results and the CPU share of other processes."""

    def phase(kind: str, n: int) -> list[Result]:
        jobs = [(server.base, sessions[i], plan_for(kind, paths[kind], n, rng)) for i in range(args.clients)]
        return [r for rs in pool.map(run_client, jobs, chunksize=1) for r in rs]

    say(f"warming up: {args.warmup} requests of each page per client")
    warm = []
    for kind in KINDS:
        warm += phase(kind, args.warmup)

    results: list[Result] = []
    per_round = [args.requests // args.rounds + (1 if r < args.requests % args.rounds else 0) for r in range(args.rounds)]
    t0 = time.monotonic()
    share = CpuShare(_admin_url(args.database_url)[1])
    for r, n in enumerate(per_round, 1):
        for kind in KINDS:
            results += phase(kind, n)
        say(f"round {r}/{args.rounds} done ({len(results)} requests, {time.monotonic() - t0:.0f} s)")
    others = share.others()

    bad = [(k, p, s) for k, p, s, _ in warm + results if s != 200]
    if bad:
        raise RuntimeError(f"{len(bad)} responses were not 200, e.g. {bad[:5]}; see {server.log}:\n{server.log.read_text()[-3000:]}")
    return results, others


def _report(args: argparse.Namespace, measured: Measured, started: float) -> dict[str, tuple[float, float]]:
    """Say the latencies of each kind of page (the queue by page, the case pages by kind of case); their p50 and p95."""
    results, case_groups, others = measured.results, measured.case_groups, measured.others
    stats: dict[str, tuple[float, float]] = {}
    for kind in KINDS:
        seconds = [s for k, _, _, s in results if k == kind]
        busy = sum(seconds)
        p50, p95 = percentile(seconds, 50) * 1000, percentile(seconds, 95) * 1000
        stats[kind] = (p50, p95)
        say(
            f"{kind:<14} n={len(seconds):<5} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  "
            f"max {max(seconds) * 1000:7.1f} ms  ~{len(seconds) * args.clients / busy:6.1f} req/s"
        )
    for kind, label in (("liaison_queue", lambda p: p), ("case_page", lambda p: case_groups.get(p, "?"))):
        by_label: dict[str, list[float]] = {}
        for k, p, _, s in results:
            if k == kind:
                by_label.setdefault(label(p), []).append(s)
        for name, seconds in sorted(by_label.items()):
            p50, p95 = percentile(seconds, 50) * 1000, percentile(seconds, 95) * 1000
            say(f"  {kind:<14} {name:<24} n={len(seconds):<4} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms")
    say(f"{measured.server}, {args.clients} clients, {os.cpu_count()} cores, total {time.monotonic() - started:.0f} s")
    say(
        f"other processes used {others:.0%} of the busy CPU while measuring"
        + (" (noisy: rerun on a quiet machine)" if others > 0.1 else "")
    )
    return stats


if __name__ == "__main__":
    sys.exit(main())

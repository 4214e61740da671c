"""Benchmark: live chat's delivery latency and losses with N concurrent conversations, each an open WebSocket,
against locally started ASGI servers (uvicorn as production runs it, or daphne to compare; cellway.asgi,
production settings).

Run alone from the repository root::

    .venv/bin/python bench/chat.py [--conversations 200] [--messages 10] [--interval 2.0] [--server uvicorn|daphne]
    .venv/bin/python bench/chat.py --servers 2 --database-url postgres://postgres@127.0.0.1:5432/chat_bench \
        --redis-url redis://127.0.0.1:6379/13

Set-up (not timed): a fresh SQLite database in a temporary folder (or the PostgreSQL database ``--database-url``
names, dropped and created), one customer-care representative per ten conversations (CELLWAY_CHAT_MAX_OPEN=10),
and N visitors whose chats are started and assigned through the services. ``--servers`` processes of ``--server``
accept on one listening socket (more than one needs the Redis channel layer, ``--redis-url``). Then, at once:

* every representative opens the console's socket and answers each visitor message as it arrives;
* every visitor opens its socket and sends ``--messages`` messages, one every ``--interval`` seconds (jittered);
* mid-run a quarter of the visitors' sockets are cut (the TCP connection aborted, no close handshake), stay away
  a second, reconnect with ``?after=<last id>`` and resend what was not acknowledged under the same client ids.

Delivery latency is from the sender's send to the other side's socket receiving it (both sides in this process,
one clock). Once the visitors have sent everything, the sockets stay open until everything has arrived or nothing
more arrives (the drain). Then, against what the server stored (read back at the end): lost = stored and never
received by the other side once the server settled; late = the same but the drain reached its cap with
deliveries still coming; in flight = sent, not yet stored (the sender still holds it unacknowledged); not sent =
the run's deadline came first (an overloaded machine); doubled = received twice. The baseline in the same run:
the same number of concurrent clients doing plain HTTP round trips (``GET /healthz``) to the same server(s).
The load average and the CPU seconds of the servers (and PostgreSQL and Redis) are printed with the figures.
Printed last::

    BENCH chat_conversations <n> conversations
    BENCH chat_delivery_p50_ms <ms> ms
    BENCH chat_delivery_p95_ms <ms> ms
    BENCH chat_messages_delivered <n> messages
    BENCH chat_messages_lost <n> messages
    BENCH chat_messages_doubled <n> messages
    BENCH chat_messages_late_at_drain_cap <n> messages
    BENCH chat_messages_in_flight_at_end <n> messages
    BENCH chat_messages_not_sent_by_deadline <n> messages
    BENCH chat_sockets_cut <n> sockets
    BENCH chat_server_cpu_s <s> s
    BENCH http_roundtrip_p50_ms <ms> ms
    BENCH http_roundtrip_p95_ms <ms> ms
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import websockets

ROOT = Path(__file__).resolve().parent.parent

SETUP = r"""
import json, sys
import django
django.setup()
from django.contrib.auth.models import Group
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from cellway.accounts.models import User
from cellway.accounts.roles import Role
from cellway.conversations import chat
from cellway.site.chat_socket import SESSION_KEY

n, per = int(sys.argv[1]), int(sys.argv[2])
care = Group.objects.get(name=Role.CARE)
reps = []
for i in range((n + per - 1) // per):
    user = User.objects.create_user(f"bench-rep-{i}", first_name=f"Rep{i}")
    user.groups.add(care)
    user = User.objects.get(pk=user.pk)
    chat.heartbeat(by=user, available=True, languages=["en", "ar", "zh-hans"])
    client = Client()
    client.force_login(user)
    reps.append({"cookie": f"sessionid={client.cookies['sessionid'].value}"})
visitors = []
for i in range(n):
    key = chat.new_visitor_key()
    session = SessionStore()
    session[SESSION_KEY] = key
    session.create()
    conversation = chat.start_chat(visitor_key=key, language="en", page="/en/", name=f"Visitor {i}")
    visitors.append({"cookie": f"sessionid={session.session_key}", "uuid": str(conversation.uuid)})
print(json.dumps({"reps": reps, "visitors": visitors}))
"""


def environment(var_dir: str, args: argparse.Namespace) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELLWAY_", "DATABASE_", "REDIS_URL"))}
    env.update(
        DJANGO_SETTINGS_MODULE="cellway.settings",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_SECURE_COOKIES="false",
        DJANGO_HSTS_SECONDS="0",
        CELLWAY_VAR_DIR=var_dir,
        CELLWAY_STAFF_MFA="off",
        CELLWAY_CHAT_HOURS="00-24",
        CELLWAY_CHAT_MAX_OPEN=str(args.per_representative),
        CELLWAY_CHAT_MESSAGES_PER_MINUTE="10000",
        CELLWAY_CHAT_PRESENCE_SECONDS="3600",
        CELLWAY_CHANNEL_LAYER="redis" if args.redis_url else "memory",
        CELLWAY_TASKS_BACKEND="db",
        CELLWAY_LOG_LEVEL="WARNING",
        DB_CONN_MAX_AGE="600",  # persistent connections, as an ASGI server should run (on SQLite too)
        PYTHONPATH=str(ROOT),
    )
    if args.redis_url:
        env["REDIS_URL"] = args.redis_url  # the channel layer, and the cache the rate limit counts in
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    return env


def recreate_database(database_url: str) -> None:
    """Drop and create the PostgreSQL database named in ``database_url`` (loopback only)."""
    import psycopg

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise SystemExit(f"refusing an unusual database name {name!r}")
    if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"the benchmark runs on loopback only, not {parts.hostname!r}")
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _ticks(pid: int) -> int:
    """User + system CPU ticks of one process so far (0 once it is gone)."""
    try:
        rest = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(rest[11]) + int(rest[12])


def _busy_ticks() -> int:
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(fields) - fields[3] - fields[4]  # all but idle and iowait


def _helpers(database: str) -> list[int]:
    """The PostgreSQL backends serving the bench database and the Redis server: work done for the benchmark."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if (database and cmd.startswith("postgres: ") and f" {database} " in cmd) or cmd.startswith("redis-server"):
                pids.append(int(entry.name))
    return pids


class Cpu:
    """CPU seconds the servers, this client process, and PostgreSQL + Redis spent while measuring, and the share
    of the machine's busy CPU that was none of those (other people's work: the figures are noisy above ~10%)."""

    def __init__(self, servers: list[subprocess.Popen[bytes]], database: str) -> None:
        self.servers, self.database = servers, database
        self.hz = os.sysconf("SC_CLK_TCK")
        self.start = self._now()

    def _now(self) -> tuple[int, int, float, dict[int, int]]:
        return _busy_ticks(), sum(_ticks(p.pid) for p in self.servers), time.process_time(), {p: _ticks(p) for p in _helpers(self.database)}

    def report(self) -> dict[str, float]:
        busy0, servers0, client0, helpers0 = self.start
        busy1, servers1, client1, helpers1 = self._now()
        servers = (servers1 - servers0) / self.hz
        client = client1 - client0
        helpers = sum(t - helpers0.get(p, 0) for p, t in helpers1.items()) / self.hz
        busy = (busy1 - busy0) / self.hz
        return {
            "servers": servers,
            "client": client,
            "db_and_redis": helpers,
            "others": max(0.0, busy - servers - client - helpers) / busy if busy else 0.0,
        }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


class Run:
    """What both sides sent and received: latencies by message key, and how often each key arrived."""

    def __init__(self) -> None:
        self.sent: dict[str, float] = {}
        self.received: dict[str, int] = {}
        self.latency_ms: list[float] = []

    def send(self, key: str) -> None:
        self.sent.setdefault(key, time.perf_counter())

    def arrive(self, key: str) -> None:
        self.received[key] = self.received.get(key, 0) + 1
        if self.received[key] == 1 and key in self.sent:
            self.latency_ms.append((time.perf_counter() - self.sent[key]) * 1000)


async def representative(url: str, cookie: str, run: Run, stop: asyncio.Event) -> None:
    headers = {"Cookie": cookie, "Origin": "http://127.0.0.1"}
    seen: set[int] = set()
    while not stop.is_set():
        try:
            await _answer(url, headers, run, stop, seen)
        except (websockets.WebSocketException, OSError):
            await asyncio.sleep(0.5)


async def _answer(url: str, headers: dict[str, str], run: Run, stop: asyncio.Event, seen: set[int]) -> None:
    async with websockets.connect(url, additional_headers=headers, max_queue=None, open_timeout=60) as ws:
        await ws.send(json.dumps({"type": "heartbeat", "available": True}))
        while not stop.is_set():
            try:
                raw = await asyncio.wait_for(ws.recv(), timeout=0.5)
            except TimeoutError:
                continue
            data = json.loads(raw)
            if data.get("type") != "messages":
                continue
            for message in data["messages"]:
                if message["id"] in seen or message["from"] != "visitor":
                    continue
                seen.add(message["id"])
                key = message["body"]
                run.arrive(key)
                answer = "r" + key[1:]
                run.send(answer)
                await ws.send(
                    json.dumps({"type": "send", "conversation": data["conversation"], "client_id": str(uuid.uuid4()), "body": answer})
                )


async def visitor(  # noqa: C901, PLR0915 - one loop: connect, send on schedule, read, cut once, reconnect
    base: str,
    who: dict[str, str],
    index: int,
    args: argparse.Namespace,
    run: Run,
    cut: bool,
    cut_at: float,
    cuts: list[int],
    finished: asyncio.Event,
    stop: asyncio.Event,
) -> list[str]:
    """One visitor: sends its messages on schedule until its deadline, then keeps its socket open (reading the
    last replies) until ``stop``; sets ``finished`` once it has sent everything and heard every reply, or its
    deadline passed. Returns the bodies it never got an acknowledgement for (the server may not hold them)."""
    headers = {"Cookie": who["cookie"], "Origin": "http://127.0.0.1"}
    last_id = 0
    seen: set[int] = set()
    outbox: dict[str, str] = {}  # client id -> body, until acknowledged
    to_send = [f"v|{index}|{n}" for n in range(args.messages)]
    await asyncio.sleep(random.uniform(0, args.ramp))  # people arrive over the ramp, not in one instant
    started = time.perf_counter()
    replies = 0
    deadline = started + args.messages * args.interval + args.grace

    def done() -> bool:
        if not (to_send or outbox or replies < args.messages) or time.perf_counter() >= deadline:
            finished.set()
        return stop.is_set()

    while not done():
        url = f"{base(index)}/ws/chat/{who['uuid']}/?after={last_id}"
        try:
            async with websockets.connect(url, additional_headers=headers, max_queue=None, open_timeout=60) as ws:
                for client_id, body in outbox.items():  # resent after a cut: the same ids, stored once
                    await ws.send(json.dumps({"type": "send", "client_id": client_id, "body": body}))
                next_send = time.perf_counter()
                while not done():
                    now = time.perf_counter()
                    if cut and now - started > cut_at:
                        cut = False
                        cuts.append(index)
                        ws.transport.abort()  # the connection drops: no close handshake
                        await asyncio.sleep(1.0)
                        break
                    if to_send and now >= next_send and now < deadline:
                        body = to_send.pop(0)
                        client_id = str(uuid.uuid4())
                        outbox[client_id] = body
                        run.send(body)
                        await ws.send(json.dumps({"type": "send", "client_id": client_id, "body": body}))
                        next_send = now + args.interval * random.uniform(0.8, 1.2)
                    # Wake for the next message, the next send or the cut, whichever is first (and at least every
                    # 0.5 s to notice the end): no polling, so the client takes little of the CPU it shares.
                    wake = min(next_send if to_send else now + 0.5, started + cut_at if cut else now + 0.5, now + 0.5)
                    try:
                        raw = await asyncio.wait_for(ws.recv(), timeout=max(0.0, wake - time.perf_counter()))
                    except TimeoutError:
                        continue
                    data = json.loads(raw)
                    if data.get("type") == "ack":
                        outbox.pop(data["client_id"], None)
                    elif data.get("type") == "messages":
                        for message in data["messages"]:
                            last_id = max(last_id, message["id"])
                            if message["id"] in seen:
                                continue
                            seen.add(message["id"])
                            if message["from"] == "representative":
                                replies += 1
                                run.arrive(message["body"])
        except (websockets.WebSocketException, OSError):
            await asyncio.sleep(0.5)
    return list(outbox.values())


async def http_baseline(base: str, clients: int, requests_each: int) -> list[float]:
    timings: list[float] = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:

        async def one() -> None:
            for _ in range(requests_each):
                began = time.perf_counter()
                response = await client.get("/healthz")
                response.raise_for_status()
                timings.append((time.perf_counter() - began) * 1000)
                await asyncio.sleep(random.uniform(0, 0.2))

        await asyncio.gather(*(one() for _ in range(clients)))
    return timings


async def stored_bodies(base: str, visitors: list[dict[str, str]]) -> set[str]:
    """Every message body the database holds for these chats, read back through the widget's HTTP endpoint."""
    bodies: set[str] = set()
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        for who in visitors:
            response = await client.get(f"/chat/{who['uuid']}/messages/?after=0", headers={"Cookie": who["cookie"]})
            response.raise_for_status()
            bodies.update(m["body"] for m in response.json()["messages"])
    return bodies


@dataclass
class Exchanged:
    run: Run
    cuts: list[int]
    unacknowledged: set[str]  # bodies the sender never had acknowledged (in flight when the run ended)
    complete: bool  # every message a client sent reached the other side
    settled: bool  # complete, or nothing more arrived for --quiet seconds: the server had nothing left to deliver
    drain_s: float  # how long after the last visitor finished the drain took


async def exchange(bases: list[str], people: dict[str, Any], args: argparse.Namespace) -> Exchanged:
    run = Run()
    stop = asyncio.Event()

    def base(i: int) -> str:  # with several ports, clients are split among them
        return bases[i % len(bases)]

    reps = [
        asyncio.create_task(representative(f"{base(i)}/ws/console/chats/", r["cookie"], run, stop)) for i, r in enumerate(people["reps"])
    ]
    await asyncio.sleep(5)  # the representatives' sockets are open before the first visitor arrives
    n = len(people["visitors"])
    cut = set(random.sample(range(n), n // 4))
    cut_at = args.messages * args.interval * 0.4  # after each visitor's own start
    cuts: list[int] = []
    finished = [asyncio.Event() for _ in range(n)]
    visitors = [
        asyncio.create_task(visitor(base, who, i, args, run, i in cut, cut_at, cuts, finished[i], stop))
        for i, who in enumerate(people["visitors"])
    ]
    await asyncio.gather(*(event.wait() for event in finished))
    # Drain: the sockets stay open until everything sent has reached the other side, or nothing more has arrived
    # for --quiet seconds (the server has nothing left to deliver), or --drain seconds at most. A message still on
    # its way when the visitors stop sending is late, not lost.
    began = last_progress = time.perf_counter()
    arrived = len(run.received)
    drained = quiet = False
    while time.perf_counter() - began < args.drain:
        if all(key in run.received for key in run.sent):
            drained = True
            break
        if len(run.received) != arrived:
            arrived, last_progress = len(run.received), time.perf_counter()
        elif time.perf_counter() - last_progress > args.quiet:
            quiet = True
            break
        await asyncio.sleep(0.1)
    drain_s = time.perf_counter() - began
    stop.set()
    unacknowledged = {body for bodies in await asyncio.gather(*visitors) for body in bodies}
    await asyncio.gather(*reps, return_exceptions=True)
    return Exchanged(run, cuts, unacknowledged, drained, drained or quiet, drain_s)


def start_servers(
    args: argparse.Namespace, env: dict[str, str], listener: socket.socket, profile_dir: Path | None
) -> list[subprocess.Popen[bytes]]:
    """``--servers`` processes of ``--server`` accepting on one listening socket (inherited by each: the kernel gives
    every new connection to one of them), as several workers behind one port would in production."""
    servers = []
    fd = str(listener.fileno())
    for i in range(args.servers):
        profile = ["-m", "cProfile", "-o", str(profile_dir / f"server-{i}.prof")] if profile_dir else []
        if args.server == "uvicorn":
            # As production runs it (README): uvloop, httptools and the websockets library, no per-message deflate
            # (compressing each small frame cost more CPU than it saved; daphne does not compress either); Django
            # has no lifespan.
            command = [sys.executable, *profile, "-m", "uvicorn", "--fd", fd, "--loop", "uvloop", "--http", "httptools"]
            command += [
                "--ws",
                "websockets-sansio",
                "--ws-per-message-deflate",
                "false",
                "--lifespan",
                "off",
                "--timeout-keep-alive",
                "60",
                "--no-access-log",
                "--log-level",
                "warning",
            ]
            command += ["--backlog", "4096", "cellway.asgi:application"]
        else:
            command = [sys.executable, *profile, "-m", "daphne", "--fd", fd, "-v", "0"]
            command += ["--websocket_connect_timeout", "60", "cellway.asgi:application"]
        servers.append(subprocess.Popen(command, cwd=ROOT, env=env, pass_fds=(listener.fileno(),)))  # noqa: S603
    return servers


def stop_servers(servers: list[subprocess.Popen[bytes]]) -> None:
    for server in servers:
        server.send_signal(signal.SIGINT)  # as Ctrl-C: the reactor stops and a profile, if any, is written
    for server in servers:
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def main() -> None:  # noqa: C901, PLR0915 - set up, serve, measure, count: one straight story
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument("--messages", type=int, default=10, help="messages each visitor sends (each answered)")
    parser.add_argument("--interval", type=float, default=2.0, help="seconds between one visitor's messages")
    parser.add_argument("--per-representative", type=int, default=10)
    parser.add_argument("--ramp", type=float, default=10.0, help="seconds over which the visitors open their sockets")
    parser.add_argument("--grace", type=float, default=30.0, help="seconds a visitor may run past its last planned send")
    parser.add_argument("--drain", type=float, default=180.0, help="seconds at most to wait, once visitors stop, for what is in flight")
    parser.add_argument("--quiet", type=float, default=5.0, help="the drain ends once nothing has arrived for this long")
    parser.add_argument("--server", choices=("uvicorn", "daphne"), default="uvicorn", help="the ASGI server (production's is uvicorn)")
    parser.add_argument("--servers", type=int, default=1, help="server processes behind the one port (more than 1 needs --redis-url)")
    parser.add_argument("--database-url", default="", help="a PostgreSQL database to drop and create (loopback); default SQLite")
    parser.add_argument("--redis-url", default="", help="the Redis channel layer (and cache), e.g. redis://127.0.0.1:6379/13")
    parser.add_argument("--profile-dir", default="", help="run each server under cProfile, writing server-<n>.prof here")
    args = parser.parse_args()
    if args.servers > 1 and not args.redis_url:
        parser.error("several servers tell each other's sockets through Redis: give --redis-url")
    python = sys.executable
    database = urlsplit(args.database_url).path.lstrip("/") if args.database_url else ""
    layer = "Redis" if args.redis_url else "in-memory"
    setup = f"{args.servers} {args.server} process(es) on {'PostgreSQL' if database else 'SQLite'}, {layer} channel layer"
    print(f"Load average before: {load_average()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="cellway-bench-chat-") as var_dir:
        env = environment(var_dir, args)
        if database:
            recreate_database(args.database_url)
        print(f"Setting up {args.conversations} conversations ({setup}) …", flush=True)
        subprocess.run([python, "manage.py", "migrate", "--verbosity", "0"], cwd=ROOT, env=env, check=True)  # noqa: S603
        made = subprocess.run(  # noqa: S603
            [python, "-c", SETUP, str(args.conversations), str(args.per_representative)],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        people = json.loads(made.stdout.strip().splitlines()[-1])
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(4096)
        listener.set_inheritable(True)
        port = int(listener.getsockname()[1])
        profile_dir = Path(args.profile_dir).resolve() if args.profile_dir else None
        if profile_dir:
            profile_dir.mkdir(parents=True, exist_ok=True)
        servers = start_servers(args, env, listener, profile_dir)
        try:
            for _ in range(600):
                try:
                    httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).raise_for_status()
                    break
                except httpx.HTTPError:
                    time.sleep(0.1)
            time.sleep(1 if args.servers > 1 else 0)  # the other processes finish starting too
            print(f"Serving on {port}; baseline: {args.conversations} clients doing HTTP round trips …", flush=True)
            baseline = asyncio.run(http_baseline(f"http://127.0.0.1:{port}", args.conversations, 5))
            print(f"Chat: {args.conversations} visitors × {args.messages} messages, each answered; a quarter cut mid-run …", flush=True)
            load_before = load_average()
            cpu = Cpu(servers, database)
            began = time.perf_counter()
            done = asyncio.run(exchange([f"ws://127.0.0.1:{port}"], people, args))
            took = time.perf_counter() - began
            used = cpu.report()
            load_after = load_average()
            stored = asyncio.run(stored_bodies(f"http://127.0.0.1:{port}", people["visitors"]))
        finally:
            stop_servers(servers)
            listener.close()
    run = done.run
    expected = {f"v|{i}|{n}" for i in range(args.conversations) for n in range(args.messages)}
    expected |= {"r" + key[1:] for key in expected}
    received = set(run.received)
    # Lost: the server stored it and, with the sockets kept open through the drain, the other side never got it.
    # In flight: a client sent it but the server had not stored it when the run ended (the sender still holds it
    # unacknowledged and would send it again). Not sent: the run ended before its sender got to it (overload).
    undelivered = len((expected & stored) - received)
    # Lost only if the server had settled (nothing more arrived): at the drain's cap with deliveries still
    # coming, what is stored and not yet received is late, and said so apart.
    lost = undelivered if done.settled else 0
    late = 0 if done.settled else undelivered
    in_flight = len((set(run.sent) & expected) - stored - received)
    unsent = len(expected - set(run.sent))
    doubled = sum(1 for key, count in run.received.items() if count > 1)
    print(
        f"Exchanged {len(received)} distinct messages in {took:.1f} s ({setup}); the drain after the last visitor "
        f"finished took {done.drain_s:.1f} s and ended "
        + (
            "with everything delivered."
            if done.complete
            else "quiet (nothing more arrived)."
            if done.settled
            else "at its cap, deliveries still coming."
        )
    )
    noisy = " (noisy figures: rerun on a quieter machine)" if used["others"] > 0.10 else ""
    print(f"Load average: {load_before} when the chat began, {load_after} when it ended.")
    print(
        f"CPU while chatting: servers {used['servers']:.1f} s, PostgreSQL and Redis {used['db_and_redis']:.1f} s, "
        f"this client {used['client']:.1f} s over {took:.1f} s on {os.cpu_count()} cores; "
        f"other processes used {used['others']:.0%} of the busy CPU{noisy}."
    )
    print(f"BENCH chat_conversations {args.conversations} conversations")
    print(f"BENCH chat_delivery_p50_ms {percentile(run.latency_ms, 50):.1f} ms")
    print(f"BENCH chat_delivery_p95_ms {percentile(run.latency_ms, 95):.1f} ms")
    print(f"BENCH chat_messages_delivered {len(received & expected)} messages")
    print(f"BENCH chat_messages_lost {lost} messages")
    print(f"BENCH chat_messages_doubled {doubled} messages")
    print(f"BENCH chat_messages_late_at_drain_cap {late} messages")
    print(f"BENCH chat_messages_in_flight_at_end {in_flight} messages")
    print(f"BENCH chat_messages_not_sent_by_deadline {unsent} messages")
    print(f"BENCH chat_sockets_cut {len(done.cuts)} sockets")
    print(f"BENCH chat_server_cpu_s {used['servers']:.1f} s")
    print(f"BENCH http_roundtrip_p50_ms {percentile(baseline, 50):.1f} ms")
    print(f"BENCH http_roundtrip_p95_ms {percentile(baseline, 95):.1f} ms")


if __name__ == "__main__":
    main()

"""Benchmark: live chat's delivery latency and losses with N concurrent conversations, each an open WebSocket,
against a locally started ASGI server (daphne, cellway.asgi, production settings, in-memory channel layer).

Run alone from the repository root::

    .venv/bin/python bench/chat.py [--conversations 200] [--messages 10] [--interval 2.0]

Set-up (not timed): a fresh SQLite database in a temporary folder (or DATABASE_URL), one customer-care
representative per ten conversations (CELLWAY_CHAT_MAX_OPEN=10), and N visitors whose chats are started and
assigned through the services. Then, at once:

* every representative opens the console's socket and answers each visitor message as it arrives;
* every visitor opens its socket and sends ``--messages`` messages, one every ``--interval`` seconds (jittered);
* mid-run a quarter of the visitors' sockets are cut (the TCP connection aborted, no close handshake), stay away
  a second, reconnect with ``?after=<last id>`` and resend what was not acknowledged under the same client ids.

Delivery latency is from the sender's send to the other side's socket receiving it (both sides in this process,
one clock). A message is lost if the server stored it (read back at the end) and the other side's socket never
received it; doubled if received twice; not sent if the run's deadline came first (an overloaded machine). The baseline in
the same run: the same number of concurrent clients doing plain HTTP round trips (``GET /healthz``) to the same
server. Printed last::

    BENCH chat_conversations <n> conversations
    BENCH chat_delivery_p50_ms <ms> ms
    BENCH chat_delivery_p95_ms <ms> ms
    BENCH chat_messages_delivered <n> messages
    BENCH chat_messages_lost <n> messages
    BENCH chat_messages_doubled <n> messages
    BENCH chat_messages_not_sent_by_deadline <n> messages
    BENCH chat_sockets_cut <n> sockets
    BENCH http_roundtrip_p50_ms <ms> ms
    BENCH http_roundtrip_p95_ms <ms> ms
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

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


def environment(var_dir: str, per: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
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
        CELLWAY_CHAT_MAX_OPEN=str(per),
        CELLWAY_CHAT_MESSAGES_PER_MINUTE="10000",
        CELLWAY_CHAT_PRESENCE_SECONDS="3600",
        CELLWAY_CHANNEL_LAYER="memory",
        CELLWAY_LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    return env


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


async def visitor(  # noqa: C901 - one loop: connect, send on schedule, read, cut once, reconnect
    base: str, who: dict[str, str], index: int, args: argparse.Namespace, run: Run, cut: bool, cut_at: float, cuts: list[int]
) -> None:
    headers = {"Cookie": who["cookie"], "Origin": "http://127.0.0.1"}
    last_id = 0
    seen: set[int] = set()
    outbox: dict[str, str] = {}  # client id -> body, until acknowledged
    to_send = [f"v|{index}|{n}" for n in range(args.messages)]
    await asyncio.sleep(random.uniform(0, args.ramp))  # people arrive over the ramp, not in one instant
    started = time.perf_counter()
    expected_replies = args.messages
    replies = 0
    deadline = started + args.messages * args.interval + 60
    while time.perf_counter() < deadline and (to_send or outbox or replies < expected_replies):
        url = f"{base}/ws/chat/{who['uuid']}/?after={last_id}"
        try:
            async with websockets.connect(url, additional_headers=headers, max_queue=None, open_timeout=60) as ws:
                for client_id, body in outbox.items():  # resent after a cut: the same ids, stored once
                    await ws.send(json.dumps({"type": "send", "client_id": client_id, "body": body}))
                next_send = time.perf_counter()
                while time.perf_counter() < deadline and (to_send or outbox or replies < expected_replies):
                    now = time.perf_counter()
                    if cut and now - started > cut_at:
                        cut = False
                        cuts.append(index)
                        ws.transport.abort()  # the connection drops: no close handshake
                        await asyncio.sleep(1.0)
                        break
                    if to_send and now >= next_send:
                        body = to_send.pop(0)
                        client_id = str(uuid.uuid4())
                        outbox[client_id] = body
                        run.send(body)
                        await ws.send(json.dumps({"type": "send", "client_id": client_id, "body": body}))
                        next_send = now + args.interval * random.uniform(0.8, 1.2)
                    try:
                        raw = await asyncio.wait_for(ws.recv(), timeout=0.2)
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


async def exchange(port: int, people: dict[str, Any], args: argparse.Namespace) -> tuple[Run, list[int]]:
    run = Run()
    stop = asyncio.Event()
    ws_base = f"ws://127.0.0.1:{port}"
    reps = [asyncio.create_task(representative(f"{ws_base}/ws/console/chats/", r["cookie"], run, stop)) for r in people["reps"]]
    await asyncio.sleep(5)  # the representatives' sockets are open before the first visitor arrives
    n = len(people["visitors"])
    cut = set(random.sample(range(n), n // 4))
    cut_at = args.messages * args.interval * 0.4  # after each visitor's own start
    cuts: list[int] = []
    await asyncio.gather(*(visitor(ws_base, who, i, args, run, i in cut, cut_at, cuts) for i, who in enumerate(people["visitors"])))
    await asyncio.sleep(2)  # the last replies' acknowledgements
    stop.set()
    await asyncio.gather(*reps, return_exceptions=True)
    return run, cuts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument("--messages", type=int, default=10, help="messages each visitor sends (each answered)")
    parser.add_argument("--interval", type=float, default=2.0, help="seconds between one visitor's messages")
    parser.add_argument("--per-representative", type=int, default=10)
    parser.add_argument("--ramp", type=float, default=10.0, help="seconds over which the visitors open their sockets")
    args = parser.parse_args()
    python = sys.executable
    with tempfile.TemporaryDirectory(prefix="cellway-bench-chat-") as var_dir:
        env = environment(var_dir, args.per_representative)
        print(f"Setting up {args.conversations} conversations in {var_dir} …", flush=True)
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
        port = free_port()
        server = subprocess.Popen(  # noqa: S603
            [
                python,
                "-m",
                "daphne",
                "-b",
                "127.0.0.1",
                "-p",
                str(port),
                "-v",
                "0",
                "--websocket_connect_timeout",
                "60",
                "cellway.asgi:application",
            ],
            cwd=ROOT,
            env=env,
        )
        try:
            for _ in range(300):
                try:
                    httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).raise_for_status()
                    break
                except httpx.HTTPError:
                    time.sleep(0.1)
            print(f"Serving on {port}; baseline: {args.conversations} clients doing HTTP round trips …", flush=True)
            baseline = asyncio.run(http_baseline(f"http://127.0.0.1:{port}", args.conversations, 5))
            print(f"Chat: {args.conversations} visitors × {args.messages} messages, each answered; a quarter cut mid-run …", flush=True)
            began = time.perf_counter()
            run, cuts = asyncio.run(exchange(port, people, args))
            took = time.perf_counter() - began
            stored = asyncio.run(stored_bodies(f"http://127.0.0.1:{port}", people["visitors"]))
        finally:
            server.terminate()
            server.wait(timeout=20)
    expected = {f"v|{i}|{n}" for i in range(args.conversations) for n in range(args.messages)}
    expected |= {"r" + key[1:] for key in expected}
    # Lost: stored (the server took it) but never delivered to the other side's socket. Not sent: the run's
    # deadline came before the sender got to it (overload), reported apart.
    lost = len((expected & stored) - set(run.received))
    unsent = len(expected - stored)
    doubled = sum(1 for key, count in run.received.items() if count > 1)
    print(f"Exchanged {len(run.received)} distinct messages in {took:.1f} s; median latency {statistics.median(run.latency_ms):.1f} ms.")
    print(f"BENCH chat_conversations {args.conversations} conversations")
    print(f"BENCH chat_delivery_p50_ms {percentile(run.latency_ms, 50):.1f} ms")
    print(f"BENCH chat_delivery_p95_ms {percentile(run.latency_ms, 95):.1f} ms")
    print(f"BENCH chat_messages_delivered {len(set(run.received) & expected)} messages")
    print(f"BENCH chat_messages_lost {lost} messages")
    print(f"BENCH chat_messages_doubled {doubled} messages")
    print(f"BENCH chat_messages_not_sent_by_deadline {unsent} messages")
    print(f"BENCH chat_sockets_cut {len(cuts)} sockets")
    print(f"BENCH http_roundtrip_p50_ms {percentile(baseline, 50):.1f} ms")
    print(f"BENCH http_roundtrip_p95_ms {percentile(baseline, 95):.1f} ms")


if __name__ == "__main__":
    main()

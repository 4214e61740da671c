"""Serve the demo: the web app, its task worker and the periodic scheduler, until Ctrl-C.

Development only (DEBUG). Prints every demo user, what each role does, and the
address actually served (``--addr``; ``make demo PORT=8100`` serves on 8100).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cellway.accounts.models import User
from cellway.demo.dev_only import require_debug
from cellway.demo.management.commands.demo_data import PATIENTS
from cellway.demo.staff import DEMO_PASSWORD, STAFF
from cellway.portal.models import PortalGrant, Relation


class Command(BaseCommand):
    help = "Serve the demo (web, worker, scheduler) until Ctrl-C; development only (DJANGO_DEBUG=true)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--addr", default="127.0.0.1:8000", help="host:port to serve on (default 127.0.0.1:8000)")

    def handle(self, *args: Any, **options: Any) -> None:
        require_debug()
        host, _, port = options["addr"].rpartition(":")
        if not host or not port.isdigit():
            raise CommandError(f"--addr {options['addr']!r}: give host:port, e.g. 127.0.0.1:8100")
        _refuse_if_taken(host, int(port))
        python = sys.executable
        commands = {
            # The web process is uvicorn, production's ASGI server (pages, and live chat's WebSockets). The static
            # files come from WhiteNoise, which in DEBUG serves them from the apps' folders; Django reads such a
            # file in a thread under ASGI and warns so for each one, which the demo's console can do without.
            "web": [
                *(python, "-W", "ignore:StreamingHttpResponse must consume synchronous iterators", "-m", "uvicorn"),
                *("cellway.asgi:application", "--host", host.strip("[]"), "--port", port, "--lifespan", "off"),
                *("--ws-per-message-deflate", "false"),
            ],
            "worker": [python, "manage.py", "db_worker"],
            "scheduler": [python, "manage.py", "crontask"],
        }
        env, stripe_note = _card_payments(host, int(port), python, commands)
        # The web process keeps its database connection (each socket event would otherwise open and close one).
        envs = {"web": {"DB_CONN_MAX_AGE": "60", **env}}
        children = {name: subprocess.Popen(cmd, env=envs.get(name, env)) for name, cmd in commands.items()}  # noqa: S603
        address = f"http://{options['addr']}/"
        self.stdout.write(sign_ins(address))
        self.stdout.write(portal_sign_ins(address))
        self.stdout.write(f"The public site: {address}welcome/ (the MS page: {address}en/conditions/multiple-sclerosis/).")
        self.stdout.write(
            f"Live chat: sign in as carla at {address}chats/ and tick 'Available'; the public pages then offer a chat "
            "(another browser, or a private window, is the visitor). Pages and WebSockets are served by uvicorn."
        )
        self.stdout.write(
            "The eBook and the newsletter: ask on the MS page; the confirmation and download mails print in this console. "
            f"adam writes, previews and schedules issues at {address}admin/newsletter/issue/ (sent a batch a minute by the scheduler)."
        )
        self.stdout.write(stripe_note)
        running = ", ".join(commands)
        self.stdout.write(self.style.SUCCESS(f"Cellway is running on {address} ({running}). Ctrl-C stops them all."))

        def stop(*_: Any) -> None:
            for child in children.values():
                child.terminate()

        signal.signal(signal.SIGTERM, stop)
        try:
            while all(child.poll() is None for child in children.values()):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            stop()
            for child in children.values():
                child.wait(timeout=10)
        dead = [name for name, child in children.items() if child.returncode not in (0, -15, None)]
        if dead:
            self.stderr.write(f"Stopped because {', '.join(dead)} exited.")


DEMO_WEBHOOK_SECRET = "whsec_cellway_demo"  # noqa: S105 (the demo's local fake only)


def _card_payments(host: str, port: int, python: str, commands: dict[str, list[str]]) -> tuple[dict[str, str], str]:
    """Card payments for the demo: the local fake of Stripe's API (cellway/demo/fake_stripe.py) on a free port, its
    signed webhooks sent to this demo, and the web and worker pointed at it (STRIPE_API_BASE). Left alone when
    STRIPE_SECRET_KEY is set already (someone's own test account)."""
    env = dict(os.environ)
    if settings.STRIPE_SECRET_KEY:
        return env, f"Card payments: Stripe at {settings.STRIPE_API_BASE} (STRIPE_SECRET_KEY is set; no fake started)."
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        fake_port = probe.getsockname()[1]
    reachable = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104 (where the fake reaches the demo)
    webhook = f"http://{reachable}:{port}/billing/stripe/webhook/"
    commands["fake-stripe"] = [
        *(python, "-m", "cellway.demo.fake_stripe", "--port", str(fake_port)),
        *("--webhook-url", webhook, "--webhook-secret", DEMO_WEBHOOK_SECRET),
    ]
    env.update(
        STRIPE_SECRET_KEY="sk_test_cellway_demo",  # noqa: S106 (the local fake takes any key)
        STRIPE_WEBHOOK_SECRET=DEMO_WEBHOOK_SECRET,
        STRIPE_API_BASE=f"http://127.0.0.1:{fake_port}",
    )
    note = (
        f"Card payments: a local fake of Stripe on http://127.0.0.1:{fake_port} (its webhooks come to {webhook}). "
        "fiona copies or mails a pay link from a scheduled case's Payments panel; on the patient's page, "
        "'Pay by card' then 'Pay' on the fake's page, and the invoice shows paid."
    )
    return env, note


def _refuse_if_taken(host: str, port: int) -> None:
    """Say so before starting anything, rather than print an address another program answers on."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError as error:
            raise CommandError(f"Cannot serve on {host}:{port} ({error.strerror}); try another port: make demo PORT=8100") from None


def sign_ins(address: str) -> str:
    """Every demo user, their roles and what to try, for the address served."""
    users = {u.username: u for u in User.objects.filter(username__in=[p.username for p in STAFF]).prefetch_related("groups")}
    lines = [f"\nSign in at {address} as any of these (password for all: {DEMO_PASSWORD}):"]
    for person in STAFF:
        user = users.get(person.username)
        if user is None:
            lines.append(f"  {person.username:<7} not loaded: run `manage.py demo_data` (make demo does)")
            continue
        roles = ", ".join(sorted(g.name for g in user.groups.all())) or "no role"
        lines.append(f"  {person.username:<7} {user.get_full_name():<18} {roles:<28} {person.does}")
    lines.append(SECOND_FACTOR_NOTE[settings.STAFF_MFA])
    return "\n".join(lines) + "\n"


def portal_sign_ins(address: str) -> str:
    """The demo's patients who can try the portal: their address, their case's stage and their language."""
    grants = (
        PortalGrant.objects.filter(relation=Relation.PATIENT, revoked_at=None, case__patient__full_name__in=[p[0] for p in PATIENTS])
        .select_related("person", "case")
        .order_by("case__opened_at")
    )
    lines = [
        f"The patient portal: {address}portal/sign-in/ . Type one of these addresses; the sign-in code is printed in this console",
        "(the console mail backend). Olga Ivanova's quote waits to be accepted.",
    ]
    for grant in grants:
        lines.append(f"  {grant.person.email:<32} {grant.case.get_stage_display():<22} {grant.person.get_language_display()}")
    if len(lines) == 2:
        lines.append("  none loaded: run `manage.py demo_data` (make demo does)")
    return "\n".join(lines) + "\n"


SECOND_FACTOR_NOTE = {
    "off": "Second factor: OFF for this demo (CELLWAY_STAFF_MFA=off, set by `make demo`); production requires one for all staff.",
    "optional": "Second factor: optional (CELLWAY_STAFF_MFA=optional): set one up under your name, top right; production requires it.",
    "required": "Second factor: required (CELLWAY_STAFF_MFA=required): each demo user sets one up at first sign-in.",
}

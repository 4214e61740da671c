"""Benchmark: Stripe webhook events processed per second, against the trivial view and signature checking alone.

Run alone from the repository root::

    .venv/bin/python bench/stripe_webhook.py [--events 300] [--database-url sqlite:///... | postgres://...]

It (1) migrates a fresh database in a scratch folder (SQLite unless ``--database-url`` names another; a
PostgreSQL database named there is dropped and made anew), (2) walks a few cases to "scheduled" through the
real services, (3) starts the local fake of Stripe's API (cellway/demo/fake_stripe.py) on loopback and points
STRIPE_API_BASE at it, (4) makes ``--events`` Checkout Sessions at the fake for those cases' invoices with their
CheckoutAttempt rows, and pays each there, keeping the signed ``checkout.session.completed`` events, then times,
in the same process, through Django's test client (the whole middleware stack, no network for the webhook):

* the trivial view ``/healthz`` (the baseline of a request through the stack),
* ``stripe.Webhook.construct_event`` alone on the same payloads (the signature check's share),
* the webhook end to end: verify, store the event once, and process it (the task, run inline with the
  immediate backend: re-read the session from the fake over HTTP, record the payment and its journal
  in one transaction, move the case on) — every event a new payment,
* the same events delivered again (replays: verified, found stored, nothing done).

Every delivery must answer 200 and the journal of every case must balance, or the run fails. The last
lines printed are::

    BENCH healthz_requests_per_s <v> req/s
    BENCH stripe_signature_checks_per_s <v> checks/s
    BENCH stripe_webhook_events_per_s <v> events/s
    BENCH stripe_webhook_replays_per_s <v> events/s
    BENCH stripe_webhook_vs_healthz <ratio> x
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SECRET = "whsec_bench"  # noqa: S105 (the local fake's)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--cases", type=int, default=4)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="cellway-bench-stripe-"))
    os.environ.update(
        DJANGO_SETTINGS_MODULE="cellway.settings_test",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        CELLWAY_VAR_DIR=str(scratch),
        DATABASE_URL=args.database_url or f"sqlite:///{scratch / 'bench.sqlite3'}",
        CELLWAY_TASKS_BACKEND="immediate",
        CELLWAY_LOG_LEVEL="ERROR",
        STRIPE_SECRET_KEY="sk_test_bench",  # noqa: S106 (the local fake takes any key)
        STRIPE_WEBHOOK_SECRET=SECRET,
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    sys.path.insert(0, str(ROOT))
    if args.database_url.startswith("postgres"):
        _fresh_postgres(args.database_url)

    from cellway.demo.fake_stripe import FakeStripe

    fake = FakeStripe(webhook_secret=SECRET)
    os.environ["STRIPE_API_BASE"] = fake.start()

    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client's hosts, the locmem mail outbox
    import logging

    logging.getLogger("django.tasks").setLevel(logging.WARNING)
    print(f"migrating a fresh database in {scratch} ...", flush=True)
    call_command("migrate", verbosity=0)
    try:
        run(args, fake)
    finally:
        fake.stop()


def _fresh_postgres(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def run(args: argparse.Namespace, fake: object) -> None:
    from cellway.demo.fake_stripe import FakeStripe

    assert isinstance(fake, FakeStripe)
    cases, events = prepare(args, fake)
    rates = measure(events)
    check(cases, len(events))
    print(f"BENCH healthz_requests_per_s {rates['healthz']:.1f} req/s")
    print(f"BENCH stripe_signature_checks_per_s {rates['signature']:.1f} checks/s")
    print(f"BENCH stripe_webhook_events_per_s {rates['webhook']:.1f} events/s")
    print(f"BENCH stripe_webhook_replays_per_s {rates['replay']:.1f} events/s")
    print(f"BENCH stripe_webhook_vs_healthz {rates['webhook'] / rates['healthz']:.3f} x")


def prepare(args: argparse.Namespace, fake: Any) -> tuple[list[Any], list[tuple[bytes, str]]]:
    """Cases walked to scheduled, and one paid session at the fake per event (each its own CheckoutAttempt)."""
    from django.core.management.sql import emit_post_migrate_signal

    from cellway.billing.checkout import to_minor
    from cellway.billing.models import CheckoutAttempt, CheckoutStatus, Invoice
    from cellway.cases.stages import Stage
    from cellway.demo.journey import new_case, walk
    from cellway.demo.staff import ensure_staff

    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    staff = ensure_staff()
    print(f"walking {args.cases} cases to scheduled ...", flush=True)
    cases = [walk(new_case(staff, name=f"Bench {n}", email=f"bench{n}@example.com"), Stage.SCHEDULED, staff) for n in range(args.cases)]
    invoices = list(Invoice.objects.filter(case__in=cases))
    print(f"making and paying {args.events} sessions at the fake ...", flush=True)
    events: list[tuple[bytes, str]] = []
    price = {"currency": "eur", "unit_amount": str(to_minor(Decimal("10.00"), "EUR"))}
    for n in range(args.events):
        invoice = invoices[n % len(invoices)]
        attempt = CheckoutAttempt.objects.create(
            invoice=invoice,
            attempt=n + 1,
            idempotency_key=f"bench-{invoice.uuid}-{n}",
            amount=Decimal("10.00"),
            currency=invoice.currency,
            status=CheckoutStatus.SUPERSEDED,  # one live attempt per invoice: the bench's are past it
        )
        params = {
            "mode": "payment",
            "line_items": {"0": {"quantity": "1", "price_data": price}},
            "success_url": "http://127.0.0.1/ok",
            "cancel_url": "http://127.0.0.1/",
        }
        _status, session = fake.api("POST", "/v1/checkout/sessions", params)
        CheckoutAttempt.objects.filter(pk=attempt.pk).update(session_id=session["id"])
        events.append(fake.pay(session["id"], send=False))
    return cases, events


def measure(events: list[tuple[bytes, str]]) -> dict[str, float]:
    import stripe
    from django.test import Client

    from cellway.billing.models import Payment

    client = Client()
    rates: dict[str, float] = {}

    def timed(name: str, call: Callable[[], None]) -> None:
        start = time.perf_counter()
        call()
        rates[name] = len(events) / (time.perf_counter() - start)

    def healthz() -> None:
        for _ in range(len(events)):
            assert client.get("/healthz").status_code == 200

    def signatures() -> None:
        for payload, header in events:
            stripe.Webhook.construct_event(payload, header, SECRET)

    def deliver() -> None:
        for payload, header in events:
            response = client.post("/billing/stripe/webhook/", data=payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=header)
            assert response.status_code == 200, response.content

    timed("healthz", healthz)
    timed("signature", signatures)
    timed("webhook", deliver)
    paid = Payment.objects.filter(method="card").count()
    assert paid == len(events), f"{paid} card payments for {len(events)} events"
    timed("replay", deliver)
    assert Payment.objects.filter(method="card").count() == paid, "a replay recorded a payment"
    return rates


def check(cases: list[Any], count: int) -> None:
    from cellway.billing import selectors

    for case in cases:
        sums: dict[str, Decimal] = {}
        for (_account, currency), amount in selectors.trial_balance(case).items():
            sums[currency] = sums.get(currency, Decimal(0)) + amount
        assert all(v == 0 for v in sums.values()), f"{case.code}'s journal does not balance: {sums}"
    print(f"{count} payments recorded from {count} events, none from the replays; every journal balances.")


if __name__ == "__main__":
    main()

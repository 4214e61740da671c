"""The demo starts the local fake of Stripe and points the web and worker at it; the fake serves as a process of its own."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request

from cellway.demo.fake_stripe import FakeStripe, parse_form, sign
from cellway.demo.management.commands.serve_demo import DEMO_WEBHOOK_SECRET, _card_payments


def test_serve_demo_starts_the_fake_and_points_stripe_at_it(monkeypatch):
    monkeypatch.delenv("STRIPE_SECRET_KEY", raising=False)
    commands: dict[str, list[str]] = {}
    env, note = _card_payments("127.0.0.1", 8100, sys.executable, commands)
    base = env["STRIPE_API_BASE"]
    assert env["STRIPE_WEBHOOK_SECRET"] == DEMO_WEBHOOK_SECRET and base.startswith("http://127.0.0.1:")
    assert "http://127.0.0.1:8100/billing/stripe/webhook/" in commands["fake-stripe"] and base in note
    fake = subprocess.Popen(commands["fake-stripe"], stdout=subprocess.DEVNULL)  # noqa: S603
    try:
        for _ in range(50):
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=1) as answer:  # noqa: S310
                    assert answer.read() == b"ok"
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError("the fake did not start")
    finally:
        fake.terminate()
        fake.wait(timeout=10)


def test_a_real_key_is_left_alone(monkeypatch, settings):
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_test_someone")
    settings.STRIPE_SECRET_KEY = "sk_test_someone"  # as settings.py reads it from that environment
    commands: dict[str, list[str]] = {}
    env, _note = _card_payments("127.0.0.1", 8100, sys.executable, commands)
    assert "fake-stripe" not in commands and env["STRIPE_SECRET_KEY"] == "sk_test_someone"


def test_the_fake_reads_stripes_form_encoding_and_signs_as_stripe_does():
    assert parse_form("line_items[0][price_data][currency]=eur&metadata[a]=1&mode=payment") == {
        "line_items": {"0": {"price_data": {"currency": "eur"}}},
        "metadata": {"a": "1"},
        "mode": "payment",
    }
    import stripe

    payload = b'{"id": "evt_1", "object": "event", "type": "x", "data": {"object": {}}}'
    event = stripe.Webhook.construct_event(payload, sign(payload, "whsec_x"), "whsec_x")
    assert event["id"] == "evt_1"


def test_the_fake_refuses_to_expire_a_session_that_is_not_open():
    fake = FakeStripe()
    params = {
        "mode": "payment",
        "line_items": {"0": {"quantity": "1", "price_data": {"currency": "eur", "unit_amount": "1000"}}},
        "success_url": "http://x/ok",
        "cancel_url": "http://x/",
    }
    status, session = fake.api("POST", "/v1/checkout/sessions", params)
    assert status == 200 and session["amount_total"] == 1000
    fake.pay(session["id"], send=False)
    status, error = fake.api("POST", f"/v1/checkout/sessions/{session['id']}/expire", {})
    assert status == 400 and "open" in error["error"]["message"]
    fake._server.server_close()

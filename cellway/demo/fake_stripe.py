"""A small local stand-in for Stripe's API, for the demo and the tests (standard library only, no network beyond loopback).

It answers what Cellway's card payments and refunds use, as the official `stripe` library calls them
(form-encoded requests, JSON answers, Stripe's error shape, idempotency keys honoured):

    POST /v1/checkout/sessions                 a Checkout Session (mode payment, line items with price_data)
    GET  /v1/checkout/sessions/<id>            the session as it is now
    POST /v1/checkout/sessions/<id>/expire     expire an open session (Stripe's error for any other)
    POST /v1/refunds                           refund (part of) a paid payment intent; GET /v1/refunds/<id>

and the hosted page a session's `url` points at: GET /checkout/<id> shows the amount and a "Pay" button
(the test card 4242 4242 4242 4242); pressing it marks the session paid, sends a signed
`checkout.session.completed` to the webhook (Stripe's `Stripe-Signature: t=...,v1=...` header made with the
webhook secret) and sends the browser to the session's success_url. Expiring sends `checkout.session.expired`.

Run alone::

    python -m cellway.demo.fake_stripe --port 12111 --webhook-url http://127.0.0.1:8000/billing/stripe/webhook/ \\
        --webhook-secret whsec_demo

and start Cellway with STRIPE_API_BASE=http://127.0.0.1:12111 (`manage.py serve_demo` does both).
In tests: `FakeStripe(webhook_secret=...).start()` returns its base address; `.pay(session_id)` pays without
a browser and returns the signed event (payload, header) it sent or would send.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import hmac
import html
import json
import re
import secrets
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

_KEY = re.compile(r"[^\[\]]+")


def sign(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """Stripe's signature header for `payload`: `t=<unix time>,v1=<HMAC-SHA256 of "t.payload" with the secret>`."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def event_payload(event_type: str, obj: dict[str, Any], *, event_id: str | None = None, created: int | None = None) -> bytes:
    """A webhook event as Stripe sends it, around `obj` (a Checkout Session)."""
    event = {
        "id": event_id or f"evt_{secrets.token_hex(12)}",
        "object": "event",
        "api_version": "2025-01-27.acacia",
        "created": int(time.time()) if created is None else created,
        "type": event_type,
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "data": {"object": obj},
    }
    return json.dumps(event).encode()


def parse_form(body: str) -> dict[str, Any]:
    """Stripe's form encoding (`line_items[0][price_data][currency]=eur`) as nested dicts (list indexes as keys)."""
    out: dict[str, Any] = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        parts = _KEY.findall(key)
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return out


class StripeError(Exception):
    def __init__(self, status: int, message: str, code: str = "") -> None:
        super().__init__(message)
        self.status, self.message, self.code = status, message, code


class FakeStripe:
    """The fake's state (sessions, payment intents, refunds, idempotency keys) and its server."""

    def __init__(self, *, webhook_url: str = "", webhook_secret: str = "", host: str = "127.0.0.1", port: int = 0) -> None:
        self.webhook_url, self.webhook_secret = webhook_url, webhook_secret
        self.sessions: dict[str, dict[str, Any]] = {}
        self.intents: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, str, dict[str, Any]]] = []  # (method, path, params) as received
        self.sent: list[tuple[bytes, str, int]] = []  # webhooks sent: payload, signature, Cellway's status
        self._idempotent: dict[str, tuple[int, dict[str, Any]]] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, port), _handler(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> str:
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-stripe", daemon=True)
        self._thread.start()
        return self.base_url

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- The API ----------------------------------------------------------------------------------------
    def api(self, method: str, path: str, params: dict[str, Any], idempotency_key: str = "") -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.requests.append((method, path, params))
            if method == "POST" and idempotency_key:
                remembered = self._idempotent.get(idempotency_key)
                if remembered is not None:
                    return remembered
            try:
                answer = 200, self._route(method, path, params)
            except StripeError as error:
                kind = "invalid_request_error"
                answer = error.status, {"error": {"type": kind, "message": error.message, "code": error.code or None}}
            if method == "POST" and idempotency_key and answer[0] < 500:
                self._idempotent[idempotency_key] = answer
        return answer

    def _route(self, method: str, path: str, params: dict[str, Any]) -> dict[str, Any]:
        parts = path.strip("/").split("/")
        if parts[:3] == ["v1", "checkout", "sessions"]:
            if method == "POST" and len(parts) == 3:
                return self._create_session(params)
            if len(parts) >= 4:
                session = self._session(parts[3])
                if method == "GET" and len(parts) == 4:
                    return session
                if method == "POST" and parts[4:] == ["expire"]:
                    return self._expire(session)
        if parts[:2] == ["v1", "refunds"]:
            if method == "POST" and len(parts) == 2:
                return self._refund(params)
            if method == "GET" and len(parts) == 3:
                if parts[2] not in self.refunds:
                    raise StripeError(404, f"No such refund: '{parts[2]}'", "resource_missing")
                return self.refunds[parts[2]]
        raise StripeError(404, f"Unrecognized request URL ({method}: /{'/'.join(parts)}).")

    def _session(self, session_id: str) -> dict[str, Any]:
        if session_id not in self.sessions:
            raise StripeError(404, f"No such checkout.session: '{session_id}'", "resource_missing")
        return self.sessions[session_id]

    def _create_session(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("mode") != "payment":
            raise StripeError(400, "This fake only makes sessions in payment mode.", "parameter_invalid")
        items = list((params.get("line_items") or {}).values())
        if not items:
            raise StripeError(400, "Missing required param: line_items.", "parameter_missing")
        currencies = {item["price_data"]["currency"] for item in items}
        if len(currencies) != 1:
            raise StripeError(400, "All line items must be in one currency.", "parameter_invalid")
        total = sum(int(item["price_data"]["unit_amount"]) * int(item.get("quantity", 1)) for item in items)
        for key in ("success_url", "cancel_url"):
            if not str(params.get(key, "")).startswith(("http://", "https://")):
                raise StripeError(400, f"Not a valid URL: {key}.", "url_invalid")
        session_id = f"cs_test_{secrets.token_hex(16)}"
        now = int(time.time())
        session = {
            "id": session_id,
            "object": "checkout.session",
            "mode": "payment",
            "livemode": False,
            "status": "open",
            "payment_status": "unpaid",
            "amount_total": total,
            "amount_subtotal": total,
            "currency": currencies.pop(),
            "client_reference_id": params.get("client_reference_id"),
            "metadata": params.get("metadata") or {},
            "payment_intent": None,
            "success_url": params["success_url"],
            "cancel_url": params["cancel_url"],
            "created": now,
            "expires_at": int(params.get("expires_at") or now + 86400),
            "url": f"{self.base_url}/checkout/{session_id}",
            "line_items_names": [item["price_data"].get("product_data", {}).get("name", "") for item in items],
        }
        self.sessions[session_id] = session
        return session

    def _expire(self, session: dict[str, Any]) -> dict[str, Any]:
        if session["status"] != "open":
            raise StripeError(400, 'Only Checkout Sessions with a status in ["open"] can be expired.', "checkout_session_not_open")
        session["status"], session["url"] = "expired", None
        self._send_later("checkout.session.expired", session)
        return session

    def _refund(self, params: dict[str, Any]) -> dict[str, Any]:
        intent = self.intents.get(str(params.get("payment_intent", "")))
        if intent is None:
            raise StripeError(404, f"No such payment_intent: '{params.get('payment_intent')}'", "resource_missing")
        left = intent["amount"] - intent["amount_refunded"]
        amount = int(params.get("amount") or left)
        if amount <= 0 or amount > left:
            raise StripeError(400, f"Refund amount ({amount}) is greater than unrefunded amount on charge ({left})", "amount_too_large")
        intent["amount_refunded"] += amount
        refund = {
            "id": f"re_{secrets.token_hex(12)}",
            "object": "refund",
            "amount": amount,
            "currency": intent["currency"],
            "payment_intent": intent["id"],
            "status": "succeeded",
            "reason": params.get("reason"),
            "metadata": params.get("metadata") or {},
            "created": int(time.time()),
        }
        self.refunds[refund["id"]] = refund
        return refund

    # --- What a patient does on the hosted page ---------------------------------------------------------
    def pay(self, session_id: str, *, send: bool = True) -> tuple[bytes, str]:
        """Pay an open session with the test card: the signed `checkout.session.completed` event (sent if `send`)."""
        with self._lock:
            session = self._session(session_id)
            if session["status"] != "open":
                raise StripeError(400, f"This Checkout Session is {session['status']}.")
            intent_id = f"pi_{secrets.token_hex(12)}"
            self.intents[intent_id] = {
                "id": intent_id,
                "amount": session["amount_total"],
                "currency": session["currency"],
                "amount_refunded": 0,
            }
            session.update(status="complete", payment_status="paid", payment_intent=intent_id, url=None)
            payload, header = self.signed_event("checkout.session.completed", session)
        if send:
            self.deliver(payload, header)
        return payload, header

    def signed_event(self, event_type: str, session: dict[str, Any], **kwargs: Any) -> tuple[bytes, str]:
        payload = event_payload(event_type, dict(session), **kwargs)
        return payload, sign(payload, self.webhook_secret)

    def deliver(self, payload: bytes, header: str) -> int:
        """POST a signed event to the webhook as Stripe does; Cellway's status (0 if unreachable or no webhook set)."""
        if not self.webhook_url:
            return 0
        request = urllib.request.Request(  # noqa: S310 (a configured local address)
            self.webhook_url, data=payload, method="POST", headers={"Content-Type": "application/json", "Stripe-Signature": header}
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                status = int(response.status)
        except urllib.error.HTTPError as error:
            status = error.code
        except OSError:
            status = 0
        self.sent.append((payload, header, status))
        return status

    def _send_later(self, event_type: str, session: dict[str, Any]) -> None:
        if self.webhook_url:
            payload, header = self.signed_event(event_type, session)
            threading.Thread(target=self.deliver, args=(payload, header), daemon=True).start()


def _page(session: dict[str, Any]) -> str:
    amount = session["amount_total"] / 100
    names = ", ".join(html.escape(n) for n in session.get("line_items_names", []))
    if session["status"] != "open":
        body = f"<p>This checkout is {html.escape(session['status'])}.</p>"
    else:
        body = (
            f"<p>{names}</p><p class=amount>{amount:,.2f} {html.escape(session['currency'].upper())}</p>"
            "<p>Test card: 4242 4242 4242 4242 · 12/34 · 123</p>"
            f'<form method=post action="/checkout/{session["id"]}/pay"><button id=pay type=submit>Pay</button></form>'
            f'<p><a href="{html.escape(session["cancel_url"])}">Cancel and go back</a></p>'
        )
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8><meta name=viewport content='width=device-width'>"
        "<title>Fake Stripe Checkout</title></head><body><main><h1>Fake Stripe Checkout (test mode)</h1>"
        f"{body}</main></body></html>"
    )


class _Handler(BaseHTTPRequestHandler):
    """Serves one `FakeStripe` (set as `fake` on a subclass by `_handler`)."""

    fake: FakeStripe

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base class's name)
        pass

    def _reply(self, status: int, body: bytes, content_type: str = "application/json", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Request-Id", f"req_{secrets.token_hex(8)}")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _body(self) -> str:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length).decode() if length else ""

    def _handle(self, method: str) -> None:
        url = urlsplit(self.path)
        body = self._body() if method == "POST" else url.query
        if url.path.startswith("/v1/"):
            if not self.headers.get("Authorization", "").startswith("Bearer "):
                self._reply(401, json.dumps({"error": {"type": "invalid_request_error", "message": "No API key provided."}}).encode())
                return
            status, answer = self.fake.api(method, url.path, parse_form(body), self.headers.get("Idempotency-Key", ""))
            self._reply(status, json.dumps(answer).encode())
            return
        self._hosted_page(method, url.path)

    def _hosted_page(self, method: str, path: str) -> None:
        """The page a session's `url` opens, and its "Pay" button."""
        match = re.fullmatch(r"/checkout/(cs_[A-Za-z0-9_]+)(/pay)?", path)
        session = self.fake.sessions.get(match.group(1)) if match else None
        if path == "/healthz":
            self._reply(200, b"ok", "text/plain")
        elif match is None or session is None:
            self._reply(404, b"Not found.", "text/plain")
        elif method == "GET" and not match.group(2):
            self._reply(200, _page(session).encode(), "text/html; charset=utf-8")
        elif method == "POST" and match.group(2):
            try:
                self.fake.pay(session["id"])
            except StripeError as error:
                self._reply(400, error.message.encode(), "text/plain")
                return
            self._reply(303, b"", "text/plain", {"Location": session["success_url"]})
        else:
            self._reply(405, b"Method not allowed.", "text/plain")

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self._handle("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._handle("POST")


def _handler(fake: FakeStripe) -> type[BaseHTTPRequestHandler]:
    return type("Handler", (_Handler,), {"fake": fake})


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A local fake of Stripe's Checkout and Refunds API, for the demo and tests.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=12111)
    parser.add_argument("--webhook-url", default="", help="where to send signed events (Cellway's /billing/stripe/webhook/)")
    parser.add_argument("--webhook-secret", default="", help="the secret the events are signed with (STRIPE_WEBHOOK_SECRET)")
    args = parser.parse_args(argv)
    fake = FakeStripe(webhook_url=args.webhook_url, webhook_secret=args.webhook_secret, host=args.host, port=args.port)
    print(f"Fake Stripe on {fake.base_url} (webhooks to {args.webhook_url or 'nowhere'})", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        fake._server.serve_forever()


if __name__ == "__main__":
    main()

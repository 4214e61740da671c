"""Stripe's API through the official `stripe` library, pointed at STRIPE_API_BASE.

Settings are read once at start-up (cellway/settings.py); the client for a key and an address is made once
and kept. The tests and the demo point STRIPE_API_BASE at a local fake (cellway/demo/fake_stripe.py).
The library is imported where it is called, not at start-up: it costs 0.2 s, and every page, command and
worker loads this module while few of them talk to Stripe.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from django.conf import settings

from cellway.errors import Refusal

if TYPE_CHECKING:
    import stripe


class CardPaymentsOff(Refusal):
    """Card payments are not configured on this installation (no STRIPE_SECRET_KEY)."""


class ProviderError(Refusal):
    """Stripe could not be reached, or refused the request: nothing was paid, the patient may try again.

    `answered`: Stripe itself answered with a refusal (it remembers that answer under the idempotency key, so a
    retry needs a new key); otherwise the request may or may not have reached it (a retry keeps the key).
    """

    def __init__(self, message: str, *, answered: bool = False) -> None:
        super().__init__(message)
        self.answered = answered


def configured() -> bool:
    """Whether "Pay by card" can be offered at all."""
    return bool(settings.STRIPE_SECRET_KEY)


@functools.lru_cache(maxsize=4)
def _client(secret_key: str, api_base: str) -> stripe.StripeClient:
    import stripe

    return stripe.StripeClient(secret_key, base_addresses={"api": api_base}, max_network_retries=2)


def client() -> stripe.StripeClient:
    """The client for the configured key and address; a Refusal if card payments are not configured."""
    if not configured():
        raise CardPaymentsOff("Card payments are not configured here (STRIPE_SECRET_KEY is not set); pay by bank transfer.")
    return _client(settings.STRIPE_SECRET_KEY, settings.STRIPE_API_BASE)


def retrieve_session(session_id: str) -> stripe.checkout.Session:
    """The Checkout Session as Stripe has it now (a webhook's copy is never trusted on its own)."""
    return client().v1.checkout.sessions.retrieve(session_id)


def create_refund(*, payment_intent: str, amount_minor: int, idempotency_key: str) -> stripe.Refund:
    """Refund (part of) a payment intent; the same key is the same refund however often it is sent."""
    import stripe

    try:
        return client().v1.refunds.create({"payment_intent": payment_intent, "amount": amount_minor}, {"idempotency_key": idempotency_key})
    except stripe.StripeError as error:
        answered = error.http_status is not None and 400 <= error.http_status < 500 and error.http_status != 429
        raise ProviderError(
            f"Stripe did not take the refund ({error.user_message or error}); it stays on the list of refunds to make.", answered=answered
        ) from None

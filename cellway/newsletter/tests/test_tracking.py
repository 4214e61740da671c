"""Bounces and complaints suppress newsletter addresses, through django-anymail's Mailgun tracking webhook: the
signature is checked (a forged call changes nothing), a temporary failure changes nothing, an address not on
the list is not added, and a suppressed address is never mailed again."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from cellway.newsletter.models import Subscriber

pytestmark = pytest.mark.django_db

URL = "/anymail/mailgun/tracking/"
KEY = "key-for-tests-only"


@pytest.fixture
def signing_key(settings: Any) -> str:
    # Both places django-anymail reads it from (the ANYMAIL dict first).
    settings.ANYMAIL = {**getattr(settings, "ANYMAIL", {}), "MAILGUN_WEBHOOK_SIGNING_KEY": KEY}
    return KEY


@pytest.fixture
def subscriber() -> Subscriber:
    return Subscriber.objects.create(email="mira@example.org", state=Subscriber.State.ACTIVE, consent_at=timezone.now())


def event(kind: str, recipient: str, *, severity: str = "", key: str = KEY, token: str = "a" * 50) -> str:
    timestamp = str(int(time.time()))
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    data: dict[str, Any] = {"event": kind, "recipient": recipient, "timestamp": float(timestamp), "id": "ev1"}
    if severity:
        data["severity"] = severity
        data["delivery-status"] = {"code": 550, "message": "5.1.1 The email account does not exist", "description": ""}
        data["reason"] = "bounce"
    return json.dumps({"signature": {"timestamp": timestamp, "token": token, "signature": signature}, "event-data": data})


def call(client: Client, body: str) -> Any:
    return client.post(URL, body, content_type="application/json")


@pytest.mark.parametrize(("kind", "severity", "words"), [("failed", "permanent", "bounced"), ("complained", "", "complaint")])
def test_a_hard_bounce_or_a_complaint_suppresses_the_address(
    client: Client, signing_key: str, subscriber: Subscriber, kind: str, severity: str, words: str
) -> None:
    response = call(client, event(kind, "Mira@Example.org", severity=severity))
    assert response.status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.state == Subscriber.State.SUPPRESSED and words in subscriber.suppressed_because
    assert subscriber.suppressed_at is not None


def test_a_temporary_failure_or_a_delivery_changes_nothing(client: Client, signing_key: str, subscriber: Subscriber) -> None:
    assert call(client, event("failed", "mira@example.org", severity="temporary")).status_code == 200
    assert call(client, event("delivered", "mira@example.org")).status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.state == Subscriber.State.ACTIVE


def test_a_bounce_for_an_address_not_on_the_list_adds_nobody(client: Client, signing_key: str) -> None:
    assert call(client, event("failed", "patient@example.org", severity="permanent")).status_code == 200
    assert not Subscriber.objects.exists()


def test_a_forged_call_is_refused_and_changes_nothing(client: Client, signing_key: str, subscriber: Subscriber) -> None:
    response = call(client, event("complained", "mira@example.org", key="not-the-key"))
    assert response.status_code == 400
    assert call(client, "not json").status_code == 400
    subscriber.refresh_from_db()
    assert subscriber.state == Subscriber.State.ACTIVE


def test_without_a_signing_key_the_webhook_is_not_there(client: Client, settings: Any, subscriber: Subscriber) -> None:
    settings.ANYMAIL = {}
    assert call(client, event("complained", "mira@example.org")).status_code == 404
    subscriber.refresh_from_db()
    assert subscriber.state == Subscriber.State.ACTIVE

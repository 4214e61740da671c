"""Portal messages posted at the same moment (PostgreSQL, real row locks, real threads): a double click that
reaches two web processes at once stores one message, and a flood at once stops at the rate."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from cellway.cases.stages import Stage
from cellway.conversations.models import Channel, Message
from cellway.conversations.services import MessageRefused
from cellway.portal import services
from cellway.portal.models import PortalGrant

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(*calls: Callable[[], Any]) -> list[tuple[str, Any]]:
    barrier = threading.Barrier(len(calls))
    outcomes: list[tuple[str, Any]] = [("not run", None)] * len(calls)

    def run(i: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            outcomes[i] = ("ok", call())
        except MessageRefused as refusal:
            outcomes[i] = ("refused", refusal.code)
        except Exception as error:  # noqa: BLE001 - reported by the test's assertion
            outcomes[i] = ("error", error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_the_same_message_posted_twice_at_once_is_stored_once(portal_case: Any) -> None:
    case, patient = portal_case(Stage.QUOTED)
    grant = PortalGrant.objects.get(person=patient, case=case)
    client_id = str(uuid.uuid4())

    outcomes = _race(*[lambda: services.write_message(grant=grant, client_id=client_id, body="Twice?")] * 2)

    assert [kind for kind, _ in outcomes] == ["ok", "ok"], outcomes
    assert sorted(new for _kind, (_m, new) in outcomes) == [False, True]
    assert Message.objects.filter(case=case, channel=Channel.PORTAL).count() == 1


def test_a_flood_at_once_stops_at_the_rate(portal_case: Any, settings: Any) -> None:
    settings.PORTAL_MESSAGES_PER_HOUR = 2
    case, patient = portal_case(Stage.QUOTED)
    grant = PortalGrant.objects.get(person=patient, case=case)

    def post() -> Any:
        return services.write_message(grant=grant, client_id=str(uuid.uuid4()), body="Flood")

    outcomes = _race(post, post, post, post)

    assert sorted(kind for kind, _ in outcomes) == ["ok", "ok", "refused", "refused"], outcomes
    assert Message.objects.filter(case=case, channel=Channel.PORTAL).count() == 2


def test_messages_posted_at_once_tell_the_care_team_once(portal_case: Any) -> None:
    from django.core import mail

    from cellway.cases.models import Reminder

    case, patient = portal_case(Stage.QUOTED)
    grant = PortalGrant.objects.get(person=patient, case=case)
    mail.outbox.clear()

    calls = [lambda n=n: services.write_message(grant=grant, client_id=str(uuid.uuid4()), body=f"Question {n}") for n in range(3)]
    outcomes = _race(*calls)

    assert [kind for kind, _ in outcomes] == ["ok", "ok", "ok"], outcomes
    assert Message.objects.filter(case=case, channel=Channel.PORTAL).count() == 3
    assert Reminder.objects.filter(case=case, what__startswith="portal_message:").count() == 1
    notices = [m for m in mail.outbox if "a new message in the patient portal" in m.subject]
    assert len(notices) == 1 and not any("Question" in m.body for m in notices)

"""The web inquiry: it opens a case the care team sees at once, with its consent recorded, and acknowledges the
visitor in their language through the one mail path; honeypot and rate limits refuse with a clear page and
nothing written."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from cellway.cases import services
from cellway.cases.models import Case, Condition, Inquiry, Patient
from cellway.cases.selectors import queue
from cellway.cases.stages import Stage
from cellway.errors import Refusal
from cellway.records.public import case_for_token
from cellway.site.forms import CONSENT_VERSION

pytestmark = pytest.mark.django_db


def filled(**changes: str) -> dict[str, str]:
    data = {
        "asker": "family",
        "full_name": "Elena Popescu",
        "date_of_birth": "1980-03-14",
        "condition": str(Condition.objects.get(code="ms").pk),
        "country": "Romania",
        "language": "English",
        "email": "elena@example.org",
        "phone": "",
        "message": "My mother has had relapsing MS since 2015.",
        "consent": "on",
        "website": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def send(client: Client, lang: str = "en", address: str = "203.0.113.7", **changes: str) -> Any:
    return client.post(f"/{lang}/inquiry/", filled(**changes), REMOTE_ADDR=address)


def test_the_form_is_offered_in_each_language(client: Client) -> None:
    for lang, words in (("en", "Write to us"), ("zh-hans", "联系我们"), ("ar", "راسلنا")):
        response = client.get(f"/{lang}/inquiry/")
        assert response.status_code == 200
        assert words in response.content.decode()


def test_an_inquiry_opens_a_case_in_the_care_queue_with_its_consent_and_acknowledges_in_the_visitors_language(
    client: Client, staff: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True):
        response = send(client, lang="ar")
    assert response.status_code == 302
    inquiry = Inquiry.objects.get()
    # On to the records upload, by the inquiry's own link (the one in the acknowledgement mail too).
    assert response["Location"].startswith("/ar/inquiry/records/")
    assert (inquiry.source, inquiry.recorded_by, inquiry.asker) == ("website", None, "family")
    assert inquiry.date_of_birth == dt.date(1980, 3, 14)
    assert (inquiry.consent_version, inquiry.consent_address, inquiry.site_language) == (CONSENT_VERSION, "203.0.113.7", "ar")
    assert inquiry.consent_at is not None
    case = Case.objects.get(inquiry=inquiry)
    assert case.patient.date_of_birth == dt.date(1980, 3, 14)
    assert list(queue(staff["carla"], {Stage.INQUIRY})) == [case]
    opened = case.events.get()
    assert opened.actor is None and "website" in opened.summary.lower()
    to_visitor = [m for m in mail.outbox if m.to == ["elena@example.org"]]
    assert len(to_visitor) == 1
    assert case.code in to_visitor[0].body and "استفسار" in to_visitor[0].subject
    link = re.search(r"https?://\S+/ar/inquiry/records/(\S+)/", to_visitor[0].body)
    assert link is not None and case_for_token(link.group(1)) == case
    assert any(staff["carla"].email in m.to for m in mail.outbox)


def test_the_honeypot_refuses_with_a_clear_page_and_writes_nothing(client: Client) -> None:
    response = send(client, website="http://spam.example")
    assert response.status_code == 429
    assert "was not sent" in response.content.decode()
    assert not Inquiry.objects.exists() and not Patient.objects.exists()


def test_a_flood_from_one_address_is_refused_after_the_limit(client: Client) -> None:
    limit = services.WEB_LIMIT_PER_ADDRESS[0]
    for n in range(limit):
        assert send(client, email=f"p{n}@example.org").status_code == 302
    response = send(client, email="another@example.org")
    assert response.status_code == 429
    assert "your connection" in response.content.decode()
    assert Inquiry.objects.count() == limit
    # Another address is not held back by it.
    assert send(client, address="198.51.100.2", email="other@example.org").status_code == 302


def test_one_email_is_limited_from_every_address(client: Client) -> None:
    limit = services.WEB_LIMIT_PER_EMAIL[0]
    for n in range(limit):
        assert send(client, address=f"198.51.100.{n + 10}", email="Same@Example.org").status_code == 302
    response = send(client, address="198.51.100.99", email="same@example.org")
    assert response.status_code == 429
    assert "this email address" in response.content.decode()
    assert Inquiry.objects.count() == limit


def test_the_service_counts_atomically_even_past_the_check(db: None) -> None:
    """Two requests passing the check at once: the count taken while writing refuses the one too many."""
    from django.core.cache import cache

    limit = services.WEB_LIMIT_PER_ADDRESS[0]
    cache.set("cases:web-inquiry:address:192.0.2.1", limit, 60)
    with pytest.raises(services.WebInquiryRefused):
        services._count_web_inquiry("192.0.2.1", "")


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"consent": None}, "consent"),
        ({"email": "not-an-address"}, "email"),
        ({"date_of_birth": "2999-01-01"}, "date of birth"),
        ({"date_of_birth": "31/02/1980"}, "date_of_birth"),
        ({"asker": "robot"}, "asker"),
        ({"full_name": "x" * 201}, "full_name"),
        ({"condition": "999999"}, "condition"),
    ],
)
def test_bad_input_is_shown_on_the_form_and_nothing_is_written(client: Client, changes: dict[str, Any], error: str) -> None:
    response = send(client, **changes)
    assert response.status_code == 422
    html = response.content.decode()
    assert 'class="error"' in html or 'role="alert"' in html
    assert not Inquiry.objects.exists() and not Patient.objects.exists()


def test_the_service_refuses_without_consent(db: None) -> None:
    with pytest.raises(Refusal, match="agree"):
        services.receive_web_inquiry(
            full_name="A B",
            email="a@example.org",
            asker="patient",
            condition=Condition.objects.get(code="ms"),
            country="Chile",
            language="English",
            date_of_birth=None,
            message="",
            consent_version="",
            address="192.0.2.5",
            site_language="en",
        )
    assert not Inquiry.objects.exists()


def test_a_failed_write_leaves_no_inquiry_and_mails_nobody(
    db: None, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    mail.outbox = []

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "_next_code", broken)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        services.receive_web_inquiry(
            full_name="A B",
            email="a@example.org",
            asker="patient",
            condition=Condition.objects.get(code="ms"),
            country="Chile",
            language="English",
            date_of_birth=None,
            message="",
            consent_version=CONSENT_VERSION,
            address="192.0.2.5",
            site_language="en",
        )
    assert not Inquiry.objects.exists() and mail.outbox == []


def existing_patient(staff: dict[str, Any], **fields: Any) -> Patient:
    inquiry = services.record_inquiry(
        by=staff["carla"],
        full_name=fields.pop("full_name", "Ștefan Dumitrescu"),
        country="Romania",
        language="English",
        condition=Condition.objects.get(code="ms"),
        source="email",
        email=fields.pop("email", "stefan@example.org"),
        phone=fields.pop("phone", "+40 721 000 111"),
    )
    patient = services.open_case(inquiry=inquiry, by=staff["carla"]).patient
    Patient.objects.filter(pk=patient.pk).update(**fields)
    return Patient.objects.get(pk=patient.pk)


@pytest.mark.parametrize(
    ("changes", "because"),
    [
        ({"email": "STEFAN@example.org"}, "same email"),
        ({"phone": "+40 721 000 112"}, None),
        ({"phone": "+40 (721) 000111"}, "same phone number"),
        ({"full_name": "dumitrescu stefan", "date_of_birth": "1975-06-01"}, "same name and date of birth"),
        ({"full_name": "Stefan Dumitrescu", "date_of_birth": "1975-06-02"}, None),
    ],
)
def test_an_inquiry_from_a_known_person_is_flagged_never_silently_a_second_patient(
    client: Client, as_user: Any, staff: dict[str, Any], changes: dict[str, str], because: str | None
) -> None:
    known = existing_patient(staff, date_of_birth=dt.date(1975, 6, 1))
    assert send(client, **{"email": "someone.else@example.org", "full_name": "Maria Ionescu", **changes}).status_code == 302
    inquiry = Inquiry.objects.get(source="website")
    if because is None:
        assert inquiry.possible_duplicate is None
        return
    assert (inquiry.possible_duplicate, inquiry.duplicate_because) == (known, because)
    page = as_user("carla").get("/queue/records/")
    assert f"possible returning patient: {because}" in page.content.decode()


def test_care_links_a_flagged_inquiry_to_the_returning_patient_once_and_on_the_trail(client: Client, staff: dict[str, Any]) -> None:
    from cellway.cases.events import EventKind
    from cellway.errors import NotAllowed, StageConflict

    known = existing_patient(staff)
    send(client, email="stefan@example.org", full_name="Stefan D.")
    case = Case.objects.get(inquiry__source="website")
    assert case.patient != known and Patient.objects.count() == 2
    with pytest.raises(NotAllowed):
        services.link_patient(case=case, by=staff["sofia"])
    services.link_patient(case=case, by=staff["carla"])
    case.refresh_from_db()
    assert case.patient == known and Patient.objects.count() == 1
    linked = case.events.get(kind=EventKind.PATIENT_LINKED)
    assert linked.actor == staff["carla"] and linked.data["patient"] == str(known.uuid)
    with pytest.raises(StageConflict, match="already linked"):
        services.link_patient(case=case, by=staff["carla"])
    assert case.events.filter(kind=EventKind.PATIENT_LINKED).count() == 1


def test_an_unflagged_case_cannot_be_linked(client: Client, staff: dict[str, Any]) -> None:
    send(client)
    case = Case.objects.get()
    with pytest.raises(Refusal, match="matches no existing patient"):
        services.link_patient(case=case, by=staff["carla"])
    assert Patient.objects.count() == 1


def test_the_case_page_offers_the_link_to_care_and_the_link_works(client: Client, as_user: Any, staff: dict[str, Any]) -> None:
    known = existing_patient(staff)
    send(client, email="stefan@example.org", full_name="Stefan D.")
    case = Case.objects.get(inquiry__source="website")
    carla = as_user("carla")
    page = carla.get(f"/cases/{case.uuid}/").content.decode()
    assert "Possible returning patient" in page and f"/cases/{case.uuid}/link-patient/" in page
    response = carla.post(f"/cases/{case.uuid}/link-patient/")
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.patient == known
    assert "Possible returning patient" not in carla.get(f"/cases/{case.uuid}/").content.decode()
    # A second click (the page still open elsewhere) is refused with a message, nothing changed.
    again = carla.post(f"/cases/{case.uuid}/link-patient/")
    assert again.status_code == 422 and "already linked" in again.content.decode()
    case.refresh_from_db()
    assert case.patient == known and Patient.objects.count() == 1


@pytest.mark.parametrize(("language", "name"), [("en", "Multiple sclerosis"), ("zh-hans", "多发性硬化"), ("ar", "التصلب المتعدد")])
def test_the_conditions_are_named_in_the_visitors_language(client: Client, db: None, language: str, name: str) -> None:
    html = client.get(f"/{language}/inquiry/").content.decode()
    assert re.search(rf'<option value="\d+"[^>]*>{name}</option>', html)


def test_care_says_a_flagged_inquiry_is_a_different_person_with_a_reason(client: Client, as_user: Any, staff: dict[str, Any]) -> None:
    from cellway.cases.events import EventKind
    from cellway.errors import NotAllowed

    known = existing_patient(staff)
    send(client, email="stefan@example.org", full_name="Stefan D.")
    case = Case.objects.get(inquiry__source="website")
    carla = as_user("carla")
    assert carla.post(f"/cases/{case.uuid}/not-duplicate/", {"reason": " "}).status_code == 422
    with pytest.raises(NotAllowed):
        services.dismiss_duplicate(case=case, by=staff["sofia"], reason="not him")
    response = carla.post(f"/cases/{case.uuid}/not-duplicate/", {"reason": "Called him: born 1981, a cousin"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.patient != known and Patient.objects.count() == 2 and case.inquiry.possible_duplicate is None
    event = case.events.get(kind=EventKind.PATIENT_NOT_LINKED)
    assert event.actor == staff["carla"] and event.data["flagged_patient"] == str(known.uuid) and "cousin" in event.data["reason"]
    assert "possible returning patient" not in carla.get("/queue/records/").content.decode()
    assert "Possible returning patient" not in carla.get(f"/cases/{case.uuid}/").content.decode()
    # A second click: refused with a message, nothing more written.
    again = carla.post(f"/cases/{case.uuid}/not-duplicate/", {"reason": "again"})
    assert again.status_code == 422 and "matches no existing patient" in again.content.decode()
    assert case.events.filter(kind=EventKind.PATIENT_NOT_LINKED).count() == 1
    with pytest.raises(Refusal):
        services.link_patient(case=case, by=staff["carla"])

"""The visa invitation letter: passport details in, the clinic's letter issued at once with the case's planned stay,
on the trail, downloadable; refused with a clear reason for bad details; 404 outside the itinerary part."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from cellway.cases.stages import Stage
from cellway.clinic import clinic_today
from cellway.portal import services
from cellway.portal.models import PortalGrant, VisaLetter
from cellway.portal.selectors import planned_stay

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(portal_case: Any, staff: dict[str, Any]) -> dict[str, Any]:
    case, patient = portal_case(Stage.SCHEDULED)
    _other_case, other_patient = portal_case(Stage.QUOTED)
    grant = PortalGrant.objects.get(person=patient, case=case)
    helper = services.grant_access(
        grant=grant,
        email="son@example.com",
        full_name="Sami Son",
        relation="family",
        scopes=["records"],
        ends_on=clinic_today() + dt.timedelta(days=30),
    ).person
    return {"case": case, "patient": patient, "other": other_patient, "helper": helper, "outsider": staff["outsider"]}


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _details(case: Any, **changes: str) -> dict[str, str]:
    stay = planned_stay(case)
    assert stay is not None
    details = {
        "name_in_passport": "AL-SAYED  Mariam",
        "passport_number": "p12 345-678",
        "nationality": "Egyptian",
        "date_of_birth": "1980-05-17",
        "passport_expiry": (stay[1] + dt.timedelta(days=400)).isoformat(),
    }
    return {**details, **changes}


def test_the_patient_gets_the_letter_at_once_and_the_trail_says_so(world: dict[str, Any]) -> None:
    case = world["case"]
    client = _client(world["patient"])
    assert (
        reverse("portal:visa_letter", kwargs={"uuid": case.uuid})
        in client.get(reverse("portal:case", kwargs={"uuid": case.uuid})).content.decode()
    )
    response = client.post(reverse("portal:visa_letter", kwargs={"uuid": case.uuid}), _details(case))
    assert response.status_code == 302
    letter = VisaLetter.objects.get(case=case)
    assert (letter.name_in_passport, letter.passport_number) == ("AL-SAYED Mariam", "P12345678")
    assert (letter.arrival, letter.departure) == planned_stay(case)
    event = case.events.get(kind="logistics", data__visa_letter=str(letter.uuid))
    assert "Visa invitation letter issued through the portal for AL-SAYED Mariam" in event.summary and "(the patient)" in event.summary

    pdf = client.get(reverse("portal:visa_letter_pdf", kwargs={"uuid": case.uuid, "letter": letter.uuid}))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Letter of invitation for medical treatment" in text and "P12345678" in text and "AL-SAYED Mariam" in text
    assert f"{letter.departure:%d %b %Y}" in text


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"passport_expiry": "SAME-AS-DEPARTURE"}, "The passport expires before the planned departure"),
        ({"passport_number": "12"}, "A passport number has 5 to 20 letters and digits."),
        ({"date_of_birth": "2999-01-01"}, "The date of birth must be a past date."),
        ({"name_in_passport": "   "}, "This field is required."),
        ({"passport_expiry": "not a date"}, "Enter a valid date."),
    ],
)
def test_bad_passport_details_are_refused_with_the_reason(world: dict[str, Any], changes: dict[str, str], reason: str) -> None:
    case = world["case"]
    if changes.get("passport_expiry") == "SAME-AS-DEPARTURE":
        stay = planned_stay(case)
        assert stay is not None
        changes = {"passport_expiry": stay[1].isoformat()}
    response = _client(world["patient"]).post(reverse("portal:visa_letter", kwargs={"uuid": case.uuid}), _details(case, **changes))
    assert response.status_code == 422
    assert reason in response.content.decode()
    assert not VisaLetter.objects.exists() and not case.events.filter(kind="logistics", data__has_key="visa_letter").exists()


def test_no_letter_before_the_dates_are_scheduled(portal_case: Any) -> None:
    case, patient = portal_case(Stage.ACCEPTED)
    client = _client(patient)
    page = client.get(reverse("portal:visa_letter", kwargs={"uuid": case.uuid}))
    assert page.status_code == 200 and "once your dates are scheduled" in page.content.decode()
    assert client.post(reverse("portal:visa_letter", kwargs={"uuid": case.uuid}), {}).status_code == 200
    assert not VisaLetter.objects.exists()


VISA_URLS = ["portal:visa_letter", "portal:visa_letter_pdf"]


@pytest.mark.parametrize("name", VISA_URLS)
@pytest.mark.parametrize("who", ["patient", "other", "helper", "outsider", "anonymous"])
def test_every_visa_url_for_every_visitor(world: dict[str, Any], name: str, who: str) -> None:
    case = world["case"]
    letter = services.request_visa_letter(
        grant=PortalGrant.objects.get(person=world["patient"], case=case),
        name_in_passport="Mariam Al-Sayed",
        passport_number="P1234567",
        nationality="Egyptian",
        date_of_birth=dt.date(1980, 5, 17),
        passport_expiry=clinic_today() + dt.timedelta(days=3 * 365),
    )
    extra = {"letter": letter.uuid} if name == "portal:visa_letter_pdf" else {}
    client = Client() if who == "anonymous" else _client(world[who])
    response = client.get(reverse(name, kwargs={"uuid": case.uuid, **extra}))
    if who == "anonymous":
        assert response.status_code == 302 and response.url.startswith(reverse("portal:sign_in"))
    elif who == "patient":
        assert response.status_code == 200
    else:
        assert response.status_code == 404

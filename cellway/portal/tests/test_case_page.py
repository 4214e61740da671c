"""The patient's page: where the case stands, what is needed next, the quote accepted exactly as shown."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from cellway.billing import services as billing
from cellway.billing.models import QuoteStatus
from cellway.cases.events import EventKind
from cellway.cases.stages import Stage
from cellway.clinic import clinic_today

pytestmark = pytest.mark.django_db


def _signed_in(person: Any) -> Client:
    client = Client()
    client.force_login(person)
    return client


def _form(page: str) -> dict[str, str]:
    fields = dict(re.findall(r'<input type="hidden" name="(quote|version|digest)" value="([^"]+)"', page))
    assert set(fields) == {"quote", "version", "digest"}, page
    return {**fields, "agree": "on"}


def test_the_patient_accepts_the_quote_shown_and_acceptance_records_what_when_and_where(portal_case: Any) -> None:
    case, patient = portal_case(Stage.QUOTED)
    client = _signed_in(patient)
    url = reverse("portal:case", kwargs={"uuid": case.uuid})
    form = _form(client.get(url).content.decode())
    response = client.post(reverse("portal:accept_quote", kwargs={"uuid": case.uuid}), form, REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.stage == Stage.ACCEPTED
    quote = case.quotes.get(status=QuoteStatus.ACCEPTED)
    assert quote.acceptance_recorded_by == patient and quote.accepted_digest == form["digest"]
    event = case.events.get(kind=EventKind.STAGE, to_stage=Stage.ACCEPTED)
    assert event.actor == patient
    assert event.data["version"] == quote.version and event.data["digest"] == form["digest"]
    assert event.data["address"] == "203.0.113.9" and event.data["online"] is True and event.data["for_patient"] is True
    assert "Accepted on" in client.get(url).content.decode()


def test_a_quote_superseded_since_the_page_loaded_is_refused_and_the_new_version_shown(portal_case: Any, staff: dict[str, Any]) -> None:
    case, patient = portal_case(Stage.QUOTED)
    client = _signed_in(patient)
    form = _form(client.get(reverse("portal:case", kwargs={"uuid": case.uuid})).content.decode())
    new = billing.revise_quote(case=case, by=staff["fiona"], adjustment=Decimal("-100.00"), reason="Goodwill")
    response = client.post(reverse("portal:accept_quote", kwargs={"uuid": case.uuid}), form)
    assert response.status_code == 409
    page = response.content.decode()
    assert "The quote changed since you opened the page" in page
    assert f"version {new.version}" in page and _form(page)["version"] == str(new.version)
    case.refresh_from_db()
    assert case.stage == Stage.QUOTED and not case.quotes.filter(status=QuoteStatus.ACCEPTED).exists()


def test_a_digest_that_is_not_the_quotes_is_refused(portal_case: Any) -> None:
    case, patient = portal_case(Stage.QUOTED)
    client = _signed_in(patient)
    form = _form(client.get(reverse("portal:case", kwargs={"uuid": case.uuid})).content.decode())
    form["digest"] = "0" * 64
    assert client.post(reverse("portal:accept_quote", kwargs={"uuid": case.uuid}), form).status_code == 409
    case.refresh_from_db()
    assert case.stage == Stage.QUOTED


def test_a_double_click_accepts_once(portal_case: Any) -> None:
    case, patient = portal_case(Stage.QUOTED)
    client = _signed_in(patient)
    form = _form(client.get(reverse("portal:case", kwargs={"uuid": case.uuid})).content.decode())
    url = reverse("portal:accept_quote", kwargs={"uuid": case.uuid})
    assert client.post(url, form).status_code == 302
    second = client.post(url, form)
    assert second.status_code == 409
    assert case.events.filter(kind=EventKind.STAGE, to_stage=Stage.ACCEPTED).count() == 1


def test_without_the_box_ticked_nothing_is_accepted(portal_case: Any) -> None:
    case, patient = portal_case(Stage.QUOTED)
    client = _signed_in(patient)
    form = _form(client.get(reverse("portal:case", kwargs={"uuid": case.uuid})).content.decode())
    del form["agree"]
    response = client.post(reverse("portal:accept_quote", kwargs={"uuid": case.uuid}), form)
    assert response.status_code == 422 and "Tick the box" in response.content.decode()
    case.refresh_from_db()
    assert case.stage == Stage.QUOTED


def test_a_helper_with_payments_accepts_on_the_patients_behalf(portal_case: Any) -> None:
    from cellway.portal import services
    from cellway.portal.models import PortalGrant

    case, patient = portal_case(Stage.QUOTED)
    helper = services.grant_access(
        grant=PortalGrant.objects.get(person=patient),
        email="daughter@example.com",
        full_name="Dana Daughter",
        relation="family",
        scopes=["payments"],
        ends_on=clinic_today() + dt.timedelta(days=10),
    ).person
    client = _signed_in(helper)
    form = _form(client.get(reverse("portal:case", kwargs={"uuid": case.uuid})).content.decode())
    assert client.post(reverse("portal:accept_quote", kwargs={"uuid": case.uuid}), form).status_code == 302
    event = case.events.get(kind=EventKind.STAGE, to_stage=Stage.ACCEPTED)
    assert event.actor == helper and event.data["for_patient"] is False and "on the patient's behalf" in event.reason


def test_at_inquiry_the_page_lists_the_records_still_missing(portal_case: Any) -> None:
    case, patient = portal_case(Stage.INQUIRY)
    page = _signed_in(patient).get(reverse("portal:case", kwargs={"uuid": case.uuid})).content.decode()
    assert "We are collecting your medical records." in page
    assert "Records we still need" in page and "Blood tests" in page


def test_scheduled_shows_invoices_due_dates_screening_date_and_an_itinerary_file(portal_case: Any) -> None:
    case, patient = portal_case(Stage.SCHEDULED)
    client = _signed_in(patient)
    page = client.get(reverse("portal:case", kwargs={"uuid": case.uuid})).content.decode()
    assert "Deposit" in page and "Balance" in page and "Your itinerary" in page
    response = client.get(reverse("portal:itinerary_ics", kwargs={"uuid": case.uuid}))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    assert "BEGIN:VCALENDAR" in body and f"DTSTART;VALUE=DATE:{case.first_therapy_day:%Y%m%d}" in body


def test_the_page_is_in_the_persons_language_arabic_right_to_left(portal_case: Any) -> None:
    case, patient = portal_case(Stage.QUOTED)
    client = _signed_in(patient)
    response = client.post(reverse("portal:language"), {"language": "ar", "next": reverse("portal:case", kwargs={"uuid": case.uuid})})
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.language == "ar"
    page = client.get(response.url).content.decode()
    assert '<html lang="ar" dir="rtl">' in page
    assert client.post(reverse("portal:language"), {"language": "xx"}).status_code == 302
    patient.refresh_from_db()
    assert patient.language == "ar"


def test_the_next_address_after_a_language_change_stays_on_this_site(portal_case: Any) -> None:
    _case, patient = portal_case(Stage.INQUIRY)
    response = _signed_in(patient).post(reverse("portal:language"), {"language": "en", "next": "https://evil.example/"})
    assert response.url == reverse("portal:home")


@pytest.mark.parametrize(("language", "words"), [("ar", "خطة علاجك جاهزة"), ("zh-hans", "您的治疗方案及其价格已准备好")])
def test_the_case_page_reads_in_arabic_and_chinese(portal_case: Any, language: str, words: str) -> None:
    case, patient = portal_case(Stage.QUOTED)
    patient.language = language
    patient.save(update_fields=["language"])
    page = _signed_in(patient).get(reverse("portal:case", kwargs={"uuid": case.uuid})).content.decode()
    assert words in page and "Accept the quote" not in page


def test_the_sign_in_code_mail_goes_in_the_persons_language(portal_case: Any) -> None:
    from django.core import mail

    _case, patient = portal_case(Stage.INQUIRY)
    patient.language = "zh-hans"
    patient.save(update_fields=["language"])
    mail.outbox.clear()
    Client().post(reverse("account_request_login_code"), {"email": patient.email})
    assert len(mail.outbox) == 1 and "登录" in mail.outbox[0].body + mail.outbox[0].subject


def test_the_invitation_mail_is_in_the_patients_language(
    case_at: Any, staff: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    from django.core import mail

    from cellway.portal.services import invite_patient

    case = case_at(Stage.INQUIRY)
    case.patient.language = "Arabic"
    case.patient.save(update_fields=["language"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        invite_patient(case=case, by=staff["carla"])
    assert len(mail.outbox) == 1 and "تابع ملفك" in mail.outbox[0].subject


def test_the_patient_downloads_the_quote_invoices_and_receipts_of_their_case_only(portal_case: Any, staff: dict[str, Any]) -> None:
    case, patient = portal_case(Stage.DEPOSIT_PAID)
    other_case, _other = portal_case(Stage.DEPOSIT_PAID)
    client = _signed_in(patient)
    page = client.get(reverse("portal:case", kwargs={"uuid": case.uuid})).content.decode()
    payment = case.payments.get()
    links = [
        reverse("portal:quote_pdf", kwargs={"uuid": case.uuid}),
        reverse("portal:invoice_pdf", kwargs={"uuid": case.uuid, "kind": "deposit"}),
        reverse("portal:invoice_pdf", kwargs={"uuid": case.uuid, "kind": "balance"}),
        reverse("portal:receipt_pdf", kwargs={"uuid": case.uuid, "payment": payment.uuid}),
    ]
    for link in links:
        assert link in page
        response = client.get(link)
        assert response.status_code == 200 and response.content.startswith(b"%PDF"), link
    # Another case's payment, an unknown invoice kind: 404.
    theirs = other_case.payments.get()
    assert client.get(reverse("portal:receipt_pdf", kwargs={"uuid": case.uuid, "payment": theirs.uuid})).status_code == 404
    assert client.get(reverse("portal:invoice_pdf", kwargs={"uuid": case.uuid, "kind": "bribe"})).status_code == 404
    assert client.get(reverse("portal:invoice_pdf", kwargs={"uuid": other_case.uuid, "kind": "deposit"})).status_code == 404

"""Every portal address, for every kind of visitor: the patient, another patient, a helper without the scope,
an outsider, and nobody signed in. Out of scope is 404; signed out goes to the sign-in."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from cellway.cases.stages import Stage
from cellway.clinic import clinic_today
from cellway.portal import services
from cellway.portal.models import PortalGrant

pytestmark = pytest.mark.django_db

# (URL name, method, the scope it needs: None where any grant of the case opens it, "manage" for the patient's own)
URLS = [
    ("portal:case", "get", None),
    ("portal:accept_quote", "post", "payments"),
    ("portal:itinerary_ics", "get", "itinerary"),
    ("portal:quote_pdf", "get", "payments"),
    ("portal:invoice_pdf", "get", "payments"),
    ("portal:receipt_pdf", "get", "payments"),
    ("portal:people", "get", "manage"),
    ("portal:consent", "get", "consent"),
    ("portal:consent", "post", "consent"),
    ("portal:messages", "post", "messages"),
]


@pytest.fixture
def world(portal_case: Any, staff: dict[str, Any]) -> dict[str, Any]:
    # Deposit paid: a quote, both invoices and a payment exist, so every address has something behind it.
    case, patient = portal_case(Stage.DEPOSIT_PAID)
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
    return {"case": case, "patient": patient, "other": other_patient, "helper": helper, "outsider": staff["outsider"], "staff": staff}


def _call(client: Client, name: str, method: str, case: Any) -> Any:
    extra: dict[str, Any] = {"portal:invoice_pdf": {"kind": "deposit"}, "portal:receipt_pdf": {"payment": case.payments.get().uuid}}.get(
        name, {}
    )
    url = reverse(name, kwargs={"uuid": case.uuid, **extra})
    return client.post(url, {}) if method == "post" else client.get(url)


@pytest.mark.parametrize(("name", "method", "scope"), URLS)
@pytest.mark.parametrize("who", ["patient", "other", "helper", "outsider", "anonymous"])
def test_every_portal_url_for_every_visitor(world: dict[str, Any], name: str, method: str, scope: str | None, who: str) -> None:
    client = Client()
    if who != "anonymous":
        client.force_login(world[who])
    response = _call(client, name, method, world["case"])
    if who == "anonymous":
        assert response.status_code == 302 and response.url.startswith(reverse("portal:sign_in"))
    elif who in {"other", "outsider"} or (who == "helper" and scope is not None):
        assert response.status_code == 404
    else:
        # Allowed: the page (an empty accept form is refused as a form, not as access).
        assert response.status_code in {200, 422}, response.status_code


def test_a_helper_sees_where_the_case_stands_but_not_the_quote(world: dict[str, Any]) -> None:
    client = Client()
    client.force_login(world["helper"])
    page = client.get(reverse("portal:case", kwargs={"uuid": world["case"].uuid})).content.decode()
    assert "We received your deposit." in page
    assert "quote-heading" not in page and "invoices-heading" not in page and "quote.pdf" not in page


def test_a_staff_member_has_no_portal_case(world: dict[str, Any]) -> None:
    client = Client()
    client.force_login(world["staff"]["carla"])
    assert client.get(reverse("portal:case", kwargs={"uuid": world["case"].uuid})).status_code == 404


def test_a_revoked_or_ended_grant_opens_nothing(world: dict[str, Any]) -> None:
    grant = PortalGrant.objects.get(person=world["helper"])
    url = reverse("portal:case", kwargs={"uuid": world["case"].uuid})
    client = Client()
    client.force_login(world["helper"])
    PortalGrant.objects.filter(pk=grant.pk).update(ends_on=clinic_today() - dt.timedelta(days=1))
    assert client.get(url).status_code == 404
    PortalGrant.objects.filter(pk=grant.pk).update(ends_on=None, revoked_at="2026-01-01T00:00:00Z")
    assert client.get(url).status_code == 404


def test_a_forged_case_address_is_404(world: dict[str, Any]) -> None:
    client = Client()
    client.force_login(world["patient"])
    assert client.get("/portal/cases/not-a-uuid/").status_code == 404
    assert client.get("/portal/cases/00000000-0000-0000-0000-000000000000/").status_code == 404


def test_the_portal_home_leads_a_patient_to_their_case_and_shows_an_outsider_none(world: dict[str, Any]) -> None:
    patient = Client()
    patient.force_login(world["patient"])
    response = patient.get(reverse("portal:home"))
    assert response.status_code == 302 and response.url == reverse("portal:case", kwargs={"uuid": world["case"].uuid})
    outsider = Client()
    outsider.force_login(world["outsider"])
    page = outsider.get(reverse("portal:home"))
    assert page.status_code == 200 and world["case"].code not in page.content.decode()
    assert Client().get(reverse("portal:home")).status_code == 302
    assert Client().post(reverse("portal:language"), {"language": "ar"}).status_code == 302


def test_the_sign_in_entry_sends_to_the_code_form_and_a_signed_in_person_home(world: dict[str, Any]) -> None:
    response = Client().get(reverse("portal:sign_in"))
    assert response.status_code == 302 and response.url.startswith(reverse("account_request_login_code"))
    client = Client()
    client.force_login(world["patient"])
    assert client.get(reverse("portal:sign_in")).url == reverse("portal:home")


def test_every_portal_url_is_in_an_access_test() -> None:
    """A new portal address must join an every-visitor access test: here, or the documents' and the visa letter's."""
    from cellway.portal import urls
    from cellway.portal.tests.test_documents import DOCUMENT_URLS
    from cellway.portal.tests.test_visa_letter import VISA_URLS

    covered = {name for name, _method, _scope in URLS} | set(DOCUMENT_URLS) | set(VISA_URLS)
    covered |= {"portal:home", "portal:sign_in", "portal:language"}  # no case in them
    covered |= {"portal:upload_record"}  # test_upload_record: patient, helper with and without records, other, outsider, anonymous
    covered |= {"portal:follow_up"}  # test_follow_up: another patient, a helper without questionnaires, after the grant ended
    assert {f"portal:{p.name}" for p in urls.urlpatterns} <= covered

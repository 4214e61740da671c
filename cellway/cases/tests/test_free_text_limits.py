"""Free text the spine keeps is bounded: over-long (or NUL-holding) text is refused with a message, nothing written."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cellway import limits
from cellway.cases import services as cases
from cellway.cases.models import Case, CaseEvent, Condition, Inquiry, Patient
from cellway.cases.stages import Stage
from cellway.errors import Refusal


def inquiry_kwargs(**changes):
    return {
        "full_name": "Ana Silva",
        "country": "Portugal",
        "language": "Portuguese",
        "condition": Condition.objects.get(code="ms"),
        "source": "website",
        "message": "Relapsing-remitting MS since 2019.",
        "email": "ana@example.com",
        "phone": "+351 21 000 0000",
    } | changes


def nothing_recorded() -> tuple[int, int, int, int]:
    return Inquiry.objects.count(), Patient.objects.count(), Case.objects.count(), CaseEvent.objects.count()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"message": "x" * (limits.MESSAGE + 1)}, "The message is too long: 20,001 characters, at most 20,000."),
        ({"full_name": "N" * 201}, "The name is too long: 201 characters, at most 200."),
        ({"country": "C" * 81}, "The country is too long: 81 characters, at most 80."),
        ({"phone": "1" * 41}, "The phone number is too long: 41 characters, at most 40."),
        ({"email": "a" * 250 + "@example.com"}, "The email address is too long: 262 characters, at most 254."),
        ({"message": "Hello\x00"}, "The message cannot contain a NUL character."),
        ({"email": "not an address"}, "not an address is not an email address."),
        ({"source": "carrier pigeon"}, "Say how they reached us: one of website, chat, email, phone, referral, social, patient, other."),
    ],
)
def test_an_inquiry_that_does_not_fit_is_refused_and_nothing_is_recorded(staff, changes, message):
    before = nothing_recorded()

    with pytest.raises(Refusal) as refused:
        cases.record_inquiry(by=staff["carla"], **inquiry_kwargs(**changes))

    assert refused.value.message == message
    assert nothing_recorded() == before


def test_a_message_at_the_limit_is_recorded_whole(staff):
    inquiry = cases.record_inquiry(by=staff["carla"], **inquiry_kwargs(message="x" * limits.MESSAGE))

    assert len(Inquiry.objects.get(pk=inquiry.pk).message) == limits.MESSAGE


def test_the_inquiry_form_bounds_the_message_from_the_same_limit(staff, client):
    client.force_login(staff["carla"])
    data = {
        "full_name": "Ana Silva", "country": "Portugal", "language": "Portuguese", "source": "website",
        "condition": Condition.objects.get(code="ms").pk, "message": "x" * (limits.MESSAGE + 1),
    }
    before = nothing_recorded()

    response = client.post(reverse("console:new_inquiry"), data)

    assert response.status_code == 422
    assert f'maxlength="{limits.MESSAGE}"' in response.text
    assert nothing_recorded() == before


def written(case: Case) -> tuple[object, ...]:
    fresh = Case.objects.get(pk=case.pk)
    return fresh.stage, fresh.version, fresh.end_reason, fresh.specialist_id, fresh.events.count()


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("r" * (limits.REASON + 1), "The reason is too long: 2,001 characters, at most 2,000."),
        ("Patient declined\x00", "The reason cannot contain a NUL character."),
    ],
)
def test_an_end_reason_that_does_not_fit_is_refused_and_the_case_stays_open(case_at, staff, reason, message):
    case = case_at(Stage.TRIAGE)
    before = written(case)

    with pytest.raises(Refusal) as refused:
        cases.end_case(case=case, to=Stage.DECLINED, by=staff["liam"], reason=reason)

    assert refused.value.message == message
    assert written(case) == before


def test_an_over_long_assignment_reason_is_refused_and_nobody_is_assigned(case_at, staff):
    case = case_at(Stage.TRIAGE)
    before = written(case)

    with pytest.raises(Refusal, match="The reason is too long"):
        cases.assign_case(case=case, specialist=staff["sofia"], by=staff["liam"], reason="r" * (limits.REASON + 1))

    assert written(case) == before


@pytest.mark.postgres
def test_a_nul_in_an_end_reason_never_reaches_postgresql(case_at, staff):
    case = case_at(Stage.TRIAGE)

    with pytest.raises(Refusal, match="cannot contain a NUL character"):
        cases.end_case(case=case, to=Stage.WITHDRAWN, by=staff["liam"], reason="\x00")

    assert Case.objects.get(pk=case.pk).stage == Stage.TRIAGE

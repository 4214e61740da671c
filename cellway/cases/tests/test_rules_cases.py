"""The spine's services: inquiries, opening (case codes), assignment (rule 2) and endings."""

from __future__ import annotations

import datetime as dt

import pytest

from cellway.cases import services as cases
from cellway.cases.models import Case, CaseEvent, Condition, Inquiry, Patient
from cellway.cases.stages import OPEN, Stage
from cellway.clinic import clinic_today
from cellway.errors import NotAllowed, Refusal, StageConflict
from cellway.records.models import RecordItem


def written(case: Case) -> tuple[object, ...]:
    """What a refused write must leave untouched."""
    fresh = Case.objects.get(pk=case.pk)
    return fresh.stage, fresh.version, fresh.specialist_id, fresh.end_reason, fresh.events.count()


def inquire(staff, name: str = "Ana Silva", **kw) -> Inquiry:
    return cases.record_inquiry(by=staff["carla"], full_name=name, country="Portugal", language="Portuguese",
                                condition=Condition.objects.get(code="ms"), source="website", **kw)


# --- Inquiries and opening ---------------------------------------------------------------


def test_an_inquiry_without_a_name_is_refused_and_nothing_is_written(staff):
    with pytest.raises(Refusal) as refused:
        inquire(staff, name="   ")

    assert refused.value.message == "An inquiry needs the person's name."
    assert not Inquiry.objects.exists()


def test_a_person_without_a_clinic_role_cannot_record_an_inquiry_or_open_a_case(staff):
    with pytest.raises(NotAllowed) as refused:
        cases.record_inquiry(by=staff["outsider"], full_name="Ana", country="PT", language="pt",
                             condition=Condition.objects.get(code="ms"), source="website")
    assert refused.value.message == "Your role does not allow you to record inquiries."

    inquiry = inquire(staff)
    with pytest.raises(NotAllowed) as refused:
        cases.open_case(inquiry=inquiry, by=staff["nina"])
    assert refused.value.message == "Your role does not allow you to open cases."
    assert not Case.objects.exists()
    assert not Patient.objects.exists()


def test_opening_a_case_creates_the_patient_the_records_checklist_and_the_opening_event(staff):
    inquiry = inquire(staff, email="ana@example.com")

    case = cases.open_case(inquiry=inquiry, by=staff["carla"])

    assert case.stage == Stage.INQUIRY
    assert (case.patient.full_name, case.patient.email, case.condition.code) == ("Ana Silva", "ana@example.com", "ms")
    assert sorted(RecordItem.objects.filter(case=case).values_list("kind", flat=True)) == [
        "assessment", "hematology", "imaging", "media"]
    event = CaseEvent.objects.get(case=case)
    assert (event.kind, event.to_stage, event.actor) == ("opened", "inquiry", staff["carla"])


def test_a_second_case_for_the_same_inquiry_is_refused_and_nothing_is_written(staff):
    inquiry = inquire(staff)
    first = cases.open_case(inquiry=inquiry, by=staff["carla"])

    with pytest.raises(StageConflict) as refused:
        cases.open_case(inquiry=inquiry, by=staff["liam"])

    assert refused.value.message == f"A case is already open for this inquiry ({first.code})."
    assert Case.objects.count() == 1
    assert Patient.objects.count() == 1


def test_case_codes_run_cw_year_and_a_four_digit_number_in_sequence(staff):
    year = clinic_today().year

    codes = [cases.open_case(inquiry=inquire(staff, name=f"P{n}"), by=staff["carla"]).code for n in range(3)]

    assert codes == [f"CW-{year}-0001", f"CW-{year}-0002", f"CW-{year}-0003"]


def test_the_case_code_year_is_the_clinics_year_and_the_count_starts_again_each_year(staff, monkeypatch):
    # 23:30 UTC on 31 December is already New Year in the clinic's zone (Belgrade, UTC+1).
    monkeypatch.setattr("django.utils.timezone.now", lambda: dt.datetime(2026, 12, 31, 22, 30, tzinfo=dt.UTC))
    before_midnight = cases.open_case(inquiry=inquire(staff, name="A"), by=staff["carla"])
    monkeypatch.setattr("django.utils.timezone.now", lambda: dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.UTC))
    after_midnight = cases.open_case(inquiry=inquire(staff, name="B"), by=staff["carla"])

    assert before_midnight.code == "CW-2026-0001"
    assert after_midnight.code == "CW-2027-0001"


# --- Assignment (rule 2) ----------------------------------------------------------------------


def test_a_liaison_officer_assigns_a_triage_case_to_a_specialist_with_a_reason(case_at, staff):
    case = case_at(Stage.TRIAGE)
    version = case.version

    cases.assign_case(case=case, specialist=staff["daniel"], by=staff["liam"], reason="Lightest load")

    case.refresh_from_db()
    assert (case.stage, case.specialist, case.version) == (Stage.REVIEW, staff["daniel"], version + 1)
    event = case.events.first()
    assert (event.kind, event.actor, event.reason, event.to_stage) == ("stage", staff["liam"], "Lightest load", "review")
    assert event.data == {"specialist": staff["daniel"].pk, "previous": None}


def test_reassigning_in_review_keeps_the_stage_and_records_who_had_it_before(case_at, staff):
    case = case_at(Stage.REVIEW)

    cases.assign_case(case=case, specialist=staff["daniel"], by=staff["liam"], reason="Sofia on leave")

    case.refresh_from_db()
    assert (case.stage, case.specialist) == (Stage.REVIEW, staff["daniel"])
    event = case.events.first()
    assert (event.kind, event.reason) == ("assigned", "Sofia on leave")
    assert event.data == {"specialist": staff["daniel"].pk, "previous": staff["sofia"].pk}


@pytest.mark.parametrize("who", ["carla", "sofia", "fiona", "nina", "adam", "outsider"])
def test_only_a_liaison_officer_may_assign_a_case(case_at, staff, who):
    case = case_at(Stage.TRIAGE)
    before = written(case)

    with pytest.raises(NotAllowed) as refused:
        cases.assign_case(case=case, specialist=staff["sofia"], by=staff[who], reason="MS expertise")

    assert refused.value.message == "Your role does not allow you to assign cases."
    assert written(case) == before


def test_an_assignment_without_a_reason_is_refused_and_nothing_is_written(case_at, staff):
    case = case_at(Stage.TRIAGE)
    before = written(case)

    with pytest.raises(Refusal) as refused:
        cases.assign_case(case=case, specialist=staff["sofia"], by=staff["liam"], reason="  ")

    assert refused.value.message == "Say why this specialist should take the case."
    assert written(case) == before


def test_a_case_is_assigned_only_to_an_active_specialist(case_at, staff):
    case = case_at(Stage.TRIAGE)
    before = written(case)

    with pytest.raises(Refusal) as refused:
        cases.assign_case(case=case, specialist=staff["nina"], by=staff["liam"], reason="Nurse")
    assert refused.value.message == f"{staff['nina']} is not an active specialist."

    staff["daniel"].is_active = False
    staff["daniel"].save()
    with pytest.raises(Refusal) as refused:
        cases.assign_case(case=case, specialist=staff["daniel"], by=staff["liam"], reason="Left the clinic")
    assert refused.value.message == f"{staff['daniel']} is not an active specialist."
    assert written(case) == before


@pytest.mark.parametrize("stage", [Stage.INQUIRY, Stage.QUOTED])
def test_a_case_outside_triage_and_review_cannot_be_assigned(case_at, staff, stage):
    case = case_at(stage)
    before = written(case)

    with pytest.raises(StageConflict) as refused:
        cases.assign_case(case=case, specialist=staff["daniel"], by=staff["liam"], reason="Lightest load")

    assert refused.value.message.startswith(f"Cannot assign this case: {case.code} is now '{stage.label}'")
    assert written(case) == before


def test_assigning_the_specialist_who_already_has_the_case_is_refused(case_at, staff):
    case = case_at(Stage.REVIEW)
    before = written(case)

    with pytest.raises(Refusal) as refused:
        cases.assign_case(case=case, specialist=staff["sofia"], by=staff["liam"], reason="Again")

    assert refused.value.message == f"{case.code} is already assigned to {staff['sofia']}."
    assert written(case) == before


def test_assigning_a_case_someone_else_assigned_meanwhile_is_refused_not_silently_reassigned(case_at, staff):
    # Both liaison officers loaded the triage case; the first assigned it to Sofia.
    case = case_at(Stage.TRIAGE)
    seen_by_the_second = Case.objects.get(pk=case.pk)
    cases.assign_case(case=case, specialist=staff["sofia"], by=staff["liam"], reason="MS expertise")
    before = written(case)

    with pytest.raises(StageConflict) as refused:
        cases.assign_case(case=seen_by_the_second, specialist=staff["daniel"], by=staff["liam"], reason="Lightest load")

    assert refused.value.message.startswith(f"Cannot assign this case: {case.code} is now 'Specialist review' (moved by ")
    assert written(case) == before
    assert Case.objects.get(pk=case.pk).specialist == staff["sofia"]


# --- Endings ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("ending", "who"), [(Stage.DECLINED, "carla"), (Stage.REFUSED, "liam"), (Stage.WITHDRAWN, "carla")])
def test_a_case_ends_with_its_reason_on_the_record(case_at, staff, ending, who):
    case = case_at(Stage.QUOTED)

    cases.end_case(case=case, to=ending, by=staff[who], reason="Chose treatment closer to home")

    case.refresh_from_db()
    assert (case.stage, case.end_reason) == (ending, "Chose treatment closer to home")
    event = case.events.first()
    assert (event.from_stage, event.to_stage, event.actor, event.reason) == (
        "quoted", ending.value, staff[who], "Chose treatment closer to home")


@pytest.mark.parametrize("stage", [s for s in Stage if s in OPEN])
def test_a_case_may_end_from_every_open_stage(case_at, staff, stage):
    case = case_at(stage)

    cases.end_case(case=case, to=Stage.WITHDRAWN, by=staff["liam"], reason="Lost contact")

    assert Case.objects.get(pk=case.pk).stage == Stage.WITHDRAWN
    assert case.events.first().from_stage == stage.value


def test_the_assigned_specialist_may_end_their_case(case_at, staff):
    case = case_at(Stage.REVIEW)

    cases.end_case(case=case, to=Stage.REFUSED, by=staff["sofia"], reason="Progressive MS, EDSS 8.5: not a candidate")

    assert Case.objects.get(pk=case.pk).stage == Stage.REFUSED


def test_a_specialist_cannot_end_a_case_assigned_to_someone_else(case_at, staff):
    case = case_at(Stage.REVIEW)
    before = written(case)

    with pytest.raises(NotAllowed) as refused:
        cases.end_case(case=case, to=Stage.REFUSED, by=staff["daniel"], reason="Not a candidate")

    assert refused.value.message == f"Only the specialist assigned to {case.code} may end it."
    assert written(case) == before


@pytest.mark.parametrize("who", ["fiona", "lena", "nina", "ivan", "adam", "outsider"])
def test_roles_without_the_right_cannot_end_a_case(case_at, staff, who):
    case = case_at(Stage.INQUIRY)
    before = written(case)

    with pytest.raises(NotAllowed) as refused:
        cases.end_case(case=case, to=Stage.WITHDRAWN, by=staff[who], reason="Duplicate")

    assert refused.value.message == "Your role does not allow you to end cases."
    assert written(case) == before


def test_an_ending_without_a_reason_is_refused_and_nothing_is_written(case_at, staff):
    case = case_at(Stage.INQUIRY)
    before = written(case)

    with pytest.raises(Refusal) as refused:
        cases.end_case(case=case, to=Stage.DECLINED, by=staff["carla"], reason=" ")

    assert refused.value.message == "Give the reason the case ends; it goes on the record."
    assert written(case) == before


@pytest.mark.parametrize("to", [Stage.CLOSED, Stage.TRIAGE])
def test_a_case_cannot_be_ended_into_a_stage_that_is_not_an_ending(case_at, staff, to):
    case = case_at(Stage.INQUIRY)
    before = written(case)

    with pytest.raises(Refusal) as refused:
        cases.end_case(case=case, to=to, by=staff["carla"], reason="Done")

    assert refused.value.message == "A case ends as declined, refused or withdrawn."
    assert written(case) == before


def test_a_case_that_has_ended_cannot_end_again(case_at, staff):
    case = case_at(Stage.INQUIRY)
    cases.end_case(case=case, to=Stage.DECLINED, by=staff["carla"], reason="Chose another clinic")
    before = written(case)

    with pytest.raises(StageConflict) as refused:
        cases.end_case(case=case, to=Stage.WITHDRAWN, by=staff["liam"], reason="Duplicate")

    assert refused.value.message == f"{case.code} has already ended as 'Declined'."
    assert written(case) == before


def test_ending_a_case_drawn_from_an_older_version_is_refused(case_at, staff):
    case = case_at(Stage.TRIAGE)
    drawn_at = case.version
    cases.assign_case(case=case, specialist=staff["sofia"], by=staff["liam"], reason="MS expertise")
    before = written(case)

    with pytest.raises(StageConflict) as refused:
        cases.end_case(case=case, to=Stage.WITHDRAWN, by=staff["carla"], reason="Duplicate", expected_version=drawn_at)

    assert refused.value.message.startswith(f"Cannot end this case: {case.code} is now 'Specialist review' (moved by ")
    assert written(case) == before

"""Sessions against the plan (each fulfils one planned item; completion when none is left to do) and vital signs."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.urls import reverse

from cellway.cases.models import Case
from cellway.cases.stages import Stage
from cellway.clinic import clinic_today
from cellway.errors import NotAllowed, Refusal, StageConflict
from cellway.treatment import selectors
from cellway.treatment import services as treatment
from cellway.treatment.models import Consent, Deviation, TreatmentSession, VitalSigns

NORMAL = {"phase": "before", "systolic": 122, "diastolic": 78, "pulse": 70, "temperature": D("36.7"), "spo2": 98}


def written(case):
    fresh = Case.objects.get(pk=case.pk)
    return (
        fresh.stage,
        fresh.version,
        fresh.events.count(),
        TreatmentSession.objects.filter(case=case).count(),
        Deviation.objects.filter(case=case).count(),
        VitalSigns.objects.filter(case=case).count(),
    )


def log(case, staff, kind="physio", number=None, given="45 minutes gait training"):
    return treatment.log_session(case=case, by=staff["nina"], kind=kind, day=clinic_today(), given=given, number=number)


@pytest.fixture
def treating(case_at):
    """In treatment: intravenous 1 of 2 given; the plan also has 1 intrathecal, 2 supplementary, 5 physiotherapy,
    3 occupational, 0 speech and 2 rehabilitative medicine sessions."""
    return case_at(Stage.IN_TREATMENT)


# --- Sessions against the plan -------------------------------------------------------------------------


def test_each_session_fulfils_the_next_planned_item_of_its_kind_or_the_one_named(treating, staff):
    first = log(treating, staff)
    third = log(treating, staff, number=3)
    second = log(treating, staff)

    assert [(s.infusion, s.label) for s in (first, third, second)] == [
        (1, "Physiotherapy 1"),
        (3, "Physiotherapy 3"),
        (2, "Physiotherapy 2"),
    ]
    assert treating.events.first().summary == f"Physiotherapy 2 of 5 on {clinic_today():%d %b %Y}: 45 minutes gait training"
    statuses = {i.key: i.status for i in selectors.planned_items(Case.objects.get(pk=treating.pk))}
    assert (statuses["iv-1"], statuses["physio-3"], statuses["physio-4"]) == ("done", "done", "to do")


@pytest.mark.parametrize(
    ("kind", "number", "error", "message"),
    [
        ("speech", None, Refusal, "The signed plan has no speech and language therapy: log only what the plan asks for."),
        ("physio", 6, Refusal, "The plan has 5 physiotherapy: there is no number 6."),
        ("iv", 1, StageConflict, "Cell infusion, intravenous 1 of 2 is already logged."),
    ],
)
def test_a_session_outside_the_plan_or_logged_twice_is_refused_and_nothing_written(treating, staff, kind, number, error, message):
    before = written(treating)

    with pytest.raises(error) as refused:
        log(treating, staff, kind=kind, number=number)

    assert refused.value.message == message
    assert written(treating) == before


def test_once_every_item_of_a_kind_is_logged_another_is_refused(treating, staff):
    for _ in range(2):
        log(treating, staff, kind="rehab")
    before = written(treating)

    with pytest.raises(Refusal) as refused:
        log(treating, staff, kind="rehab")

    assert refused.value.message == "Every rehabilitative medicine of the plan is already logged or set aside (2 of 2)."
    assert written(treating) == before


def test_a_set_aside_item_is_not_logged_and_not_set_aside_twice(treating, staff):
    treatment.set_aside(case=treating, by=staff["nina"], items=[("supplementary", 2)], reason="  Veins too fragile ")
    assert Deviation.objects.get(case=treating).reason == "Veins too fragile"
    assert treating.events.first().summary == "Set aside from the plan: supplementary infusion 2"
    before = written(treating)

    with pytest.raises(Refusal) as refused:
        log(treating, staff, kind="supplementary", number=2)
    assert refused.value.message == "Supplementary infusion 2 of 2 was set aside: Veins too fragile"
    with pytest.raises(StageConflict) as again:
        treatment.set_aside(case=treating, by=staff["sofia"], items=[("supplementary", 2)], reason="Double click")
    assert again.value.message == "Supplementary infusion 2 is not to do any more (logged, set aside, or not in the plan). Reload the page."
    with pytest.raises(StageConflict):
        treatment.set_aside(case=treating, by=staff["nina"], items=[("iv", 1)], reason="Already given")
    assert written(treating) == before


@pytest.mark.parametrize(
    ("items", "reason", "message"),
    [
        ([("rehab", 1)], "   ", "Write why these items are not given."),
        ([], "Flew home", "Choose the planned items that are not given."),
        ([("rehab", 1), ("speech", 1)], "Flew home", "Speech and language therapy 1 is not to do any more"),
    ],
)
def test_bad_set_asides_are_refused_and_nothing_written(treating, staff, items, reason, message):
    before = written(treating)
    with pytest.raises(Refusal) as refused:
        treatment.set_aside(case=treating, by=staff["nina"], items=items, reason=reason)
    assert message in refused.value.message
    assert written(treating) == before


def test_only_the_ward_sets_items_aside(treating, staff):
    with pytest.raises(NotAllowed):
        treatment.set_aside(case=treating, by=staff["lena"], items=[("rehab", 1)], reason="Flew home")


def test_a_withdrawal_of_consent_sets_aside_what_remains_of_it(treating, staff):
    intrathecal = Consent.objects.get(case=treating, therapy="intrathecal")

    treatment.withdraw_consent(consent=intrathecal, by=staff["nina"], withdrawn_on=clinic_today(), reason="Afraid of the puncture")

    deviation = Deviation.objects.get(case=treating)
    assert (deviation.kind, deviation.number) == ("it", 1)
    assert deviation.reason == f"Consent to intrathecal administration (lumbar puncture) withdrawn on {clinic_today():%d %b %Y}"

    cells = Consent.objects.get(case=treating, therapy="cells")
    treatment.withdraw_consent(consent=cells, by=staff["nina"], withdrawn_on=clinic_today(), reason="Going home")
    left = [i for i in selectors.planned_items(Case.objects.get(pk=treating.pk)) if i.status == "to do"]
    assert left == []
    # Nothing remains to do: the specialist can complete the treatment with what was given.
    treatment.complete_treatment(case=treating, by=staff["sofia"])
    assert Case.objects.get(pk=treating.pk).stage == Stage.TREATED


# --- Vital signs ---------------------------------------------------------------------------------------


def test_vital_signs_are_recorded_per_session_and_excursions_flagged_on_the_trail(treating, staff):
    session = treating.sessions.get()

    normal = treatment.record_vitals(session=session, by=staff["nina"], **NORMAL)
    fever = treatment.record_vitals(
        session=session, by=staff["nina"], **{**NORMAL, "phase": "after", "temperature": D("38.4"), "pulse": 118}
    )

    assert (normal.excursions, fever.excursions) == ("", "Pulse 118 /min (high); Temperature 38.4 °C (high)")
    assert str(fever) == "122/78 mmHg, 118/min, 38.4 °C, SpO₂ 98%"
    event = treating.events.first()
    assert event.kind == "vitals"
    assert event.summary.endswith("— outside the usual range: Pulse 118 /min (high); Temperature 38.4 °C (high)")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"systolic": 1200}, "Systolic pressure 1200 mmHg is not plausible: Cellway accepts 50 to 260 mmHg."),
        ({"temperature": D("98.6")}, "Temperature 98.6 °C is not plausible: Cellway accepts 30.0 to 43.5 °C."),
        ({"spo2": 0}, "SpO₂ 0 % is not plausible: Cellway accepts 50 to 100 %."),
        ({"diastolic": 130}, "The diastolic pressure (130) must be below the systolic (122)."),
        ({"phase": "tomorrow"}, "Unknown phase 'tomorrow': before, during or after the session."),
    ],
)
def test_implausible_vital_signs_are_refused_and_nothing_written(treating, staff, change, message):
    before = written(treating)

    with pytest.raises(Refusal) as refused:
        treatment.record_vitals(session=treating.sessions.get(), by=staff["nina"], **{**NORMAL, **change})

    assert refused.value.message == message
    assert written(treating) == before


def test_vital_signs_are_the_wards_and_stop_with_follow_up(treating, staff, case_at):
    with pytest.raises(NotAllowed):
        treatment.record_vitals(session=treating.sessions.get(), by=staff["fiona"], **NORMAL)
    later = case_at(Stage.FOLLOW_UP)
    with pytest.raises(StageConflict):
        treatment.record_vitals(session=later.sessions.first(), by=staff["nina"], **NORMAL)


# --- On the case page ----------------------------------------------------------------------------------


def act(name, case):
    return reverse(f"console:act-{name}", kwargs={"uuid": case.uuid})


def test_the_nurse_logs_against_the_plan_records_vitals_and_sets_items_aside_on_the_case_page(as_user, treating, staff):
    client = as_user("nina")
    page = client.get(reverse("console:case", args=[treating.uuid])).content.decode()
    assert '<option value="physio-1">Physiotherapy 1 of 5</option>' in page
    assert ">Cell infusion, intravenous 1 of 2<" not in page and ">Cell infusion, intravenous 2 of 2<" in page

    day = clinic_today().isoformat()
    assert client.post(act("session", treating), {"item": "physio-2", "day": day, "given": "Balance"}).status_code == 302
    forged = client.post(act("session", treating), {"item": "sauna-1", "day": day, "given": "Heat"})
    assert forged.status_code == 422 and "Choose a planned item." in forged.content.decode()

    session = treating.sessions.get(kind="physio")
    refused = client.post(act("vitals", treating), {"session": session.uuid, **NORMAL, "systolic": 1200})
    assert refused.status_code == 422
    assert "Systolic pressure 1200 mmHg is not plausible" in refused.content.decode()
    other = TreatmentSession.objects.exclude(case=treating).first()
    if other is not None:
        assert client.post(act("vitals", treating), {"session": other.uuid, **NORMAL}).status_code == 422
    assert client.post(act("vitals", treating), {"session": session.uuid, **NORMAL, "pulse": 124}).status_code == 302
    assert VitalSigns.objects.get(case=treating).excursions == "Pulse 124 /min (high)"

    assert client.post(act("set-aside", treating), {"items": ["rehab-1", "rehab-2"], "reason": "Flew home"}).status_code == 302
    page = client.get(reverse("console:case", args=[treating.uuid])).content.decode()
    assert "Pulse 124 /min (high)" in page and "Flew home" in page and ">Rehabilitative medicine 1 of 2<" not in page


def test_the_specialist_sees_what_is_left_before_completing(as_user, treating, staff):
    client = as_user("sofia")
    page = client.get(reverse("console:case", args=[treating.uuid])).content.decode()
    assert "Still to do: cell infusion, intravenous 2 of 2;" in page
    assert client.post(act("complete", treating)).status_code == 422
    assert Case.objects.get(pk=treating.pk).stage == Stage.IN_TREATMENT


# --- Notes where people look ---------------------------------------------------------------------------


def test_a_note_typed_on_a_session_or_a_visit_shows_on_the_case_page_the_outcomes_page_and_the_timeline(as_user, treating, staff):
    from cellway.outcomes import services as outcomes

    treatment.log_session(
        case=treating,
        by=staff["nina"],
        kind="physio",
        day=clinic_today(),
        given="Gait training",
        notes="Tired after the infusion; shorter session",
    )
    outcomes.record_visit(
        case=treating, by=staff["sofia"], seen_on=clinic_today(), edss=D("3.5"), edss_reason="Examined", notes="Walks 300 m unaided"
    )
    client = as_user("sofia")

    case_page = client.get(reverse("console:case", args=[treating.uuid])).content.decode()
    notes = case_page[case_page.index('id="notes"') :]
    assert "Tired after the infusion; shorter session" in notes and "Walks 300 m unaided" in notes
    timeline = case_page[case_page.index('id="timeline"') :]
    assert "Note: Tired after the infusion; shorter session" in timeline and "Note: Walks 300 m unaided" in timeline
    outcomes_page = client.get(reverse("outcomes:patient", args=[treating.uuid])).content.decode()
    assert "Tired after the infusion; shorter session" in outcomes_page and "Walks 300 m unaided" in outcomes_page

    client = as_user("fiona")  # finance reads neither treatment nor outcomes
    assert "Tired after the infusion" not in client.get(reverse("console:case", args=[treating.uuid])).content.decode()

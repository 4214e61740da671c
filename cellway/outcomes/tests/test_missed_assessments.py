"""Follow-up done one way: an assessment is completed only by its visit; one nobody could record is closed as missed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from cellway.cases.models import Case
from cellway.cases.stages import Stage
from cellway.clinic import clinic_today
from cellway.errors import NotAllowed, Refusal, StageConflict
from cellway.outcomes import selectors
from cellway.outcomes import services as outcomes
from cellway.outcomes.models import FollowUpAssessment, MissedAssessment


def written(case):
    fresh = Case.objects.get(pk=case.pk)
    return fresh.version, fresh.events.count(), MissedAssessment.objects.count()


@pytest.fixture
def following(case_at):
    return case_at(Stage.FOLLOW_UP)


def due(case, months, on):
    assessment = FollowUpAssessment.objects.get(case=case, months_after=months)
    FollowUpAssessment.objects.filter(pk=assessment.pk).update(due_on=on)
    assessment.refresh_from_db()
    return assessment


def test_a_missed_assessment_is_closed_with_its_reason_and_leaves_the_overdue_list(following, staff):
    one = due(following, 1, clinic_today() - dt.timedelta(days=40))
    assert [r.assessment for r in selectors.overdue(staff["liam"], clinic_today())] == [one]

    missed = outcomes.close_missed(assessment=one, by=staff["nina"], reason="  No answer to three calls and two mails ")

    assert (missed.reason, missed.closed_by) == ("No answer to three calls and two mails", staff["nina"])
    assert selectors.overdue(staff["liam"], clinic_today()) == []
    event = following.events.first()
    assert (event.kind, event.reason) == ("follow_up", "No answer to three calls and two mails")
    assert event.summary == f"The 1-month assessment (due {one.due_on:%d %b %Y}) closed as missed"


@pytest.mark.parametrize(("days", "message"), [
    (20, "The 1-month assessment's window opens on"),
    (5, "The 1-month assessment is due"),
    (0, "close it as missed once that day has passed."),
])
def test_an_assessment_whose_day_has_not_passed_is_not_closed_as_missed(following, staff, days, message):
    one = due(following, 1, clinic_today() + dt.timedelta(days=days))
    before = written(following)

    with pytest.raises(Refusal) as refused:
        outcomes.close_missed(assessment=one, by=staff["nina"], reason="No answer")

    assert message in refused.value.message
    assert written(following) == before


def test_a_recorded_or_closed_assessment_is_not_closed_again_and_a_reason_is_needed(following, staff):
    one = due(following, 1, clinic_today() - dt.timedelta(days=3))
    with pytest.raises(Refusal) as no_reason:
        outcomes.close_missed(assessment=one, by=staff["nina"], reason=" ")
    assert no_reason.value.message.startswith("Say why the assessment was missed")
    outcomes.close_missed(assessment=one, by=staff["nina"], reason="Moved away")
    before = written(following)
    with pytest.raises(StageConflict) as again:
        outcomes.close_missed(assessment=one, by=staff["sofia"], reason="Double click")
    assert again.value.message == "The 1-month assessment was already closed as missed."
    with pytest.raises(NotAllowed):
        outcomes.close_missed(assessment=one, by=staff["fiona"], reason="x")
    assert written(following) == before


def test_a_visit_does_not_count_for_an_assessment_closed_as_missed(following, staff):
    one = due(following, 1, clinic_today() - dt.timedelta(days=3))
    outcomes.close_missed(assessment=one, by=staff["nina"], reason="Moved away")

    with pytest.raises(Refusal) as refused:
        outcomes.record_visit(case=following, by=staff["sofia"], seen_on=clinic_today(), assessment=one, notes="Came after all",
                              edss=Decimal("3.0"), edss_reason="Examined at home")

    assert refused.value.message == "The 1-month assessment was closed as missed: record the visit as unscheduled."


def test_the_case_page_offers_no_tick_only_the_visit_and_closing_an_overdue_one(as_user, following, staff, case_at):
    one = due(following, 1, clinic_today() - dt.timedelta(days=3))
    client = as_user("nina")
    page = client.get(reverse("console:case", args=[following.uuid])).content.decode()
    assert "record a visit (it completes its assessment)" in page
    assert page.count("Close as missed") == 1  # only the one past its day
    url = reverse("console:act-assessment-missed", kwargs={"uuid": following.uuid})

    other = due(case_at(Stage.FOLLOW_UP), 1, clinic_today() - dt.timedelta(days=3))
    forged = client.post(url, {"assessment": other.pk, "reason": "x"})
    assert forged.status_code == 422 and "That assessment is not part of this case." in forged.content.decode()
    assert client.post(url, {"assessment": one.pk, "reason": "No answer"}).status_code == 302
    page = client.get(reverse("console:case", args=[following.uuid])).content.decode()
    assert "Missed" in page and "No answer" in page

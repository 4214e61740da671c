"""Every outcomes page with an allowed user, another role and an outsider; the htmx EDSS preview; bounded queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cellway.cases.stages import Stage
from cellway.clinic import clinic_today
from cellway.outcomes import services
from cellway.outcomes.models import Visit

SCORES = {"visual": 1, "brainstem": 1, "pyramidal": 2, "cerebellar": 2, "sensory": 2, "bowel_bladder": 1, "cerebral": 0, "ambulation": 0}


@pytest.fixture
def followed(case_at, staff):
    case = case_at(Stage.FOLLOW_UP)
    today = clinic_today()
    for n, (months, amb) in enumerate([(0, 4), (3, 2), (6, 2), (9, 2)]):
        services.record_visit(
            case=case,
            by=staff["nina"],
            seen_on=today - dt.timedelta(days=300 - 91 * months // 3 - n),
            scores={**SCORES, "ambulation": amb},
            t25fw_seconds=Decimal("7.5") - n,
            nhpt_right_seconds=Decimal("24.0"),
            nhpt_left_seconds=Decimal("26.0"),
        )
    services.record_relapse(case=case, by=staff["nina"], onset_on=today - dt.timedelta(days=200), severity="mild", treated=False)
    services.record_mri(case=case, by=staff["sofia"], scanned_on=today - dt.timedelta(days=100), new_t2_lesions=0, gad_lesions=0)
    return case


def _form(**extra):
    data = {"seen_on": clinic_today().isoformat(), "assessment": "", "edss": "", "edss_reason": "", "notes": ""}
    data.update({k: str(v) for k, v in SCORES.items()})
    data.update({"t25fw_seconds": "", "nhpt_right_seconds": "", "nhpt_left_seconds": ""})
    data.update(extra)
    return data


def test_the_patient_page_shows_charts_and_confirmed_events(as_user, followed):
    page = as_user("sofia").get(reverse("outcomes:patient", args=[followed.uuid]))
    assert page.status_code == 200
    text = page.text
    assert text.count("<svg") == 3  # EDSS, T25FW, 9HPT
    assert "Cell therapy" in text and "Relapse" in text
    assert "Improvement" in text  # EDSS 5.5 -> 4.5 confirmed
    assert "Record a visit" in text


def test_patient_page_access(as_user, followed):
    url = reverse("outcomes:patient", args=[followed.uuid])
    assert as_user("sofia").get(url).status_code == 200  # assigned specialist
    assert as_user("nina").get(url).status_code == 200  # nurse
    assert "Record a visit" not in as_user("liam").get(url).text  # liaison reads, does not record
    assert as_user("fiona").get(url).status_code == 403  # finance sees the case, not the measures
    assert as_user("daniel").get(url).status_code == 404  # specialist, not assigned
    assert as_user("outsider").get(url).status_code == 404


def test_a_visit_is_recorded_from_the_form(as_user, followed):
    client = as_user("nina")
    response = client.post(reverse("outcomes:visit", args=[followed.uuid]), _form(seen_on=clinic_today().isoformat()))
    assert response.status_code == 302
    assert Visit.objects.filter(case=followed, seen_on=clinic_today(), edss=Decimal("3.0")).exists()


def test_a_refused_visit_keeps_what_was_typed(as_user, followed):
    response = as_user("nina").post(reverse("outcomes:visit", args=[followed.uuid]), _form(edss="4.0", t25fw_seconds="8.8"))
    assert response.status_code == 422
    assert "say why" in response.text and 'value="8.8"' in response.text
    assert not Visit.objects.filter(case=followed, seen_on=clinic_today()).exists()


def test_recording_access(as_user, followed):
    url = reverse("outcomes:visit", args=[followed.uuid])
    assert as_user("liam").post(url, _form()).status_code == 403  # may read, may not record
    assert as_user("fiona").post(url, _form()).status_code == 403
    assert as_user("daniel").post(url, _form()).status_code == 404
    assert as_user("outsider").post(url, _form()).status_code == 404
    relapse = reverse("outcomes:relapse", args=[followed.uuid])
    assert (
        as_user("nina").post(relapse, {"onset_on": clinic_today().isoformat(), "severity": "severe", "treated": "yes"}).status_code == 302
    )
    mri = reverse("outcomes:mri", args=[followed.uuid])
    assert (
        as_user("sofia").post(mri, {"scanned_on": clinic_today().isoformat(), "new_t2_lesions": "1", "gad_lesions": "0"}).status_code == 302
    )
    assert (
        as_user("liam").post(mri, {"scanned_on": clinic_today().isoformat(), "new_t2_lesions": "1", "gad_lesions": "0"}).status_code == 403
    )


def test_the_edss_preview_computes_while_typing(as_user, followed):
    url = reverse("outcomes:edss_preview", args=[followed.uuid])
    client = as_user("nina")
    assert 'Computed EDSS <strong class="edss-value">3.0</strong>' in client.post(url, {k: str(v) for k, v in SCORES.items()}).text
    assert "say why" in client.post(url, {**{k: str(v) for k, v in SCORES.items()}, "edss": "4.0"}).text
    assert "Pyramidal must be a whole number from 0 to 6" in client.post(url, {**SCORES, "pyramidal": "9"}).text
    assert "Enter the eight scores" in client.post(url, {}).text
    assert as_user("liam").post(url, {}).status_code == 403
    assert as_user("fiona").post(url, {}).status_code == 403
    assert as_user("outsider").post(url, {}).status_code == 404


def test_registry_lists_the_overdue_in_scope(as_user, followed, case_at):
    followed.follow_ups.filter(months_after=1).update(due_on=clinic_today() - dt.timedelta(days=100))
    url = reverse("outcomes:registry")
    page = as_user("carla").get(url)
    assert page.status_code == 200 and followed.code in page.text and "lost?" in page.text
    assert followed.code in as_user("sofia").get(url).text
    assert followed.code not in as_user("daniel").get(url).text  # not his patient
    assert as_user("fiona").get(url).status_code == 403
    assert as_user("outsider").get(url).status_code == 403


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_registry_costs_the_same_for_one_overdue_patient_or_many(as_user, case_at):
    client = as_user("carla")
    url = reverse("outcomes:registry")
    first = case_at(Stage.FOLLOW_UP)
    first.follow_ups.update(due_on=clinic_today() - dt.timedelta(days=5))
    few = _queries(client, url)
    for _ in range(3):
        case_at(Stage.FOLLOW_UP).follow_ups.update(due_on=clinic_today() - dt.timedelta(days=5))
    assert _queries(client, url) == few <= 10


def test_patient_page_costs_the_same_however_many_visits(as_user, followed, case_at, staff):
    client = as_user("sofia")
    short = case_at(Stage.FOLLOW_UP)
    services.record_visit(case=short, by=staff["nina"], seen_on=clinic_today(), scores=SCORES)
    assert _queries(client, reverse("outcomes:patient", args=[short.uuid])) == _queries(
        client, reverse("outcomes:patient", args=[followed.uuid])
    )


def test_cohort_report_access(as_user, db):
    url = reverse("outcomes:cohort")
    assert as_user("sofia").get(url).status_code == 200
    assert as_user("adam").get(url).status_code == 200
    assert as_user("nina").get(url).status_code == 403
    assert as_user("fiona").get(url).status_code == 403
    assert as_user("outsider").get(url).status_code == 403


def test_fhir_export_access(as_user, followed):
    url = reverse("outcomes:fhir", args=[followed.uuid])
    assert as_user("sofia").get(url).status_code == 200
    assert as_user("fiona").get(url).status_code == 403
    assert as_user("daniel").get(url).status_code == 404
    assert as_user("outsider").get(url).status_code == 404
    assert followed.events.filter(kind="medical.read", data__subject="fhir").count() == 1

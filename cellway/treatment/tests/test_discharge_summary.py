"""The discharge summary: what was given (lots, doses, routes, dates), set aside, adverse events, vital-sign excursions."""

from __future__ import annotations

import io
import re
from decimal import Decimal as D

import pytest
from django.urls import reverse
from pypdf import PdfReader

from cellway.cases.stages import Stage
from cellway.clinic import clinic_today
from cellway.treatment import services as treatment


def text_of(response) -> str:
    assert response["Content-Type"] == "application/pdf"
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)


@pytest.fixture
def treated(case_at, staff):
    """In treatment, with vital signs (a fever after the infusion) and an adverse event, then completed."""
    case = case_at(Stage.IN_TREATMENT)
    session = case.sessions.get()
    vitals = {"systolic": 118, "diastolic": 76, "pulse": 74, "spo2": 98}
    treatment.record_vitals(session=session, by=staff["nina"], phase="before", temperature=D("36.6"), **vitals)
    treatment.record_vitals(session=session, by=staff["nina"], phase="after", temperature=D("38.3"), **vitals)
    treatment.record_adverse_event(case=case, by=staff["nina"], onset_on=clinic_today(), term="Fever", description="38.3 °C after",
                                   grade=1, serious_criteria=[], related_to_cells="possible", related_to_procedure="unlikely",
                                   action="medication", outcome="recovered", resolved_on=clinic_today())
    treatment.log_session(case=case, by=staff["nina"], kind="physio", day=clinic_today(), given="Gait training")
    left = [("iv", 2), ("it", 1), ("supplementary", 1), ("supplementary", 2), ("physio", 2), ("physio", 3), ("physio", 4),
            ("physio", 5), ("occupational", 1), ("occupational", 2), ("occupational", 3), ("rehab", 1), ("rehab", 2)]
    treatment.set_aside(case=case, by=staff["sofia"], items=left, reason="Flew home early")
    treatment.complete_treatment(case=case, by=staff["sofia"])
    return case


def test_the_discharge_summary_says_what_was_given_what_was_not_and_what_happened(as_user, treated):
    response = as_user("nina").get(reverse("console:discharge-summary", args=[treated.uuid]))

    text = text_of(response)
    assert treated.code in text and treated.patient.full_name in text
    assert "50 million wjMSCs IV" in text and "Gait training" in text
    assert "Flew home early" in text
    assert "Fever" in text and "1 Mild" in text and "cells possible" in text
    assert "Temperature 38.3 °C (high)" in text
    assert re.search(r"SpO\s*2\s*98%", text)  # Vera has no ₂: drawn as a subscript 2
    assert "investigational cell therapy (wjMSCs)".capitalize()[:10] in text
    assert treated.events.filter(kind="medical.read", data__subject="discharge-summary").exists()


def test_the_discharge_summary_waits_for_completion_and_is_clinical(as_user, case_at, treated):
    during = case_at(Stage.IN_TREATMENT)
    assert as_user("nina").get(reverse("console:discharge-summary", args=[during.uuid])).status_code == 404
    assert as_user("fiona").get(reverse("console:discharge-summary", args=[treated.uuid])).status_code == 403
    assert as_user("outsider").get(reverse("console:discharge-summary", args=[treated.uuid])).status_code == 404

"""The credit note PDF, drawn by WeasyPrint and read back with pypdf."""

from __future__ import annotations

import datetime as dt

import pytest

from cellway.billing import documents, refunds
from cellway.billing.cancellation import parse_policy
from cellway.billing.tests.test_documents import text_of
from cellway.cases import services as cases
from cellway.cases.stages import Stage
from cellway.clinic import clinic_today

pytestmark = pytest.mark.skipif(documents.unavailable() is not None, reason=f"No PDFs on this machine: {documents.unavailable()}")


def test_the_credit_note_pdf_explains_the_policy_and_adds_up(case_at, staff, settings):
    settings.CANCELLATION_POLICY = parse_policy("60:100,30:75,0:0")
    case = case_at(Stage.PAID, arrival=clinic_today() + dt.timedelta(days=45))
    cases.end_case(case=case, to=Stage.DECLINED, by=staff["carla"], reason="Changed their mind")
    note = refunds.issue_credit_note(case=case, by=staff["fiona"], note="Patient cancelled by email")

    text = text_of(documents.credit_note_pdf(note))

    assert f"Credit note {note.label}" in text
    assert case.patient.full_name in text
    assert "Declined by the patient: Patient cancelled by email" in text
    assert "Paid €15,260.00" in text
    assert "25% of €15,260.00 -€3,815.00" in text
    assert "Kept by the clinic under the policy €3,815.00" in text
    assert "To be refunded to the patient €11,445.00" in text
    assert "Total credited €11,445.00" in text
    assert "No longer owed (not paid) €0.00" in text
    assert "The refund will be made by bank transfer" in text

    refunds.record_refund(refund=note.refund_task, by=staff["fiona"], reference="OUT-9", paid_on=clinic_today())
    note.refund_task.refresh_from_db()
    assert "reference OUT-9" in text_of(documents.credit_note_pdf(note))

"""Reads of treatment: sessions given, the post-treatment protocol, follow-up assessments."""

from __future__ import annotations

import datetime as dt

from cellway.cases.models import Case
from cellway.outcomes.models import FollowUpAssessment
from cellway.plans.models import PlanStatus
from cellway.treatment.models import Consent, ConsentDocument, PostTreatmentProtocol, Therapy, TreatmentSession


def sessions(case: Case) -> list[TreatmentSession]:
    return list(case.sessions.select_related("given_by"))


def session_count(case: Case) -> int:
    return case.sessions.count()


def last_session_day(case: Case) -> dt.date | None:
    return case.sessions.order_by("-day").values_list("day", flat=True).first()


def protocol(case: Case) -> PostTreatmentProtocol | None:
    found = PostTreatmentProtocol.objects.filter(case=case).select_related("issued_by", "signature__signer").first()
    if found is not None:
        found.case = case  # its signed content names the case: no second read
    return found


def protocol_issued(case: Case) -> bool:
    return PostTreatmentProtocol.objects.filter(case=case).exists()


def follow_ups(case: Case) -> list[FollowUpAssessment]:
    return list(case.follow_ups.select_related("completed_by"))


def therapies_planned(case: Case) -> list[Therapy]:
    """What the signed plan asks the patient to consent to: the cells, and the puncture if it has intrathecal infusions."""
    intrathecal = case.plans.filter(status=PlanStatus.SIGNED).values_list("it_infusions", flat=True).first()
    return [Therapy.CELLS, Therapy.INTRATHECAL] if intrathecal else [Therapy.CELLS]


def consents(case: Case) -> list[Consent]:
    """Every consent recorded for the case, newest first, with its document, scan and withdrawal (one query)."""
    return list(case.consents.select_related("document", "scan", "taken_by", "recorded_by", "withdrawal__recorded_by"))


def consent_documents(case: Case) -> list[ConsentDocument]:
    """The versions on offer for this case's planned therapies: not retired, newest version first."""
    return list(ConsentDocument.objects.filter(therapy__in=therapies_planned(case), retired=False))

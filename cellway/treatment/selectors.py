"""Reads of treatment: sessions given, the post-treatment protocol, follow-up assessments."""

from __future__ import annotations

import datetime as dt

from cellway.cases.models import Case
from cellway.outcomes.models import FollowUpAssessment
from cellway.treatment.models import PostTreatmentProtocol, TreatmentSession


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

"""Reads of sessions, the post-treatment protocol and follow-up assessments."""

from __future__ import annotations

from cellway.cases.models import Case
from cellway.outcomes.models import FollowUpAssessment
from cellway.treatment.models import PostTreatmentProtocol, TreatmentSession


def sessions(case: Case) -> list[TreatmentSession]:
    return list(case.sessions.select_related("given_by").order_by("day", "id"))


def protocol(case: Case) -> PostTreatmentProtocol | None:
    return PostTreatmentProtocol.objects.filter(case=case).select_related("issued_by", "signature").first()


def follow_ups(case: Case) -> list[FollowUpAssessment]:
    return list(case.follow_ups.select_related("completed_by").order_by("months_after"))

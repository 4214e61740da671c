"""Reads of cases, scoped to the person asking.

Outside one's scope a case does not exist (404): a specialist reaches only the
cases assigned to them; a user with no clinic role reaches none.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from cellway.accounts import roles
from cellway.accounts.models import User
from cellway.accounts.roles import SEE_ALL, Role
from cellway.cases.events import PART_OF, EventKind
from cellway.cases.models import Case, CaseEvent, SpecialistProfile
from cellway.cases.parts import Part
from cellway.cases.search import search_words
from cellway.cases.stages import ACTIVE, Stage
from cellway.errors import NotAllowed


def visible_cases(user: User) -> QuerySet[Case]:
    qs = Case.objects.select_related("patient", "condition", "specialist")
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.has_perm(SEE_ALL):
        return qs
    if Role.SPECIALIST in user.role_names:
        return qs.filter(specialist=user)
    return qs.none()


# Inside scope, each part of a case is read with its own permission (None: everyone in scope).
READ_PERMISSION: dict[Part, str | None] = {
    Part.IDENTITY: None,
    Part.CONTACT: roles.CONTACT,
    Part.INQUIRY: roles.INQUIRY,
    Part.RECORDS: roles.RECORDS,
    Part.SCREENING: roles.SCREENING,
    Part.PLAN: roles.PLAN,
    Part.MONEY: roles.MONEY,
    Part.TRAVEL: roles.TRAVEL,
    Part.TREATMENT: roles.TREATMENT,
    Part.OUTCOMES: roles.OUTCOMES,
    # Who read what: the records page shows a file's readers to those who read records.
    Part.AUDIT: roles.RECORDS,
}

# Medical content: a read of any of these goes on the trail (rule 9).
MEDICAL = frozenset({Part.INQUIRY, Part.RECORDS, Part.SCREENING, Part.PLAN, Part.TREATMENT, Part.OUTCOMES})

DENIED: dict[Part, str] = {
    Part.CONTACT: "Your role does not see the patient's contact details.",
    Part.INQUIRY: "Your role does not read what the patient wrote.",
    Part.RECORDS: "Your role does not open medical records.",
    Part.SCREENING: "Your role does not see screening results.",
    Part.PLAN: "Your role does not see therapy plans.",
    Part.MONEY: "Your role does not see quotes and payments.",
    Part.TRAVEL: "Your role does not see travel arrangements.",
    Part.TREATMENT: "Your role does not see treatment records.",
    Part.OUTCOMES: "Your role does not see outcome measures.",
    Part.AUDIT: "Your role does not see who read a patient's records.",
}


def may_read(user: User, part: Part) -> bool:
    """Whether `user` reads `part` of the cases in their scope (the minimum-necessary table)."""
    perm = READ_PERMISSION[part]
    return perm is None or user.has_perm(perm)


def require_read(user: User, part: Part) -> None:
    """Raise NotAllowed (403) unless `user` reads `part`."""
    if not may_read(user, part):
        raise NotAllowed(DENIED[part])


def get_case(user: User, uuid: str | UUID, *, related: tuple[str, ...] = (), annotations: Mapping[str, Any] | None = None) -> Case:
    """The case `uuid` if it is in `user`'s scope, else 404; `related` and `annotations` are read in the same query."""
    qs = visible_cases(user)
    if related:
        qs = qs.select_related(*related)
    if annotations:
        qs = qs.annotate(**annotations)
    try:
        return qs.get(uuid=uuid)
    except (Case.DoesNotExist, ValidationError, ValueError, TypeError):
        raise Http404("No such case.") from None


def search_cases(user: User, term: str) -> QuerySet[Case]:
    """The cases `user` may see whose patient's name holds every word of `term` (any order, any
    accents or case), or whose code holds the term, or whose patient's email is the term.

    Raises BadSearchTerm (a Refusal) for control characters or an over-long term.
    """
    words = search_words(term)
    term = term.strip()
    found = Q(code__icontains=term) | Q(patient__email__iexact=term) if term else Q()
    if words:
        name = Q()
        for word in words:
            name &= Q(patient__search_key__contains=word)
        found |= name
    return visible_cases(user).filter(found)


def queue(user: User, stages: set[Stage]) -> QuerySet[Case]:
    return visible_cases(user).filter(stage__in=[s.value for s in stages]).order_by("stage_changed_at")


def timeline(case: Case, user: User, limit: int = 200) -> QuerySet[CaseEvent]:
    """The case's events newest first, only of the parts of a case `user` may read."""
    # Reads are on the trail (and on each record's page), not in the story of the case.
    hidden = [EventKind.MEDICAL_READ.value] + [kind.value for kind, part in PART_OF.items() if not may_read(user, part)]
    return case.events.exclude(kind__in=hidden).select_related("actor").order_by("-at", "-id")[:limit]


def stages_reached(case: Case, history: Sequence[CaseEvent] | None = None) -> set[Stage]:
    """Every stage the case has been in (from its stage events).

    `history`: the case's whole `timeline` if the caller already holds it. Only
    the spine's stage events carry `to_stage`, and everyone in scope reads
    them, so any reader's whole timeline holds them all: no query then.
    """
    if history is None:
        # order_by(): the model's ordering would join the DISTINCT and return every stage event.
        stages = list(case.events.exclude(to_stage="").order_by().values_list("to_stage", flat=True).distinct())
    else:
        stages = [e.to_stage for e in history if e.to_stage]
    return {Stage(s) for s in stages} | {case.stage_enum}


def suggested_specialists(case: Case) -> list[User]:
    """Active specialists, the ones expert in the case's condition first, then by fewest open cases."""
    active = [s.value for s in ACTIVE]
    # Correlated subqueries, not joins counted DISTINCT: each specialist's load
    # is an index-only count on (specialist, stage) rather than a sort of
    # every case they ever had.
    load = (
        Case.objects.filter(specialist=OuterRef("pk"), stage__in=active)
        .order_by()
        .values("specialist")
        .annotate(n=Count("specialist"))
        .values("n")
    )
    expert = (
        SpecialistProfile.objects.filter(user=OuterRef("pk"), conditions=case.condition_id)
        .order_by()
        .values("user")
        .annotate(n=Count("conditions"))
        .values("n")
    )
    qs = (
        User.objects.filter(groups__name="Specialist", is_active=True)
        .annotate(load=Coalesce(Subquery(load), 0), expert=Coalesce(Subquery(expert), 0))
        .order_by("-expert", "load", "last_name")
    )
    return list(qs)

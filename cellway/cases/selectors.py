"""Reads of cases, scoped to the person asking.

Outside one's scope a case does not exist (404): a specialist reaches only the
cases assigned to them; a user with no clinic role reaches none.
"""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from cellway.accounts.models import User
from cellway.accounts.roles import SEE_ALL, Role
from cellway.cases.events import PART_OF
from cellway.cases.models import Case, CaseEvent, SpecialistProfile
from cellway.cases.parts import may_read
from cellway.cases.search import search_words
from cellway.cases.stages import ACTIVE, Stage


def visible_cases(user: User) -> QuerySet[Case]:
    qs = Case.objects.select_related("patient", "condition", "specialist")
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.has_perm(SEE_ALL):
        return qs
    if Role.SPECIALIST in user.role_names:
        return qs.filter(specialist=user)
    return qs.none()


def get_case(user: User, uuid: str | UUID) -> Case:
    try:
        return visible_cases(user).get(uuid=uuid)
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
    hidden = [kind for kind, part in PART_OF.items() if not may_read(user, part)]
    return case.events.exclude(kind__in=hidden).select_related("actor").order_by("-at", "-id")[:limit]


def stages_reached(case: Case) -> set[Stage]:
    """Every stage the case has been in (from its stage events)."""
    reached = {Stage(s) for s in case.events.exclude(to_stage="").values_list("to_stage", flat=True).distinct()}
    return reached | {case.stage_enum}


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

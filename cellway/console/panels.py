"""The case page is a list of panels, one or more per domain.

A panel source is a function `(page) -> Panel | None` kept in the console
module of its domain (`console/<domain>/panels.py`). It decides what it shows
to this user from that domain's selectors, and which actions it offers by
asking the predicate the service itself checks (`allowed(check_..., ...)`),
never a copy of the rule. A user who may not read a part of the case gets no
panel for it (None). `CASE_PANELS` in `console/cases/views.py` lists them in
page order.

Most cases never get far: a case at inquiry has no plan, screening, files or
sessions. A panel that reads such rows names them in its module's `HOLDS` (a
queryset of them per case, on `OuterRef("pk")`), and asks `page.holds(key)`
before reading: the case page folds every probe into the query that reads the
case itself, so an empty part costs no query at all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django import forms as djforms
from django.db import connection
from django.db.models import Exists, IntegerField, QuerySet
from django.db.models.expressions import RawSQL
from django.http import HttpRequest

from cellway.accounts.models import User
from cellway.cases.models import Case
from cellway.cases.parts import Part
from cellway.cases.selectors import may_read
from cellway.errors import NotAllowed, Refusal, StageConflict


@dataclass
class CasePage:
    """What every panel source gets: who is asking, about which case, and any form sent back after a refusal."""

    request: HttpRequest
    user: User
    case: Case
    bound: dict[str, djforms.BaseForm] = field(default_factory=dict)
    # (form key, message) of the refusal the page is shown again for.
    refused: tuple[str, str] | None = None
    # Rows more than one panel needs (the account, the signed plan), read once.
    shared: dict[str, Any] = field(default_factory=dict)
    # The panels' probes (see the module's docstring): key -> rows of that kind of this case.
    probes: Mapping[str, QuerySet[Any]] = field(default_factory=dict)

    def reads(self, part: Part) -> bool:
        return may_read(self.user, part)

    def form(self, key: str, make: Callable[[], djforms.BaseForm]) -> djforms.BaseForm:
        """The form sent back with errors, or a fresh one; each form its own ids so every label finds its field."""
        form = self.bound.get(key) or make()
        form.auto_id = f"{key}-%s"
        return form

    def is_open(self, key: str) -> bool:
        """A refusal inside a collapsed section opens it."""
        return key in self.bound or (self.refused is not None and self.refused[0] == key)

    def refusal(self, key: str) -> str:
        """The refusal message to show next to form `key`, if that form was refused."""
        if self.refused and self.refused[0] == key:
            return self.refused[1]
        return ""

    def holds(self, key: str) -> bool:
        """Whether the case has any rows of `key`: read with the case, or else in one query for all the probes.

        A page made without the probes (a panel rendered on its own) reads as if every part held rows.
        """
        if key not in self.probes:
            return True
        held = getattr(self.case, HELD, None)
        if held is None:
            annotations = held_annotations(self.probes)
            rows = Case.objects.filter(pk=self.case.pk).annotate(**annotations).values_list(HELD, flat=True)
            held = self.once("held", rows.get)
        return bool(held & _bit(self.probes, key))

    def once(self, key: str, load: Callable[[], Any]) -> Any:
        if key not in self.shared:
            self.shared[key] = load()
        return self.shared[key]


HELD = "held_parts"


def held_annotations(probes: Mapping[str, QuerySet[Any]]) -> dict[str, RawSQL]:
    """The probes as one annotation of a case query: `held_parts`, a bit for each probe (in `probes`' order) set
    when the case has such rows."""
    # The SQL is Django's own compilation of our constant querysets, with its parameters kept apart: nothing from a request.
    return {HELD: RawSQL(*_mask_sql(connection.vendor, probes), output_field=IntegerField())}  # noqa: S611


def _bit(probes: Mapping[str, QuerySet[Any]], key: str) -> int:
    return 1 << list(probes).index(key)


# The probes' SQL, compiled once per process and database vendor. Building and compiling eighteen
# `Exists(queryset)` on every case page cost about a quarter of the page's CPU (each clones and resolves its
# queryset), and twenty annotations still cost Django more than a millisecond a page to add, compile and convert;
# the probes are module constants whose SQL never changes, so Django's own compiler writes each EXISTS once and
# the page reads them as one integer: `CASE WHEN EXISTS (…) THEN 1 ELSE 0 END + CASE WHEN EXISTS (…) THEN 2 …`.
_MASK_SQL: dict[tuple[str, tuple[str, ...]], tuple[str, tuple[Any, ...]]] = {}


def _mask_sql(vendor: str, probes: Mapping[str, QuerySet[Any]]) -> tuple[str, tuple[Any, ...]]:
    cache_key = (vendor, tuple(probes))
    found = _MASK_SQL.get(cache_key)
    if found is None:
        query = Case.objects.all().query
        compiler = query.get_compiler(connection=connection)
        terms: list[str] = []
        params: list[Any] = []
        for i, rows in enumerate(probes.values()):
            sql, exists_params = compiler.compile(Exists(rows).resolve_expression(query))
            terms.append(f"CASE WHEN {sql} THEN {1 << i} ELSE 0 END")
            params.extend(exists_params)
        found = _MASK_SQL[cache_key] = ("(" + " + ".join(terms or ["0"]) + ")", tuple(params))
    return found


@dataclass
class Panel:
    """One section of the case page."""

    key: str  # the section's id (anchor); action redirects land on it
    template: str
    context: dict[str, Any]
    aside: bool = False
    # Shows medical content: opening the page is then a read on the trail.
    medical: bool = False


PanelSource = Callable[[CasePage], Panel | None]


def blocked_reason(check: Callable[..., None], /, **kwargs: Any) -> str:
    """Why an action this person could otherwise take is not possible now ("" if it is, or is not theirs at all).

    A check raises NotAllowed when the action is not this person's, and
    StageConflict when the case is not at that step: the panel then offers
    nothing. A plain Refusal (the balance is open) is worth showing instead
    of the form.
    """
    try:
        check(**kwargs)
    except (NotAllowed, StageConflict):
        return ""
    except Refusal as refusal:
        return refusal.message
    return ""

"""Release judgement of a lot against its product's specification: no Django here.

Defaults are the ISCT minimal criteria for MSCs (Dominici et al., Cytotherapy
2006) and the usual clinical release tests. A laboratory may tighten any
criterion but never relax an ISCT marker or the viability floor of 70 %:
`check_specification` refuses that. A lot is releasable only when every
criterion has a result, in the criterion's unit, within specification.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum


class Kind(StrEnum):
    AT_LEAST = "min"  # a number, at least the limit
    AT_MOST = "max"  # a number, at most the limit
    EXPECTED = "expected"  # a word, e.g. "negative", "pass"


class Status(StrEnum):
    WITHIN = "within"
    OUT = "out"
    MISSING = "missing"


@dataclass(frozen=True)
class Criterion:
    code: str
    name: str
    kind: Kind
    unit: str = ""
    limit: Decimal | None = None
    expected: str = ""
    # The loosest limit allowed (ISCT, viability): a laboratory may only tighten from here.
    bound: Decimal | None = None

    @property
    def shown(self) -> str:
        if self.kind == Kind.AT_LEAST:
            return f"≥ {self.limit} {self.unit}".strip()
        if self.kind == Kind.AT_MOST:
            return f"≤ {self.limit} {self.unit}".strip()
        return self.expected


@dataclass(frozen=True)
class Result:
    code: str
    value: Decimal | None = None
    text: str = ""
    unit: str = ""

    @property
    def shown(self) -> str:
        return f"{self.value} {self.unit}".strip() if self.value is not None else self.text


class SpecificationError(ValueError):
    @property
    def message(self) -> str:
        return str(self.args[0])


PERCENT = "%"
_D = Decimal


def _positive(code: str, name: str) -> Criterion:
    return Criterion(code, name, Kind.AT_LEAST, PERCENT, _D(95), bound=_D(95))


def _negative(code: str, name: str) -> Criterion:
    return Criterion(code, name, Kind.AT_MOST, PERCENT, _D(2), bound=_D(2))


ISCT_MARKERS: tuple[Criterion, ...] = (
    _positive("cd73", "CD73 positive"),
    _positive("cd90", "CD90 positive"),
    _positive("cd105", "CD105 positive"),
    _negative("cd45", "CD45 positive"),
    _negative("cd34", "CD34 positive"),
    _negative("cd14_cd11b", "CD14 or CD11b positive"),
    _negative("cd79a_cd19", "CD79a or CD19 positive"),
    _negative("hla_dr", "HLA-DR positive"),
    Criterion("adherence", "Plastic adherence", Kind.EXPECTED, expected="pass"),
    Criterion("trilineage", "Trilineage differentiation (osteo-, adipo-, chondrogenic)", Kind.EXPECTED, expected="pass"),
)

CLINICAL_TESTS: tuple[Criterion, ...] = (
    Criterion("viability", "Viability", Kind.AT_LEAST, PERCENT, _D(70), bound=_D(70)),
    Criterion("sterility", "Sterility", Kind.EXPECTED, expected="no growth"),
    Criterion("mycoplasma", "Mycoplasma", Kind.EXPECTED, expected="negative"),
    # Lot release limit; the per-dose limit (USP <85>, cells.endotoxin) is checked again at the bedside.
    Criterion("endotoxin", "Endotoxin", Kind.AT_MOST, "EU/mL", _D("0.5")),
    Criterion("karyotype", "Karyotype", Kind.EXPECTED, expected="normal"),
    Criterion("cell_count", "Viable cells per vial, of the labelled count", Kind.AT_LEAST, PERCENT, _D(90)),
)

DEFAULT_SPECIFICATION: tuple[Criterion, ...] = ISCT_MARKERS + CLINICAL_TESTS


def check_specification(criteria: Iterable[Criterion]) -> None:
    """Refuse a specification that relaxes an ISCT marker or the viability floor, or lacks a limit or unit."""
    for c in criteria:
        if c.kind == Kind.EXPECTED:
            if not c.expected.strip():
                raise SpecificationError(f"{c.name}: say which result is expected.")
            continue
        if c.limit is None or not c.unit:
            raise SpecificationError(f"{c.name}: a numeric criterion needs a limit and a unit.")
        if c.bound is not None and c.kind == Kind.AT_LEAST and c.limit < c.bound:
            raise SpecificationError(f"{c.name}: at least {c.bound} {c.unit}; the laboratory may raise it, not lower it.")
        if c.bound is not None and c.kind == Kind.AT_MOST and c.limit > c.bound:
            raise SpecificationError(f"{c.name}: at most {c.bound} {c.unit}; the laboratory may lower it, not raise it.")


def with_limit(criteria: Iterable[Criterion], code: str, limit: Decimal) -> tuple[Criterion, ...]:
    """The specification with one criterion's limit changed (checked)."""
    changed = tuple(replace(c, limit=limit) if c.code == code else c for c in criteria)
    check_specification(changed)
    return changed


def check_result(criterion: Criterion, result: Result) -> None:
    """Refuse a result that cannot be judged against `criterion`: a number without its unit, a unit that is not the criterion's."""
    if criterion.kind == Kind.EXPECTED:
        if not result.text.strip():
            raise SpecificationError(f"{criterion.name}: write the result (expected: {criterion.expected}).")
        return
    if result.value is None:
        raise SpecificationError(f"{criterion.name}: the result is a number in {criterion.unit}.")
    if not result.unit.strip():
        raise SpecificationError(f"{criterion.name}: give the result's unit ({criterion.unit}).")
    if result.unit.strip() != criterion.unit:
        raise SpecificationError(f"{criterion.name}: the result is in {result.unit!r}, the specification in {criterion.unit!r}.")


def status_of(criterion: Criterion, result: Result | None) -> Status:
    if result is None:
        return Status.MISSING
    if criterion.kind == Kind.EXPECTED:
        return Status.WITHIN if result.text.strip().lower() == criterion.expected.strip().lower() else Status.OUT
    if result.value is None or result.unit.strip() != criterion.unit or criterion.limit is None:
        return Status.OUT
    if criterion.kind == Kind.AT_LEAST:
        return Status.WITHIN if result.value >= criterion.limit else Status.OUT
    return Status.WITHIN if result.value <= criterion.limit else Status.OUT


@dataclass(frozen=True)
class Line:
    criterion: Criterion
    result: Result | None
    status: Status


@dataclass(frozen=True)
class Judgement:
    lines: tuple[Line, ...]

    @property
    def missing(self) -> list[Line]:
        return [line for line in self.lines if line.status == Status.MISSING]

    @property
    def out(self) -> list[Line]:
        return [line for line in self.lines if line.status == Status.OUT]

    @property
    def releasable(self) -> bool:
        return all(line.status == Status.WITHIN for line in self.lines)

    @property
    def failed(self) -> bool:
        return bool(self.out)

    def why_not(self) -> str:
        """Why the lot cannot be released ("" if it can)."""
        parts = []
        if self.out:
            parts.append(
                "out of specification: "
                + "; ".join(
                    f"{x.criterion.name} {x.result.shown if x.result else ''} (specification {x.criterion.shown})" for x in self.out
                )
            )
        if self.missing:
            parts.append("no result yet: " + ", ".join(x.criterion.name for x in self.missing))
        return ("Not releasable, " + "; ".join(parts) + ".") if parts else ""


def judge(criteria: Iterable[Criterion], results: Mapping[str, Result]) -> Judgement:
    """Each criterion against its latest result (`results` by criterion code)."""
    return Judgement(tuple(Line(c, results.get(c.code), status_of(c, results.get(c.code))) for c in criteria))

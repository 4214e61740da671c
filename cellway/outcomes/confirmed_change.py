"""Confirmed disability change: CDW / CDI events with PIRA / RAW classification.

A pure-Python reimplementation of ``msprog`` (Montobbio et al.; the reference
is ``pymsprog`` 1.0.7, ``MSprog()``) restricted to the options Cellway uses and
to pymsprog's defaults for everything else. Same input, same events, field by
field, except where pymsprog is wrong (listed at the end of this docstring);
``tests/test_against_pymsprog.py`` holds it to that.

The rules (pymsprog's defaults, which Cellway follows):

* **Visits.** Per subject, visits are sorted by date; when several visits share
  a date only the last one given is kept.
* **Clinically meaningful change** from a reference value ``b``: EDSS 1.5 if
  ``b == 0``, 1.0 if ``0 < b <= 5``, 0.5 if ``b > 5``; T25FW and NHPT 20 % of
  ``b``. Higher is worse for all three. Worsening: ``x - b >= delta(b)``;
  improvement: ``x - b <= -delta(b)``. Computed exactly, in decimal: a value
  is the decimal number it was written as (a float is read as its shortest
  round-trip form, ``repr``, which is what a CSV cell or a decimal column
  held), and the comparisons are ``x >= b + delta(b)`` and ``x <= b -
  delta(b)`` (timed tests: ``x >= 1.2 b`` and ``x <= 0.8 b``) on
  :class:`~decimal.Decimal` numbers, so 4.0 s to 4.8 s is a 20 % worsening.
* **Baseline.** The first visit. A visit less than ``relapse_to_bl`` (30) days
  after a relapse cannot be a baseline: the baseline moves to the next visit.
  ``fixed`` keeps it there; ``roving`` moves it to the first confirmation visit
  of every confirmed event (``roving_impr`` only after CDI, ``roving_wors`` only
  after CDW).
* **Event onset.** The first visit after the baseline (and after the last
  event's first confirmation visit) whose change from baseline is meaningful.
  ``relapse_to_event`` is 0: onsets are not excluded near relapses.
* **Confirmation.** A confirmation visit lies ``c - 7`` to ``c + 730.5`` days
  after onset for a ``c`` in ``conf_days`` (84 and/or 168) and at least
  ``relapse_to_conf`` (30) days after any relapse. The change must hold at
  *every* visit from onset to the first confirmation visit, intermediate
  visits near relapses included. A change that is not confirmed is skipped and
  the search goes on from the next visit.
* **Reported confirmation** for each ``c``: the earliest confirmation visit in
  that window still before the first visit where the change no longer holds.
  ``sust_days`` is the time from onset to the last visit where it still holds.
* **RAW**: a CDW whose onset is at most ``relapse_assoc`` (90) days after a
  relapse (or on the day of one). **PIRA**: a CDW that is not RAW and has at
  least one confirmation visit such that no relapse lies within
  [onset - 90, onset + 30] nor [confirmation - 90, confirmation + 30] days.
  Any other CDW is ``undefined``. Every relapse given counts, including one
  long before the first visit (pymsprog drops those: see below).
* **Event modes.** ``multiple`` reports every event; ``first`` the first event
  of either kind; ``firstCDW``, ``firstCDI``, ``firstPIRA``, ``firstRAW`` the
  first of that kind. CDI events found on the way still move a roving baseline
  in ``firstCDW`` mode, exactly as in pymsprog. In ``firstPIRA`` / ``firstRAW``
  with a ``fixed`` or ``roving_impr`` baseline, a CDW of the other kind is
  skipped and the search goes on from the visit after its onset.
* **No event**: one row with ``nevent == 0`` and ``time2event`` equal to the
  total follow-up.

Where this module parts from pymsprog on purpose (docs/outcomes.md lists
them; ``tests/test_against_pymsprog.py`` shows each one against pymsprog):

* **Exactly 20 %.** pymsprog computes ``x - b >= b / 5`` in binary floating
  point, where 4.8 - 4.0 is 0.7999999999999998 < 0.8: a T25FW from 4.0 s to
  4.8 s is no worsening there. The rule is "at least 20 %"; this module
  compares exact decimals (above). The same holds for improvements and for
  EDSS values off the half-step grid.
* **Relapses before follow-up.** pymsprog drops every relapse more than
  ``relapse_to_bl`` (30) days before the first visit, so a worsening 45 days
  after a relapse that came 40 days before the first visit is PIRA there. Such
  a relapse is still within ``relapse_assoc`` (90) days of the onset: RAW
  here. Every rule sees every relapse; with the default windows only the
  RAW / PIRA classification can change, because a relapse more than 30 days
  back never blocks a baseline or a confirmation.
* **A crash.** In ``firstPIRA`` / ``firstRAW`` mode with a fixed (or
  ``roving_impr``) baseline and two or more ``conf_days``, pymsprog raises
  ``ValueError`` (``np.min`` of an empty list) when a skipped CDW has no
  surviving confirmation in one of the windows; the confirmation visits are
  not used in that branch, so this module simply goes on from the visit after
  the onset, which is what pymsprog does in every other case of a skipped
  CDW.

Speed: per subject the work is on plain lists of ordinal day numbers and
decimals; no per-visit objects are built. The change thresholds are
computed once per reference value, so the inner loops only compare.
"""

from __future__ import annotations

import datetime as dt
import math
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Context, Decimal, Inexact, InvalidOperation

OUTCOMES = ("edss", "t25fw", "nhpt")
EVENT_MODES = ("firstCDW", "firstCDI", "first", "multiple", "firstPIRA", "firstRAW")
BASELINES = ("fixed", "roving", "roving_impr", "roving_wors")

# pymsprog's default relapse-free windows for PIRA (``relapse_indep``):
# (days before, days after) around the onset and around a confirmation visit.
_PIRA_EVENT_WINDOW = (90, 30)
_PIRA_CONF_WINDOW = (90, 30)

_INF = math.inf


class RulesError(ValueError):
    """Invalid engine settings."""


class VisitError(ValueError):
    """Invalid visit data for one subject."""


@dataclass(frozen=True, slots=True)
class Rules:
    """Settings of one run; every default is pymsprog's default.

    Day windows are pairs ``(left, right)`` as in pymsprog: ``relapse_to_*``
    are minimum distances (days) from the last / next relapse, ``relapse_assoc``
    maximum distances for RAW, ``conf_tol_days`` the tolerance before / after
    each ``conf_days`` value.
    """

    outcome: str = "edss"
    event: str = "firstCDW"
    baseline: str = "fixed"
    conf_days: tuple[int, ...] = (84,)
    conf_tol_days: tuple[float, float] = (7, 2 * 365.25)
    relapse_to_bl: tuple[float, float] = (30, 0)
    relapse_to_event: tuple[float, float] = (0, 0)
    relapse_to_conf: tuple[float, float] = (30, 0)
    relapse_assoc: tuple[float, float] = (90, 0)

    def __post_init__(self) -> None:
        _check_choice("outcome", self.outcome, OUTCOMES)
        _check_choice("event", self.event, EVENT_MODES)
        _check_choice("baseline", self.baseline, BASELINES)
        if not self.conf_days:
            raise RulesError("conf_days: give at least one confirmation period")
        for days in self.conf_days:
            if isinstance(days, bool) or not isinstance(days, int) or days <= 0:
                raise RulesError(f"conf_days: {days!r} is not a positive whole number")
        if len(set(self.conf_days)) != len(self.conf_days):
            raise RulesError(f"conf_days: {self.conf_days!r} repeats a value")


def _check_choice(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise RulesError(f"{name}: {value!r} is not one of {', '.join(allowed)}")


@dataclass(frozen=True, slots=True)
class Subject:
    """One subject's visits ``(date, value)`` and relapse onset dates.

    A value is a :class:`~decimal.Decimal` or a float; a float stands for the
    decimal it prints as (see :func:`exact`).
    """

    id: str
    visits: Sequence[tuple[dt.date, float | Decimal]]
    relapses: Sequence[dt.date] = ()


@dataclass(frozen=True, slots=True)
class Confirmation:
    """First confirmation visit within one ``conf_days`` window."""

    conf_days: int
    date: dt.date
    value: float


@dataclass(frozen=True, slots=True)
class Event:
    """One output row, with pymsprog's column meanings.

    ``event_type`` is ``CDW``, ``CDI`` or ``''`` (no event, ``nevent == 0``);
    ``CDW_type`` is ``PIRA``, ``RAW``, ``undefined`` (a CDW that is neither) or
    ``''`` (CDI, no event, or ``firstCDI`` mode where CDWs are not classified).
    Day counts: ``total_fu`` first to last visit, ``time2event`` first visit to
    onset, ``bl2event`` baseline to onset, ``sust_days`` onset to the last
    visit where the change still holds. ``last_delta_*`` is pymsprog's "last
    visit before onset with a meaningful difference from the onset value that
    also holds to confirmation" (the first visit when there is none).
    """

    id: str
    nevent: int
    event_type: str
    CDW_type: str  # noqa: N815 - pymsprog's column name
    total_fu: int
    time2event: int
    date: dt.date | None = None
    value: float | None = None
    bl_date: dt.date | None = None
    bl_value: float | None = None
    last_delta_date: dt.date | None = None
    last_delta_value: float | None = None
    bl2event: int | None = None
    confirmations: tuple[Confirmation, ...] = ()
    pira_confirmations: tuple[Confirmation, ...] = ()
    sust_days: int | None = None
    sust_last: bool | None = None

    def as_row(self, conf_days: Sequence[int]) -> dict[str, object]:
        """Flatten to pymsprog's column names (``conf84_date``, ...)."""
        row: dict[str, object] = {
            "id": self.id,
            "nevent": self.nevent,
            "event_type": self.event_type,
            "CDW_type": self.CDW_type,
            "date": self.date,
            "value": self.value,
            "bl_date": self.bl_date,
            "bl_value": self.bl_value,
            "last_delta_date": self.last_delta_date,
            "last_delta_value": self.last_delta_value,
            "total_fu": self.total_fu,
            "time2event": self.time2event,
            "bl2event": self.bl2event,
        }
        conf = {c.conf_days: c for c in self.confirmations}
        pira = {c.conf_days: c for c in self.pira_confirmations}
        for prefix, found in (("conf", conf), ("PIRA_conf", pira)):
            for days in conf_days:
                hit = found.get(days)
                row[f"{prefix}{days}_date"] = hit.date if hit else None
            for days in conf_days:
                hit = found.get(days)
                row[f"{prefix}{days}_value"] = hit.value if hit else None
        row["sust_days"] = self.sust_days
        row["sust_last"] = self.sust_last
        return row


def row_columns(conf_days: Sequence[int]) -> list[str]:
    """Column names of :meth:`Event.as_row`, in pymsprog's order."""
    cols = ["id", "nevent", "event_type", "CDW_type", "date", "value"]
    cols += ["bl_date", "bl_value", "last_delta_date", "last_delta_value"]
    cols += ["total_fu", "time2event", "bl2event"]
    for prefix in ("conf", "PIRA_conf"):
        cols += [f"{prefix}{c}_date" for c in conf_days]
        cols += [f"{prefix}{c}_value" for c in conf_days]
    return cols + ["sust_days", "sust_last"]


# ---------------------------------------------------------------------------
# Public entry points


def detect_events(subject: Subject, rules: Rules) -> list[Event]:
    """Events of one subject (at least one row: ``nevent == 0`` if none)."""
    days = [d.toordinal() for d, _ in subject.visits]
    values = [v for _, v in subject.visits]
    relapses = [d.toordinal() for d in subject.relapses]
    return detect_events_days(subject.id, days, values, relapses, rules)


def detect_cohort(subjects: Iterable[Subject], rules: Rules) -> list[Event]:
    """Events of every subject, subjects in the order given."""
    out: list[Event] = []
    for subject in subjects:
        out.extend(detect_events(subject, rules))
    return out


def detect_events_days(
    subject_id: str,
    days: Sequence[int],
    values: Sequence[float | Decimal],
    relapse_days: Sequence[int],
    rules: Rules,
) -> list[Event]:
    """Like :func:`detect_events`, with dates given as ordinal day numbers.

    ``days`` and ``values`` are parallel; they need not be sorted and may
    repeat a day (the last value given for a day wins). Raises
    :class:`VisitError` for a value that is not finite or out of range.
    """
    if len(days) != len(values):
        raise VisitError(f"subject {subject_id}: {len(days)} dates, {len(values)} values")
    _check_values(subject_id, values, rules.outcome)
    day_list, value_list = _sorted_unique(days, values)
    if not day_list:
        return [Event(subject_id, 0, "", "", total_fu=0, time2event=0)]
    return _Scan(subject_id, day_list, value_list, relapse_days, rules).run()


def exact(value: float | Decimal) -> Decimal:
    """The decimal number a value stands for.

    A Decimal is itself. A float is the shortest decimal that reads back as
    the same float (``repr``): 4.8 is 4.8, not the binary fraction
    4.79999999999999982236431605997495353221893310546875 the float holds. That
    is the number typed in a CSV cell or stored in a decimal column, as long as
    it had at most 15 significant digits.
    """
    if isinstance(value, Decimal):
        return value
    return Decimal(repr(float(value)))


def _check_values(subject_id: str, values: Sequence[float | Decimal], outcome: str) -> None:
    top = 10.0 if outcome == "edss" else _INF
    for given in values:
        value = float(given)  # a Decimal NaN would raise on comparison; as a float it is refused below
        if not (0.0 <= value <= top and value != _INF):  # also false for NaN
            limit = "0 to 10" if outcome == "edss" else "0 or more"
            raise VisitError(f"subject {subject_id}: {outcome} value {value!r} is not {limit}")


def _sorted_unique(days: Sequence[int], values: Sequence[float | Decimal]) -> tuple[list[int], list[float | Decimal]]:
    # A dict keeps the last value written for a day, as pymsprog's
    # groupby(date).last() keeps the last row of that day.
    by_day = dict(zip(days, values, strict=True))
    ordered = sorted(by_day)
    return ordered, [by_day[d] for d in ordered]


# ---------------------------------------------------------------------------
# Clinically meaningful change


# The thresholds are sums and products of decimals that came from floats (at
# most 17 significant digits, exponents down to -324): a 1000-digit context
# holds every one exactly, and Inexact is trapped so that a rounded threshold
# would raise rather than pass unnoticed. Comparisons of Decimals are always
# exact.
_EXACT = Context(prec=1000, traps=[Inexact, InvalidOperation])
_EDSS_FROM_0, _EDSS_TO_5, _EDSS_ABOVE_5 = Decimal("1.5"), Decimal("1.0"), Decimal("0.5")
_FIVE = Decimal(5)
_WORSE_20, _BETTER_20 = Decimal("1.2"), Decimal("0.8")


def _edss_delta(ref: Decimal) -> Decimal:
    if ref == 0:
        return _EDSS_FROM_0
    return _EDSS_TO_5 if ref <= _FIVE else _EDSS_ABOVE_5


def _edss_bounds(ref: Decimal) -> tuple[Decimal, Decimal]:
    delta = _edss_delta(ref)
    return _EXACT.add(ref, delta), _EXACT.subtract(ref, delta)


def _timed_bounds(ref: Decimal) -> tuple[Decimal, Decimal]:
    # x - b >= b / 5 is x >= 1.2 b; x - b <= -b / 5 is x <= 0.8 b; both exact.
    return _EXACT.multiply(ref, _WORSE_20), _EXACT.multiply(ref, _BETTER_20)


def bounds_for(outcome: str) -> Callable[[Decimal], tuple[Decimal, Decimal]]:
    """From a reference value ``b``: ``(worse, better)``, where a value ``x``
    is a meaningful worsening if ``x >= worse`` and a meaningful improvement if
    ``x <= better``, all exact."""
    _check_choice("outcome", outcome, OUTCOMES)
    return _edss_bounds if outcome == "edss" else _timed_bounds


# ---------------------------------------------------------------------------
# The scan


@dataclass(slots=True)
class _Found:
    kind: str  # CDI, CDW, RAW, PIRA
    change: int
    bl: int
    last_delta: int
    conf: list[tuple[int, int]] = field(default_factory=list)  # (conf_days, idx)
    pira_conf: list[tuple[int, int]] = field(default_factory=list)
    sust_idx: int = 0


class _Scan:
    """State of one subject's scan; mirrors pymsprog's loop step by step."""

    __slots__ = (
        "sid",
        "days",
        "vals",
        "exact",
        "rels",
        "rules",
        "n",
        "bounds",
        "bl_ok",
        "ev_ok",
        "conf_ok",
        "near_rel",
    )

    def __init__(
        self,
        sid: str,
        days: list[int],
        vals: list[float | Decimal],
        relapse_days: Sequence[int],
        rules: Rules,
    ) -> None:
        self.sid = sid
        self.days = days
        # Floats for the output (pymsprog's columns), exact decimals for every
        # comparison.
        self.vals = [float(v) for v in vals]
        self.exact = [exact(v) for v in vals]
        self.rules = rules
        self.n = len(days)
        self.bounds = _edss_bounds if rules.outcome == "edss" else _timed_bounds
        # Every relapse counts, however long before the first visit (pymsprog
        # drops those more than relapse_to_bl days before it: see above).
        self.rels = list(relapse_days)
        self._relapse_flags()

    def _relapse_flags(self) -> None:
        n, rules = self.n, self.rules
        if not self.rels:
            self.bl_ok = self.ev_ok = self.conf_ok = [True] * n
            self.near_rel = [False] * n
            return
        before, after = self._relapse_distances()
        (bl0, bl1), (ev0, ev1) = rules.relapse_to_bl, rules.relapse_to_event
        (cf0, cf1), (as0, as1) = rules.relapse_to_conf, rules.relapse_assoc
        self.bl_ok = [b >= bl0 and a >= bl1 for b, a in zip(before, after, strict=True)]
        self.ev_ok = [b >= ev0 and a >= ev1 for b, a in zip(before, after, strict=True)]
        self.conf_ok = [b >= cf0 and a >= cf1 for b, a in zip(before, after, strict=True)]
        self.near_rel = [b <= as0 or a <= as1 for b, a in zip(before, after, strict=True)]

    def _relapse_distances(self) -> tuple[list[float], list[float]]:
        """Days since the last relapse and until the next (same day counts)."""
        # Bisecting the sorted onsets: visits x relapses comparisons were a
        # third of the engine's time on a 10,000-patient cohort.
        rels = sorted(self.rels)
        count = len(rels)
        before: list[float] = []
        after: list[float] = []
        for d in self.days:
            i = bisect_right(rels, d)  # rels[i - 1] is the last relapse on or before d
            before.append(d - rels[i - 1] if i else _INF)
            j = bisect_left(rels, d, 0, i)  # rels[j] is the first relapse on or after d
            after.append(rels[j] - d if j < count else _INF)
        return before, after

    # -- predicates ---------------------------------------------------------

    def _wors(self, x: Decimal, ref: Decimal) -> bool:
        return x >= self.bounds(ref)[0]

    def _impr(self, x: Decimal, ref: Decimal) -> bool:
        return x <= self.bounds(ref)[1]

    def _holds(self, kind: str, start: int, stop: int, ref: Decimal) -> bool:
        """The change ``kind`` from ``ref`` holds at visits start..stop-1."""
        # Written out rather than through _wors/_impr: the same comparisons,
        # without a call per visit (this is the engine's inner loop).
        worse, better = self.bounds(ref)
        if kind == "wors":
            return all(v >= worse for v in self.exact[start:stop])
        return all(v <= better for v in self.exact[start:stop])

    def _first_not_holding(self, kind: str, start: int, ref: Decimal) -> int | None:
        worse, better = self.bounds(ref)
        vals = self.exact
        wors = kind == "wors"
        for x in range(start, self.n):
            if not (vals[x] >= worse if wors else vals[x] <= better):
                return x
        return None

    # -- main loop ----------------------------------------------------------

    def run(self) -> list[Event]:
        found = self._search()
        return self._report(found)

    def _search(self) -> list[_Found]:
        rules, n, vals = self.rules, self.n, self.exact
        mode = rules.event
        bl, search, proceed = 0, 1, True
        found: list[_Found] = []
        while proceed:
            # A baseline within a relapse's influence moves to the next visit.
            while proceed and not self.bl_ok[bl]:
                bl += 1
                if bl > n - 2:
                    proceed = False
            if search <= bl:
                search = bl + 1
            if bl > n - 1:
                bl, proceed = n - 1, False
            ref = vals[bl]
            change = self._onset(search, ref)
            if change is None:
                break
            event, bl, search = self._judge_change(change, bl, ref)
            if event is not None:
                found.append(event)
            if self._done(mode, found):
                proceed = False
        return found

    def _judge_change(self, change: int, bl: int, ref: Decimal) -> tuple[_Found | None, int, int]:
        """The event a change at ``change`` confirms, if any; then the baseline and the visit to search on from."""
        vals, baseline = self.exact, self.rules.baseline
        conf_t = self._confirmation_candidates(change)
        conf_all = sorted({x for xs in conf_t for x in xs})
        if conf_all and self._impr(vals[change], ref) and self._holds("impr", change + 1, conf_all[0] + 1, ref):
            ev, newref = self._cdi(change, bl, ref, conf_t, conf_all)
            return ev, (newref if baseline in ("roving", "roving_impr") else bl), newref + 1
        if conf_all and self._wors(vals[change], ref) and self._holds("wors", change + 1, conf_all[0] + 1, ref):
            maybe, newref = self._cdw(change, bl, ref, conf_t, conf_all)
            return maybe, (newref if baseline in ("roving", "roving_wors") else bl), newref + 1
        return None, bl, change + 1

    def _onset(self, search: int, ref: Decimal) -> int | None:
        """First visit from ``search`` with a meaningful change from ``ref``."""
        vals, ev_ok = self.exact, self.ev_ok
        worse, better = self.bounds(ref)
        for x in range(search, self.n):
            if (vals[x] >= worse or vals[x] <= better) and ev_ok[x]:
                return x
        return None

    def _confirmation_candidates(self, change: int) -> list[list[int]]:
        """Per ``conf_days`` value, the visits that may confirm ``change``."""
        rules, days, conf_ok, n = self.rules, self.days, self.conf_ok, self.n
        left, right = rules.conf_tol_days
        onset = days[change]
        per_window: list[list[int]] = []
        for c in rules.conf_days:
            lo, hi = c - left, c + right
            hits = []
            for x in range(change + 1, n):
                gap = days[x] - onset
                if gap > hi:
                    break
                if gap >= lo and conf_ok[x]:
                    hits.append(x)
            per_window.append(hits)
        return per_window

    def _first_per_window(self, conf_t: list[list[int]], kept: list[int]) -> list[tuple[int, int]]:
        """(conf_days, earliest visit) for every window with a kept visit."""
        keep = set(kept)
        out = []
        for c, hits in zip(self.rules.conf_days, conf_t, strict=True):
            inside = [x for x in hits if x in keep]
            if inside:
                out.append((c, inside[0]))
        return out

    def _cdi(
        self,
        change: int,
        bl: int,
        ref: Decimal,
        conf_t: list[list[int]],
        conf_all: list[int],
    ) -> tuple[_Found, int]:
        stop = self._first_not_holding("impr", conf_all[0] + 1, ref)
        kept = conf_all if stop is None else [x for x in conf_all if x < stop]
        per_window = self._first_per_window(conf_t, kept)
        ev = _Found(
            kind="CDI",
            change=change,
            bl=bl,
            last_delta=self._last_delta(change, kept, "impr"),
            conf=per_window,
            sust_idx=self.n - 1 if stop is None else stop - 1,
        )
        # Search (and a roving baseline) resumes at the first confirmation of
        # the first window, in conf_days order, that still has one.
        return ev, per_window[0][1]

    def _cdw(
        self,
        change: int,
        bl: int,
        ref: Decimal,
        conf_t: list[list[int]],
        conf_all: list[int],
    ) -> tuple[_Found | None, int]:
        stop = self._first_not_holding("wors", conf_all[0] + 1, ref)
        kept = conf_all if stop is None else [x for x in conf_all if x < stop]
        kind, pira_conf = self._classify(change, kept, conf_t)
        if kind is None:
            # Not the kind searched for, and the baseline does not move after
            # a CDW: go on from the visit after the onset.
            return None, change
        per_window = self._first_per_window(conf_t, kept)
        ev = _Found(
            kind=kind,
            change=change,
            bl=bl,
            last_delta=self._last_delta(change, kept, "wors"),
            conf=per_window,
            pira_conf=pira_conf,
            sust_idx=self.n - 1 if stop is None else stop - 1,
        )
        return ev, per_window[0][1]

    def _classify(self, change: int, kept: list[int], conf_t: list[list[int]]) -> tuple[str | None, list[tuple[int, int]]]:
        """CDW kind (RAW, PIRA, CDW) or None when this mode skips it."""
        mode = self.rules.event
        if mode == "firstCDI":
            return "CDW", []  # pymsprog does not classify in firstCDI mode
        skip_others = self.rules.baseline in ("fixed", "roving_impr")
        if self.near_rel[change]:
            return (None if mode == "firstPIRA" and skip_others else "RAW"), []
        if mode == "firstRAW" and skip_others:
            return None, []
        pira_kept = [x for x in kept if not self._relapse_near_pira(change, x)]
        if pira_kept:
            return "PIRA", self._first_per_window(conf_t, pira_kept)
        return (None if mode == "firstPIRA" and skip_others else "CDW"), []

    def _relapse_near_pira(self, change: int, conf: int) -> bool:
        """A relapse falls in the PIRA exclusion windows of onset or conf."""
        onset, confirmed = self.days[change], self.days[conf]
        e0, e1 = _PIRA_EVENT_WINDOW
        c0, c1 = _PIRA_CONF_WINDOW
        return any(onset - e0 <= r <= onset + e1 or confirmed - c0 <= r <= confirmed + c1 for r in self.rels)

    def _last_delta(self, change: int, kept: list[int], kind: str) -> int:
        """pymsprog's ``find_last_delta_idx`` (index 0 is never tested)."""
        # The _wors/_impr comparisons written out, one pair of bounds per
        # reference: this walks back over every earlier visit for every event.
        vals = self.exact
        target = vals[change]
        later = vals[change + 1 : kept[0] + 1]
        wors = kind == "wors"
        for ref_idx in range(change - 1, 0, -1):
            worse, better = self.bounds(vals[ref_idx])
            if wors:
                if target >= worse and all(v >= worse for v in later):
                    return ref_idx
            elif target <= better and all(v <= better for v in later):
                return ref_idx
        return 0

    @staticmethod
    def _done(mode: str, found: list[_Found]) -> bool:
        if mode == "multiple" or not found:
            return False
        if mode == "first":
            return True
        kinds = {f.kind for f in found}
        if mode == "firstCDW":
            return bool(kinds & {"CDW", "RAW", "PIRA"})
        if mode == "firstCDI":
            return "CDI" in kinds
        return ("PIRA" if mode == "firstPIRA" else "RAW") in kinds

    # -- output -------------------------------------------------------------

    def _report(self, found: list[_Found]) -> list[Event]:
        chosen = _select(self.rules.event, found)
        total_fu = self.days[-1] - self.days[0]
        if not chosen:
            return [Event(self.sid, 0, "", "", total_fu=total_fu, time2event=total_fu)]
        return [self._event(i + 1, f, total_fu) for i, f in enumerate(chosen)]

    def _event(self, nevent: int, f: _Found, total_fu: int) -> Event:
        days, vals = self.days, self.vals
        is_cdi = f.kind == "CDI"
        return Event(
            id=self.sid,
            nevent=nevent,
            event_type="CDI" if is_cdi else "CDW",
            CDW_type=_CDW_TYPES[f.kind],
            total_fu=total_fu,
            time2event=days[f.change] - days[0],
            date=dt.date.fromordinal(days[f.change]),
            value=vals[f.change],
            bl_date=dt.date.fromordinal(days[f.bl]),
            bl_value=vals[f.bl],
            last_delta_date=dt.date.fromordinal(days[f.last_delta]),
            last_delta_value=vals[f.last_delta],
            bl2event=days[f.change] - days[f.bl],
            confirmations=self._confirmations(f.conf),
            pira_confirmations=self._confirmations(f.pira_conf),
            sust_days=days[f.sust_idx] - days[f.change],
            sust_last=f.sust_idx == self.n - 1,
        )

    def _confirmations(self, pairs: list[tuple[int, int]]) -> tuple[Confirmation, ...]:
        return tuple(Confirmation(c, dt.date.fromordinal(self.days[x]), self.vals[x]) for c, x in pairs)


_CDW_TYPES = {"CDI": "", "CDW": "undefined", "RAW": "RAW", "PIRA": "PIRA"}


def _select(mode: str, found: list[_Found]) -> list[_Found]:
    """The events a mode reports (``found`` is already in onset order)."""
    if mode == "multiple":
        return found
    wanted = {
        "first": ("CDI", "CDW", "RAW", "PIRA"),
        "firstCDW": ("CDW", "RAW", "PIRA"),
        "firstCDI": ("CDI",),
        "firstPIRA": ("PIRA",),
        "firstRAW": ("RAW",),
    }[mode]
    for f in found:
        if f.kind in wanted:
            return [f]
    return []

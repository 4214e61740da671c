"""CSV in and out for the outcomes engines, and the batch "run over a file" paths.

The ``outcomes_events`` and ``edss_score`` management commands are thin
adapters over :func:`run_events_file` and :func:`score_edss_file`; :func:`main`
offers the same two commands without Django (``python -m cellway.outcomes.csvio``).

Files (UTF-8, comma-separated, a header row; extra columns are ignored):

* visits: ``id``, ``date`` (YYYY-MM-DD) and the outcome's column (``edss``,
  ``t25fw`` or ``nhpt``; a column named ``value`` is used when the outcome's
  own is absent). An empty outcome cell means "not measured at this visit":
  the visit is left out for that outcome, as pymsprog drops missing values.
* relapses: ``id``, ``date``.
* events (written): the columns of
  :func:`cellway.outcomes.confirmed_change.row_columns`, dates as YYYY-MM-DD,
  empty cells where pymsprog has NaN / NaT.
* functional system scores: ``visual, brainstem, pyramidal, cerebellar,
  sensory, bowel_bladder, cerebral, ambulation``; written back with an ``edss``
  column added.

Bad input stops the run with a :class:`CsvError` naming the file, the line
and the column. Output files are written to a temporary file next to the
target and renamed only when complete, so a failed run leaves no output.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import math
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cellway.outcomes import edss as edss_engine
from cellway.outcomes.confirmed_change import (
    BASELINES,
    EVENT_MODES,
    OUTCOMES,
    Event,
    Rules,
    VisitError,
    detect_events_days,
    row_columns,
)

_INF = math.inf


class CsvError(ValueError):
    """Bad CSV input; the message names file, line and column."""


@dataclass(frozen=True, slots=True)
class SubjectVisits:
    """Visits of one subject as ordinal days and values, in file order."""

    days: list[int]
    values: list[float]


@dataclass(frozen=True, slots=True)
class EventsSummary:
    """What a run over files did."""

    subjects: int
    visits: int
    relapses: int
    rows: int
    events: int


# ---------------------------------------------------------------------------
# Reading


def read_visits(path: str | Path, outcome: str) -> dict[str, SubjectVisits]:
    """Visits per subject id, subjects in order of first appearance."""
    out: dict[str, SubjectVisits] = {}
    top = 10.0 if outcome == "edss" else _INF
    with _open_rows(path) as (header, rows):
        id_col = _column(path, header, "id")
        date_col = _column(path, header, "date")
        value_name = outcome if outcome in header else "value"
        value_col = _column(path, header, value_name, also=outcome)
        dates = _DateCache(path, "date")
        known_days = dates.seen
        for line, row in rows:
            # The common row, checked inline (a batch file has 100,000s of
            # them); anything unusual goes through _visit, which explains it.
            try:
                cell = row[value_col].strip()
                sid = row[id_col].strip()
                day = known_days.get(row[date_col])
                value = float(cell) if cell else None
            except (IndexError, ValueError):
                cell, sid, day, value = "?", "", None, None
            if not cell:
                continue  # not measured at this visit
            if not sid or day is None or value is None or not 0.0 <= value <= top or value == _INF:
                visit = _visit(path, line, row, (id_col, date_col, value_col), value_name, outcome, dates)
                if visit is None:
                    continue
                sid, day, value = visit
            subject = out.get(sid)
            if subject is None:
                subject = out[sid] = SubjectVisits([], [])
            subject.days.append(day)
            subject.values.append(value)
    return out


def _visit(
    path: str | Path, line: int, row: list[str], cols: tuple[int, int, int], value_name: str, outcome: str, dates: _DateCache
) -> tuple[str, int, float] | None:
    """One visit row checked cell by cell: (id, day, value), None if not measured, or a CsvError naming the cell."""
    id_col, date_col, value_col = cols
    cell = _cell(path, line, row, value_col, value_name).strip()
    if not cell:
        return None
    sid = _cell(path, line, row, id_col, "id").strip()
    if not sid:
        raise CsvError(f"{path} line {line}, column 'id': empty subject id")
    day = dates.ordinal(line, _cell(path, line, row, date_col, "date"))
    value = _number(path, line, value_name, cell)
    if value < 0 or (outcome == "edss" and value > 10):
        limit = "from 0 to 10" if outcome == "edss" else "0 or more"
        raise CsvError(f"{path} line {line}, column '{value_name}': {cell!r} is not {limit}")
    return sid, day, value


def read_relapses(path: str | Path) -> dict[str, list[int]]:
    """Relapse onset days (ordinal) per subject id."""
    out: dict[str, list[int]] = {}
    with _open_rows(path) as (header, rows):
        id_col = _column(path, header, "id")
        date_col = _column(path, header, "date")
        dates = _DateCache(path, "date")
        for line, row in rows:
            sid = _cell(path, line, row, id_col, "id").strip()
            day = dates.ordinal(line, _cell(path, line, row, date_col, "date"))
            out.setdefault(sid, []).append(day)
    return out


@contextmanager
def _open_rows(path: str | Path) -> Iterator[tuple[list[str], Iterator[tuple[int, list[str]]]]]:
    """The header and (line number, cells) of every non-blank row."""
    try:
        handle = open(path, newline="", encoding="utf-8-sig")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise CsvError(f"{path}: cannot open ({exc.strerror})") from exc
    with handle:
        reader = csv.reader(handle)
        header = [h.strip() for h in next(reader, [])]
        if not header:
            raise CsvError(f"{path}: empty file, expected a header row")
        yield header, ((reader.line_num, row) for row in reader if row)


def _column(path: str | Path, header: list[str], name: str, also: str | None = None) -> int:
    if name in header:
        return header.index(name)
    wanted = f"'{also}' or '{name}'" if also and also != name else f"'{name}'"
    raise CsvError(f"{path}: missing column {wanted} (header has: {', '.join(header)})")


def _cell(path: str | Path, line: int, row: list[str], col: int, name: str) -> str:
    if col >= len(row):
        raise CsvError(f"{path} line {line}, column '{name}': missing (row has {len(row)} cells)")
    return row[col]


def _number(path: str | Path, line: int, name: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise CsvError(f"{path} line {line}, column '{name}': {text!r} is not a number") from None
    if not math.isfinite(value):
        raise CsvError(f"{path} line {line}, column '{name}': {text!r} is not a finite number")
    return value


class _DateCache:
    """ISO date text -> ordinal day; visits share dates, so parse each once."""

    def __init__(self, path: str | Path, name: str) -> None:
        self.path, self.name = path, name
        self.seen: dict[str, int] = {}

    def ordinal(self, line: int, text: str) -> int:
        day = self.seen.get(text)
        if day is None:
            day = self.seen[text] = self._parse(line, text)
        return day

    def _parse(self, line: int, text: str) -> int:
        stripped = text.strip()
        try:
            if len(stripped) != 10:
                raise ValueError(stripped)
            return dt.date.fromisoformat(stripped).toordinal()
        except ValueError:
            raise CsvError(f"{self.path} line {line}, column '{self.name}': {text!r} is not a date (YYYY-MM-DD)") from None


# ---------------------------------------------------------------------------
# Events


def detect_file_events(visits: dict[str, SubjectVisits], relapses: dict[str, list[int]], rules: Rules) -> Iterator[Event]:
    """Events for every subject in ``visits`` (relapses of others are ignored)."""
    for sid, subject in visits.items():
        try:
            yield from detect_events_days(sid, subject.days, subject.values, relapses.get(sid, ()), rules)
        except VisitError as exc:
            raise CsvError(str(exc)) from None


def run_events_file(
    visits_path: str | Path,
    relapses_path: str | Path | None,
    rules: Rules,
    out_path: str | Path,
) -> EventsSummary:
    """Read visits (and relapses), detect events, write the events CSV."""
    visits = read_visits(visits_path, rules.outcome)
    relapses = read_relapses(relapses_path) if relapses_path else {}
    columns = row_columns(rules.conf_days)
    events = list(detect_file_events(visits, relapses, rules))
    _write_atomic(out_path, columns, (_csv_row(e, rules.conf_days) for e in events))
    return EventsSummary(
        subjects=len(visits),
        visits=sum(len(s.days) for s in visits.values()),
        relapses=sum(len(r) for r in relapses.values()),
        rows=len(events),
        events=sum(1 for e in events if e.nevent),
    )


def _csv_row(event: Event, conf_days: Sequence[int]) -> list[str]:
    # as_row gives its values in row_columns order (the tests read written
    # files back by column). _text inlined: this runs for every cell.
    return ["" if v is None else repr(v) if type(v) is float else str(v) for v in event.as_row(conf_days).values()]


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)  # str, int, bool, date (ISO)


def _write_atomic(path: str | Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent or ".")
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------------------
# EDSS from functional system scores


def read_functional_scores(path: str | Path) -> tuple[list[str], list[tuple[list[str], edss_engine.FunctionalScores]]]:
    """Header and (original cells, scores) per row; every cell is checked."""
    scored: list[tuple[list[str], edss_engine.FunctionalScores]] = []
    with _open_rows(path) as (header, rows):
        cols = {name: _column(path, header, name) for name in edss_engine.FIELDS}
        for line, row in rows:
            values = {name: _grade(path, line, name, _cell(path, line, row, col, name)) for name, col in cols.items()}
            scored.append((row, edss_engine.FunctionalScores(**values)))
    return header, scored


def _grade(path: str | Path, line: int, name: str, text: str) -> int:
    low, high = edss_engine.RANGES[name]
    stripped = text.strip()
    if not (stripped.isascii() and stripped.isdigit()) or not low <= int(stripped) <= high:
        raise CsvError(f"{path} line {line}, column '{name}': {text!r} is not a whole number from {low} to {high}")
    return int(stripped)


def score_edss_file(in_path: str | Path, out_path: str | Path) -> int:
    """Write ``in_path`` back with an ``edss`` column; returns the row count.

    Nothing is written unless every row is valid.
    """
    header, scored = read_functional_scores(in_path)
    if "edss" in header:
        raise CsvError(f"{in_path}: already has an 'edss' column")
    out_rows = [[*row, _text(edss_engine.edss(scores))] for row, scores in scored]
    _write_atomic(out_path, [*header, "edss"], out_rows)
    return len(out_rows)


# ---------------------------------------------------------------------------
# Command line (the same options as the management commands)


EVENTS_FORMATS = """\
CSV files: UTF-8, comma-separated, a header row; extra columns are ignored.

visits (--visits), one row per visit:
  id      subject identifier (any text, not empty)
  date    visit date, YYYY-MM-DD
  edss    EDSS step, 0 to 10 (half steps)          } the column named by
  t25fw   timed 25-foot walk, seconds, 0 or more   } --outcome; a column
  nhpt    nine-hole peg test, seconds, 0 or more   } named "value" is used
          when that column is absent. An empty cell means "not measured at
          this visit": the visit is left out for this outcome.
  example:
    id,date,edss
    P001,2024-01-15,3.0
    P001,2024-04-20,4.0
    P001,2024-07-18,4.0
    P002,2024-02-01,2.0
    P002,2024-08-01,2.0

relapses (--relapses), one row per relapse:
  id      subject identifier, as in the visits
  date    relapse onset, YYYY-MM-DD
  example:
    id,date
    P001,2023-12-01

events (--out), one row per event, or one row with nevent 0 for a subject
without events; dates YYYY-MM-DD, days as whole numbers, empty where
pymsprog has NaN/NaT:
  id, nevent (1, 2, ... per subject; 0: none), event_type (CDW worsening,
  CDI improvement), CDW_type (PIRA, RAW, undefined), date and value (onset),
  bl_date and bl_value (baseline), last_delta_date and last_delta_value,
  total_fu (days, first to last visit), time2event (days, first visit to
  onset), bl2event (days, baseline to onset), conf<D>_date and conf<D>_value
  for each --conf-days D, PIRA_conf<D>_date and PIRA_conf<D>_value,
  sust_days (days the change held), sust_last (True if it held to the last
  visit).
  example (the visits and relapse above, --event multiple --conf-days 84):
    id,nevent,event_type,CDW_type,date,value,bl_date,bl_value,last_delta_date,last_delta_value,total_fu,time2event,bl2event,conf84_date,conf84_value,PIRA_conf84_date,PIRA_conf84_value,sust_days,sust_last
    P001,1,CDW,PIRA,2024-04-20,4.0,2024-01-15,3.0,2024-01-15,3.0,185,96,96,2024-07-18,4.0,2024-07-18,4.0,89,True
    P002,0,,,,,,,,,182,182,,,,,,,

A bad cell stops the run naming the file, line and column; no output file is
left behind. The rules are in docs/outcomes.md.
"""

EDSS_FORMATS = """\
CSV files: UTF-8, comma-separated, a header row.

scores (--in), one row per examination, whole numbers (Neurostatus scores):
  visual 0-6, brainstem 0-5, pyramidal 0-6, cerebellar 0-5, sensory 0-6,
  bowel_bladder 0-6, cerebral 0-5, ambulation 0-16 (the Neurostatus
  ambulation score, from the walking range and aid). Other columns (an id,
  a date) are copied through unchanged.
  example:
    id,visual,brainstem,pyramidal,cerebellar,sensory,bowel_bladder,cerebral,ambulation
    P001,1,1,2,2,1,0,1,0

output (--out): the same rows and columns, plus "edss" (the EDSS step, 0 to
10 in half steps):
    id,visual,brainstem,pyramidal,cerebellar,sensory,bowel_bladder,cerebral,ambulation,edss
    P001,1,1,2,2,1,0,1,0,2.5

A bad cell stops the run naming the file, line and column; no output file is
left behind. How the step is derived is in docs/outcomes.md.
"""


def add_events_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``outcomes_events``; the management command reuses this."""
    parser.add_argument("--visits", required=True, help="visits CSV: id, date, <outcome>")
    parser.add_argument("--relapses", help="relapses CSV: id, date")
    parser.add_argument("--outcome", choices=OUTCOMES, default="edss", help="the visits column to follow (default edss)")
    parser.add_argument("--event", choices=EVENT_MODES, default="firstCDW", help="which events to report (default firstCDW)")
    parser.add_argument("--baseline", choices=BASELINES, default="fixed", help="how the reference visit moves (default fixed)")
    parser.add_argument(
        "--conf-days",
        type=int,
        action="append",
        dest="conf_days",
        help="confirmation period in days; repeat for several (default 84)",
    )
    parser.add_argument("--out", required=True, help="events CSV to write")


def rules_from_options(options: argparse.Namespace | Mapping[str, Any]) -> Rules:
    """Rules from parsed ``outcomes_events`` options (argparse or Django's dict)."""
    opts = vars(options) if isinstance(options, argparse.Namespace) else options
    conf: Iterable[int] = opts.get("conf_days") or [84]
    return Rules(
        outcome=str(opts["outcome"]),
        event=str(opts["event"]),
        baseline=str(opts["baseline"]),
        conf_days=tuple(int(c) for c in conf),
    )


def main(argv: Sequence[str] | None = None) -> int:
    """``events ...`` or ``edss --scores FS.csv --out OUT.csv``; exit status."""
    parser = argparse.ArgumentParser(prog="python -m cellway.outcomes.csvio")
    sub = parser.add_subparsers(dest="command", required=True)
    raw = argparse.RawDescriptionHelpFormatter
    add_events_arguments(sub.add_parser("events", help="confirmed disability events", epilog=EVENTS_FORMATS, formatter_class=raw))
    scores = sub.add_parser("edss", help="EDSS from functional system scores", epilog=EDSS_FORMATS, formatter_class=raw)
    scores.add_argument("--scores", required=True)
    scores.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    try:
        if args.command == "events":
            s = run_events_file(args.visits, args.relapses, rules_from_options(args), args.out)
            print(f"{s.subjects} subjects, {s.visits} visits, {s.relapses} relapses: {s.events} events")
        else:
            print(f"{score_edss_file(args.scores, args.out)} rows scored")
    except ValueError as exc:  # CsvError, RulesError
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

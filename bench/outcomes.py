"""Benchmark: confirmed-change events for a 10,000-patient cohort, ours vs pymsprog.

Run alone from the repository root::

    .venv/bin/python bench/outcomes.py [--patients 10000] [--seed 2026]

It writes a synthetic cohort (~130,000 visits, with relapses) as visits and
relapses CSVs in a temporary folder, then times, in the same run:

(a) our whole batch path, as an operator runs it: a new process reading the
    CSVs, detecting events and writing the events CSV. That is
    ``manage.py outcomes_events`` when the command exists, otherwise the same
    path through ``cellway.outcomes.csvio`` (what the command wraps);
(b) pymsprog 1.0.7 reading the same CSVs with pandas and running ``MSprog``.

and checks that every event row agrees field by field. Settings: EDSS,
``multiple`` events, roving baseline, 84-day confirmation (the mode that finds
the most events). The last lines printed are::

    BENCH outcomes_events_s <seconds> s
    BENCH pymsprog_s <seconds> s
    BENCH outcomes_speedup_vs_pymsprog <ratio> x
    BENCH outcomes_events_agree <true|false> bool
"""

from __future__ import annotations

import argparse
import csv
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cellway.outcomes.confirmed_change import row_columns  # noqa: E402
from cellway.outcomes.tests import cohort as C  # noqa: E402

OUTCOME, EVENT, BASELINE, CONF_DAYS = "edss", "multiple", "roving", (84,)


def write_cohort(folder: Path, patients: int, seed: int) -> tuple[Path, Path, int, int]:
    cohort = C.generate_cohort(patients, seed)
    visits, relapses = folder / "visits.csv", folder / "relapses.csv"
    n_visits = n_relapses = 0
    with visits.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "date", *C.OUTCOME_COLUMNS])
        for p in cohort:
            for v in p.visits:
                writer.writerow([p.id, v.date.isoformat(), repr(v.edss), repr(v.t25fw), repr(v.nhpt)])
                n_visits += 1
    with relapses.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "date"])
        for p in cohort:
            for d in p.relapses:
                writer.writerow([p.id, d.isoformat()])
                n_relapses += 1
    return visits, relapses, n_visits, n_relapses


def events_command(visits: Path, relapses: Path, out: Path) -> list[str]:
    """The outcomes_events command line, or its csvio equivalent."""
    options = ["--visits", str(visits), "--relapses", str(relapses), "--outcome", OUTCOME, "--event", EVENT]
    options += ["--baseline", BASELINE, "--out", str(out)]
    for days in CONF_DAYS:
        options += ["--conf-days", str(days)]
    has_command = any(ROOT.glob("cellway/*/management/commands/outcomes_events.py"))
    if (ROOT / "manage.py").exists() and has_command:
        return [sys.executable, "manage.py", "outcomes_events", *options]
    code = "import sys; from cellway.outcomes.csvio import main; sys.exit(main(sys.argv[1:]))"
    return [sys.executable, "-c", code, "events", *options]


def run_ours(command: list[str]) -> float:
    # The command runs as on a clinic's machine: production settings, which need
    # a secret key; a throwaway one is enough for a batch command that serves nothing.
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    env.setdefault("CELLWAY_VAR_DIR", str(Path(tempfile.gettempdir()) / "cellway-bench-outcomes"))
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"events command failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    print(f"ours: {' '.join(command[:3])} ... -> {done.stdout.strip()}")
    return elapsed


def run_reference(visits: Path, relapses: Path) -> tuple[float, object]:
    import pandas as pd

    start = time.perf_counter()
    visit_frame = pd.read_csv(visits, parse_dates=["date"])
    relapse_frame = pd.read_csv(relapses, parse_dates=["date"])
    results = C.run_pymsprog(visit_frame, relapse_frame, **C.pymsprog_kwargs(OUTCOME, EVENT, BASELINE, CONF_DAYS))
    return time.perf_counter() - start, results


def agree(out: Path, reference: object) -> bool:
    columns = row_columns(CONF_DAYS)
    with out.open(newline="") as handle:
        ours = C.normalise_ours(list(csv.DictReader(handle)), columns)
    diffs = C.differences(ours, C.normalise_reference(reference, columns))  # type: ignore[arg-type]
    for line in diffs[:10]:
        print(f"difference: {line}")
    return not diffs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cellway-bench-") as tmp:
        folder = Path(tmp)
        visits, relapses, n_visits, n_relapses = write_cohort(folder, args.patients, args.seed)
        print(f"cohort: {args.patients} patients, {n_visits} visits, {n_relapses} relapses")
        out = folder / "events.csv"
        ours_s = run_ours(events_command(visits, relapses, out))
        reference_s, reference = run_reference(visits, relapses)
        same = agree(out, reference)
    print(f"BENCH outcomes_events_s {ours_s:.3f} s")
    print(f"BENCH pymsprog_s {reference_s:.3f} s")
    print(f"BENCH outcomes_speedup_vs_pymsprog {reference_s / ours_s:.1f} x")
    print(f"BENCH outcomes_events_agree {'true' if same else 'false'} bool")


if __name__ == "__main__":
    main()

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

and checks that every event row agrees field by field, leaving out the
subjects where Cellway knowingly differs from pymsprog (``cohort.KNOWN_DIFFERENCES``:
exact thresholds, relapses before follow-up; the count is printed). Settings: EDSS,
``multiple`` events, roving baseline, 84-day confirmation (the mode that finds
the most events; issue 7's "--event multiple --baseline roving cohort of
10,000"); ``--event`` and ``--baseline`` run another mode.

Our command is timed as a clinic's machine runs it: from compiled bytecode
(Python writes ``__pycache__`` on first use; one untimed run fills a private
``PYTHONPYCACHEPREFIX``, so a ``PYTHONDONTWRITEBYTECODE`` environment or a
read-only checkout does not turn every run into a compile). The same command
without any bytecode is timed too, for comparison. The last lines printed are::

    BENCH outcomes_events_s <seconds> s
    BENCH outcomes_events_no_bytecode_s <seconds> s
    BENCH pymsprog_s <seconds> s
    BENCH outcomes_speedup_vs_pymsprog <ratio> x
    BENCH outcomes_speedup_vs_pymsprog_cpu <ratio> x
    BENCH outcomes_events_agree <true|false> bool
    BENCH outcomes_events_set_apart <subjects> subjects

(the ``_cpu`` ratio compares CPU seconds, which move less than wall time
when other work shares the machine).
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cellway.outcomes.confirmed_change import Rules, row_columns  # noqa: E402
from cellway.outcomes.tests import cohort as C  # noqa: E402

OUTCOME, CONF_DAYS = "edss", (84,)


def write_cohort(folder: Path, cohort: list[C.Patient]) -> tuple[Path, Path, int, int]:
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


def events_command(visits: Path, relapses: Path, out: Path, event: str, baseline: str) -> list[str]:
    """The outcomes_events command line, or its csvio equivalent."""
    options = ["--visits", str(visits), "--relapses", str(relapses), "--outcome", OUTCOME, "--event", event]
    options += ["--baseline", baseline, "--out", str(out)]
    for days in CONF_DAYS:
        options += ["--conf-days", str(days)]
    has_command = any(ROOT.glob("cellway/*/management/commands/outcomes_events.py"))
    if (ROOT / "manage.py").exists() and has_command:
        return [sys.executable, "manage.py", "outcomes_events", *options]
    code = "import sys; from cellway.outcomes.csvio import main; sys.exit(main(sys.argv[1:]))"
    return [sys.executable, "-c", code, "events", *options]


def run_ours(command: list[str], pycache: str, *, bytecode: bool = True) -> tuple[float, float]:
    """Wall and CPU seconds of one run of our command."""
    # The command runs as on a clinic's machine: production settings, no secret
    # key (a batch command signs nothing), bytecode cached in ``pycache``.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX"))}
    env.update(PYTHONPATH=str(ROOT), PYTHONPYCACHEPREFIX=pycache)
    env.setdefault("CELLWAY_VAR_DIR", str(Path(tempfile.gettempdir()) / "cellway-bench-outcomes"))
    if not bytecode:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"events command failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    note = "" if bytecode else ", no bytecode"
    print(f"ours: {' '.join(command[:3])} ... -> {done.stdout.strip()} ({elapsed:.3f} s, CPU {cpu:.3f} s{note})")
    return elapsed, cpu


def run_reference(visits: Path, relapses: Path, event: str, baseline: str) -> tuple[float, float, object]:
    """Wall and CPU seconds of pymsprog reading the CSVs and finding the events, and its result."""
    import pandas as pd

    start, cpu_start = time.perf_counter(), time.process_time()
    visit_frame = pd.read_csv(visits, parse_dates=["date"])
    relapse_frame = pd.read_csv(relapses, parse_dates=["date"])
    results = C.run_pymsprog(visit_frame, relapse_frame, **C.pymsprog_kwargs(OUTCOME, event, baseline, CONF_DAYS))
    return time.perf_counter() - start, time.process_time() - cpu_start, results


def agree(out: Path, reference: object, apart: set[str]) -> bool:
    """Our events CSV and pymsprog's table agree, but for the subjects set ``apart``."""
    columns = row_columns(CONF_DAYS)
    with out.open(newline="") as handle:
        ours = [r for r in C.normalise_ours(list(csv.DictReader(handle)), columns) if r["id"] not in apart]
    theirs = [r for r in C.normalise_reference(reference, columns) if r["id"] not in apart]  # type: ignore[arg-type]
    diffs = C.differences(ours, theirs)
    for line in diffs[:10]:
        print(f"difference: {line}")
    return not diffs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--event", default="multiple", help="event mode (default multiple)")
    parser.add_argument("--baseline", default="roving", help="baseline (default roving)")
    parser.add_argument("--runs", type=int, default=3, help="runs of our command; the median is reported")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cellway-bench-") as tmp:
        folder = Path(tmp)
        cohort = C.generate_cohort(args.patients, args.seed)
        visits, relapses, n_visits, n_relapses = write_cohort(folder, cohort)
        rules = Rules(outcome=OUTCOME, event=args.event, baseline=args.baseline, conf_days=CONF_DAYS)
        apart = {s.id for s in C.subjects(cohort, OUTCOME) if C.known_differences(s, rules)}
        print(f"cohort: {args.patients} patients, {n_visits} visits, {n_relapses} relapses")
        print(f"settings: --outcome {OUTCOME} --event {args.event} --baseline {args.baseline} --conf-days {CONF_DAYS[0]}")
        out = folder / "events.csv"
        command = events_command(visits, relapses, out, args.event, args.baseline)
        warm, cold = folder / "pycache", folder / "no-pycache"
        run_ours(command, str(warm))  # compiles once, untimed
        runs = [run_ours(command, str(warm)) for _ in range(args.runs)]
        ours_s, ours_cpu = statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs)
        cold_s, _ = run_ours(command, str(cold), bytecode=False)
        reference_s, reference_cpu, reference = run_reference(visits, relapses, args.event, args.baseline)
        print(f"pymsprog: {reference_s:.3f} s, CPU {reference_cpu:.3f} s")
        same = agree(out, reference, apart)
        print(f"set apart (Cellway knowingly differs from pymsprog): {len(apart)} of {args.patients} subjects")
    print(f"BENCH outcomes_events_s {ours_s:.3f} s")
    print(f"BENCH outcomes_events_no_bytecode_s {cold_s:.3f} s")
    print(f"BENCH pymsprog_s {reference_s:.3f} s")
    print(f"BENCH outcomes_speedup_vs_pymsprog {reference_s / ours_s:.1f} x")
    # The same ratio in CPU time: steadier when other work shares the machine.
    print(f"BENCH outcomes_speedup_vs_pymsprog_cpu {reference_cpu / ours_cpu:.1f} x")
    print(f"BENCH outcomes_events_agree {'true' if same else 'false'} bool")
    print(f"BENCH outcomes_events_set_apart {len(apart)} subjects")


if __name__ == "__main__":
    main()

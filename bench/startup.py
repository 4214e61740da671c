"""Benchmark: how long `manage.py` takes to start, against a bare Python in the same run.

Run alone from the repository root::

    .venv/bin/python bench/startup.py [--runs 7]

Every batch command, task worker and test run pays the start-up, so it is
measured as an operator meets it: a new process, production settings (DEBUG
off, a throwaway secret key), the median of ``--runs`` runs of each of

* ``python -c pass`` (the interpreter alone: the machine's baseline);
* ``django.setup()`` with Cellway's settings (every app and model loaded);
* ``manage.py check`` (the above, plus every URL and view module and the
  system checks; what the issue measures).

Compiled bytecode decides most of it. Python writes ``__pycache__`` on first
import, so an installed clinic runs from bytecode; but some machines (this
project's sandbox among them) set ``PYTHONDONTWRITEBYTECODE=1``, and uv
installs packages without compiling them unless asked. The figures are
therefore taken with bytecode, written once into a private
``PYTHONPYCACHEPREFIX`` before timing (the venv is not touched), and
``manage.py check`` is also timed with no bytecode at all, for comparison.
The last lines printed are::

    BENCH python_bare_s <seconds> s
    BENCH django_setup_s <seconds> s
    BENCH manage_check_s <seconds> s
    BENCH manage_check_no_bytecode_s <seconds> s
    BENCH manage_check_cpu_s <seconds> s

(wall-clock medians; the last is the CPU time of ``manage.py check``, which
moves less than wall time when other work shares the machine).
"""

from __future__ import annotations

import argparse
import os
import resource
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SETUP = "import django; django.setup()"


def environment(pycache: str, *, bytecode: bool = True) -> dict[str, str]:
    """Production settings; bytecode cached in ``pycache`` (or, without bytecode, nothing cached or written)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX"))}
    env.update(
        DJANGO_SETTINGS_MODULE="cellway.settings",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        CELLWAY_VAR_DIR=str(Path(tempfile.gettempdir()) / "cellway-bench-startup"),
        PYTHONPATH=str(ROOT),
    )
    env["PYTHONPYCACHEPREFIX"] = pycache
    if not bytecode:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def median_of(runs: int, command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Median wall and median CPU seconds over ``runs`` runs."""
    samples = [timed(command, env) for _ in range(runs)]
    return statistics.median(w for w, _ in samples), statistics.median(c for _, c in samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs of each command; the median is reported")
    args = parser.parse_args()
    python = sys.executable
    commands = {
        "python_bare_s": [python, "-c", "pass"],
        "django_setup_s": [python, "-c", SETUP],
        "manage_check_s": [python, "manage.py", "check"],
    }
    with tempfile.TemporaryDirectory(prefix="cellway-pycache-") as pycache:
        warm = environment(pycache)
        for command in commands.values():
            timed(command, warm)  # writes the bytecode once, untimed
        results = {name: median_of(args.runs, command, warm) for name, command in commands.items()}
    with tempfile.TemporaryDirectory(prefix="cellway-no-pycache-") as empty:
        cold = environment(empty, bytecode=False)
        results["manage_check_no_bytecode_s"] = median_of(max(3, args.runs // 2), commands["manage_check_s"], cold)
    for name, (wall, cpu) in results.items():
        print(f"{name:<28} wall {wall:.3f} s, CPU {cpu:.3f} s")
    # Wall time is what an operator waits; CPU time is steadier when other work shares the machine.
    for name, (wall, _) in results.items():
        print(f"BENCH {name} {wall:.3f} s")
    print(f"BENCH manage_check_cpu_s {results['manage_check_s'][1]:.3f} s")


if __name__ == "__main__":
    main()

"""Without DJANGO_SECRET_KEY, batch commands run and serving is refused, with the reason.

Each case runs in a fresh process with a clean environment, as on a fresh
clone: no DJANGO_* variable, production settings.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REFUSAL = "DJANGO_SECRET_KEY is not set"


def _run(args: list[str], tmp_path: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), "CELLWAY_VAR_DIR": str(tmp_path / "var"), **extra}
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_edss_score_runs_without_a_secret_key(tmp_path: Path) -> None:
    scores = tmp_path / "fs.csv"
    scores.write_text("visual,brainstem,pyramidal,cerebellar,sensory,bowel_bladder,cerebral,ambulation\n1,1,2,2,1,0,1,0\n")
    done = _run(["manage.py", "edss_score", "--in", str(scores), "--out", str(tmp_path / "out.csv")], tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out.csv").read_text().splitlines()[1].endswith(",2.5")


def test_outcomes_events_runs_without_a_secret_key(tmp_path: Path) -> None:
    visits = tmp_path / "visits.csv"
    visits.write_text("id,date,edss\np1,2024-01-01,2.0\np1,2024-06-01,3.0\np1,2024-12-01,3.0\n")
    done = _run(["manage.py", "outcomes_events", "--visits", str(visits), "--out", str(tmp_path / "events.csv")], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "1 subjects, 3 visits" in done.stdout
    assert (tmp_path / "events.csv").exists()


def test_the_wsgi_entry_refuses_to_serve_without_a_secret_key(tmp_path: Path) -> None:
    done = _run(["-c", "import cellway.wsgi"], tmp_path)
    assert done.returncode != 0
    assert REFUSAL in done.stderr


def test_the_wsgi_entry_starts_with_a_secret_key(tmp_path: Path) -> None:
    done = _run(["-W", "ignore", "-c", "import cellway.wsgi"], tmp_path, DJANGO_SECRET_KEY="a-long-random-value-" * 3)
    assert done.returncode == 0, done.stderr


def test_check_deploy_refuses_without_a_secret_key(tmp_path: Path) -> None:
    done = _run(["manage.py", "check", "--deploy"], tmp_path)
    assert done.returncode != 0
    assert f"(cellway.E001) {REFUSAL}" in done.stderr


def test_a_developer_machine_needs_no_key(tmp_path: Path) -> None:
    done = _run(["-c", "import cellway.wsgi"], tmp_path, DJANGO_DEBUG="true")
    assert done.returncode == 0, done.stderr

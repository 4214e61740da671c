"""outcomes_events and edss_score: thin over csvio, clear errors, no file left behind."""

from __future__ import annotations

import csv

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

VISITS = """id,date,value
a,2024-01-01,2.0
a,2024-04-01,3.5
a,2024-07-01,3.5
a,2024-10-01,3.5
b,2024-01-01,4.0
b,2024-06-01,4.0
"""


def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_outcomes_events_writes_one_row_per_event_and_a_zero_row(tmp_path):
    (tmp_path / "v.csv").write_text(VISITS)
    (tmp_path / "r.csv").write_text("id,date\nb,2024-03-01\n")
    out = tmp_path / "e.csv"
    call_command(
        "outcomes_events",
        "--visits", str(tmp_path / "v.csv"), "--relapses", str(tmp_path / "r.csv"),
        "--outcome", "edss", "--event", "multiple", "--baseline", "roving",
        "--conf-days", "84", "--conf-days", "168", "--out", str(out),
    )  # fmt: skip
    table = rows(out)
    assert {"id", "nevent", "event_type", "CDW_type", "date", "value", "bl_date", "bl_value", "conf84_date", "time2event"} <= set(table[0])
    a = [r for r in table if r["id"] == "a"]
    assert a[0]["event_type"] == "CDW" and a[0]["date"] == "2024-04-01" and a[0]["CDW_type"] == "PIRA"
    b = [r for r in table if r["id"] == "b"]
    assert len(b) == 1 and b[0]["nevent"] == "0"


def test_outcomes_events_bad_input_is_a_command_error_and_leaves_no_file(tmp_path):
    (tmp_path / "v.csv").write_text("id,date,value\na,2024-13-01,2.0\n")
    out = tmp_path / "e.csv"
    with pytest.raises(CommandError, match="line 2"):
        call_command("outcomes_events", "--visits", str(tmp_path / "v.csv"), "--out", str(out))
    assert list(tmp_path.iterdir()) == [tmp_path / "v.csv"]
    with pytest.raises(CommandError, match="No such file"):
        call_command("outcomes_events", "--visits", str(tmp_path / "missing.csv"), "--out", str(out))


def test_outcomes_events_rejects_unknown_options(tmp_path):
    with pytest.raises(CommandError):
        call_command("outcomes_events", "--visits", "v.csv", "--event", "everything", "--out", str(tmp_path / "e.csv"))


FS = "visual,brainstem,pyramidal,cerebellar,sensory,bowel_bladder,cerebral,ambulation\n"


def test_edss_score_adds_an_edss_column(tmp_path):
    (tmp_path / "fs.csv").write_text(FS + "0,0,0,0,0,0,1,0\n1,1,2,2,2,1,0,0\n0,0,1,0,0,0,0,4\n")
    call_command("edss_score", "--in", str(tmp_path / "fs.csv"), "--out", str(tmp_path / "out.csv"))
    assert [r["edss"] for r in rows(tmp_path / "out.csv")] == ["0.0", "3.0", "5.5"]
    assert rows(tmp_path / "out.csv")[1]["pyramidal"] == "2"


@pytest.mark.parametrize(("cell", "column"), [("7", "pyramidal"), ("2.5", "pyramidal"), ("x", "pyramidal"), ("-1", "pyramidal")])
def test_edss_score_names_the_bad_row_and_column_and_writes_nothing(tmp_path, cell, column):
    (tmp_path / "fs.csv").write_text(FS + "0,0,0,0,0,0,0,0\n" + f"0,0,{cell},0,0,0,0,0\n")
    with pytest.raises(CommandError, match=f"line 3, column '{column}'"):
        call_command("edss_score", "--in", str(tmp_path / "fs.csv"), "--out", str(tmp_path / "out.csv"))
    assert list(tmp_path.iterdir()) == [tmp_path / "fs.csv"]


def test_edss_score_exits_non_zero_from_the_command_line(tmp_path):
    import os
    import subprocess
    import sys

    (tmp_path / "fs.csv").write_text(FS + "0,0,0,0,0,0,0,17\n")
    done = subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", "edss_score", "--in", str(tmp_path / "fs.csv"), "--out", str(tmp_path / "out.csv")],
        capture_output=True,
        text=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "cellway.settings_test"},
    )
    assert done.returncode != 0
    assert "column 'ambulation'" in done.stderr
    assert not (tmp_path / "out.csv").exists()


def _help(command: str) -> str:
    from django.core.management import load_command_class

    return load_command_class("cellway.outcomes", command).create_parser("manage.py", command).format_help()


def _examples(text: str) -> list[list[str]]:
    """The example CSV blocks of a help text: runs of lines indented by four that read as CSV."""
    blocks: list[list[str]] = []
    current: list[str] | None = None
    for line in text.splitlines():
        if line.startswith("    ") and "," in line and " " not in line.strip():
            if current is None:
                current = []
                blocks.append(current)
            current.append(line.strip())
        else:
            current = None
    return blocks


def test_outcomes_events_help_names_every_column_and_unit():
    from cellway.outcomes.confirmed_change import row_columns

    text = _help("outcomes_events")
    for name in ("id", "date", "edss", "t25fw", "nhpt", "seconds", "YYYY-MM-DD", "relapses", "empty cell"):
        assert name in text
    assert ",".join(row_columns((84,))) in text  # the events header, in full


def test_edss_score_help_names_every_column_and_range():
    from cellway.outcomes.edss import RANGES

    text = _help("edss_score")
    for name, (low, high) in RANGES.items():
        assert f"{name} {low}-{high}" in text
    assert "edss" in text


def test_the_examples_in_outcomes_events_help_are_what_the_command_writes(tmp_path):
    visits, relapses, events = _examples(_help("outcomes_events"))
    (tmp_path / "v.csv").write_text("\n".join(visits) + "\n")
    (tmp_path / "r.csv").write_text("\n".join(relapses) + "\n")
    out = tmp_path / "e.csv"
    call_command("outcomes_events", visits=str(tmp_path / "v.csv"), relapses=str(tmp_path / "r.csv"), event="multiple", out=str(out))
    assert out.read_text().splitlines() == events


def test_the_examples_in_edss_score_help_are_what_the_command_writes(tmp_path):
    scores, scored = _examples(_help("edss_score"))
    (tmp_path / "fs.csv").write_text("\n".join(scores) + "\n")
    call_command("edss_score", in_path=str(tmp_path / "fs.csv"), out=str(tmp_path / "out.csv"))
    assert (tmp_path / "out.csv").read_text().splitlines() == scored


def test_docs_carry_the_same_formats_as_the_help():
    from pathlib import Path

    from cellway.outcomes.csvio import EDSS_FORMATS, EVENTS_FORMATS

    docs = (Path(__file__).resolve().parents[3] / "docs" / "outcomes.md").read_text()
    assert EVENTS_FORMATS.rstrip() in docs
    assert EDSS_FORMATS.rstrip() in docs

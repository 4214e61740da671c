"""Signals go only from the spine outwards: a domain never moves a case from a receiver."""

from __future__ import annotations

from pathlib import Path

import cellway

ROOT = Path(cellway.__file__).parent


def test_only_the_spine_declares_signals():
    declaring = sorted(
        str(path.relative_to(ROOT))
        for path in ROOT.rglob("*.py")
        if "tests" not in path.parts and "Signal()" in path.read_text(encoding="utf-8")
    )
    assert declaring == ["cases/signals.py"]


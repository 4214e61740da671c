from __future__ import annotations

from pathlib import Path

import pytest
from pydicom.data import get_testdata_file

from cellway.records.intake.synthetic import write_study


@pytest.fixture
def mr_study(tmp_path: Path) -> list[Path]:
    """A generated 20-slice, 3-series MR study on disk."""
    return write_study(tmp_path / "study", 20, series=3, rows=64, cols=64)


@pytest.fixture
def dicomdir_tests() -> Path:
    """pydicom's bundled CD-style tree (DICOMDIR plus three patients)."""
    return Path(get_testdata_file("DICOMDIR")).parent

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from cellway.records.intake.hashing import sha256_file, sha256_stream


class CountingReader(io.BytesIO):
    """Remembers the largest single read, to show the file is never read whole."""

    largest = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.largest = max(self.largest, len(data))
        return data


def test_it_hashes_in_chunks_without_reading_the_whole_file() -> None:
    payload = bytes(range(256)) * 20_000  # ~5 MiB
    reader = CountingReader(payload)
    digest = sha256_stream(reader, chunk_bytes=64 * 1024)
    assert digest.sha256 == hashlib.sha256(payload).hexdigest()
    assert digest.size == len(payload)
    assert reader.largest == 64 * 1024


def test_it_hashes_an_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty"
    path.write_bytes(b"")
    assert sha256_file(path).sha256 == hashlib.sha256(b"").hexdigest()
    assert sha256_file(path).size == 0

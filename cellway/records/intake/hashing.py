"""Streaming SHA-256 of an upload.

Rule: the file is read in ``CHUNK_BYTES`` pieces, never whole, so a 4 GiB
imaging archive costs one chunk of memory.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

CHUNK_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Digest:
    """SHA-256 (lower-case hex) and size in bytes of what was read."""

    sha256: str
    size: int


def sha256_stream(stream: BinaryIO, *, chunk_bytes: int = CHUNK_BYTES) -> Digest:
    """Hash ``stream`` from its current position to its end."""
    digest = hashlib.sha256()
    size = 0
    while chunk := stream.read(chunk_bytes):
        digest.update(chunk)
        size += len(chunk)
    return Digest(sha256=digest.hexdigest(), size=size)


def sha256_file(path: str | Path, *, chunk_bytes: int = CHUNK_BYTES) -> Digest:
    """Hash the file at ``path``."""
    with open(path, "rb") as fh:
        return sha256_stream(fh, chunk_bytes=chunk_bytes)

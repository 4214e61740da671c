"""Content-addressed storage of record bytes, on whatever STORAGES["default"] is.

A blob is stored under ``blobs/<2 hex>/<sha256>``, so the same content sent
twice (or the same DICOM slice in two archives) is stored once. Files are
written from a path on local disk: on the local folder the move is a rename,
on S3 django-storages streams it in parts; neither holds the file in memory.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.core.files import File
from django.core.files.storage import default_storage

from cellway.records.models import Blob


def blob_name(sha256: str) -> str:
    return f"blobs/{sha256[:2]}/{sha256}"


class _LocalFile(File):  # type: ignore[type-arg]
    """A file on local disk that FileSystemStorage may move into place instead of copying."""

    def __init__(self, path: Path) -> None:
        super().__init__(open(path, "rb"), name=path.name)  # noqa: SIM115 - closed by store_bytes
        self._path = path

    def temporary_file_path(self) -> str:
        return str(self._path)


def store_bytes(path: Path, *, sha256: str, size: int) -> str | None:
    """Put the file at ``path`` into storage under its blob name unless those bytes are already there.

    Returns the storage name written if this call wrote it (the caller deletes
    it again if its database row does not commit), or None if the bytes were
    already stored. ``path`` may be moved away (local storage) or left behind.
    """
    name = blob_name(sha256)
    if Blob.objects.filter(sha256=sha256).exists():
        return None
    if default_storage.exists(name):
        if default_storage.size(name) == size:
            return None  # left by a run that stopped before its row was written; same bytes
        default_storage.delete(name)
    content = _LocalFile(path)
    try:
        return default_storage.save(name, content)
    finally:
        content.close()


def forget_unreferenced(names: list[str]) -> None:
    """Delete stored names that no blob row points to (a write that did not commit)."""
    referenced = set(Blob.objects.filter(file__in=names).values_list("file", flat=True))
    for name in names:
        if name not in referenced:
            default_storage.delete(name)


@contextmanager
def local_path(name: str | None, *, suffix: str = "") -> Iterator[Path]:
    """A path on local disk holding the stored file ``name``: the file itself, or a temporary copy (S3)."""
    if not name:
        raise ValueError("This record has no stored file.")
    try:
        direct = Path(default_storage.path(name))
    except NotImplementedError:
        direct = None
    if direct is not None:
        yield direct
        return
    fd, tmp = tempfile.mkstemp(suffix=suffix)
    try:
        with os.fdopen(fd, "wb") as out, default_storage.open(name, "rb") as src:
            shutil.copyfileobj(src, out, 1024 * 1024)
        yield Path(tmp)
    finally:
        os.unlink(tmp)

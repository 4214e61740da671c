"""Benchmark: a 1 GiB upload through the real upload path, and DICOM ingest of a 500-file study.

Run alone from the repository root::

    .venv/bin/python bench/upload.py [--size-mib 1024] [--dicom-files 500] [--keep-dir]

It (1) makes a scratch folder (database, media, uploads, the test file) on the
same disk as the repository, migrates a fresh SQLite database and opens a case
through the real services, (2) serves the app with gunicorn (one sync worker,
production settings, DEBUG off) on a free loopback port, (3) writes a file of
``--size-mib`` MiB (a PNG signature, then random bytes) and times a plain
``cp`` of it on the same disk, (4) uploads it as the browser does: POST start,
PUT 8 MiB chunks at their offsets, POST complete (which hashes the file, checks
its type and moves it into storage), streaming from disk over loopback with
http.client, (5) reads the worker's peak RSS (VmHWM) before and after, and
(6) generates a ``--dicom-files`` MR study, zips it, receives it through the
services and times the ingest task (headers, blobs, studies/series/slices,
previews) in this process. The server is stopped at the end, whatever happens.
The last lines printed are::

    BENCH upload_peak_rss_growth_mib <n> MiB
    BENCH upload_throughput_vs_cp <ratio> x
    BENCH upload_throughput_mib_s <v> MiB/s
    BENCH cp_throughput_mib_s <v> MiB/s
    BENCH dicom_ingest_files_per_s <v> files/s

Aim: at most 64 MiB RSS growth and at least 0.5x the copy's throughput.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MiB = 1024 * 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def environment(scratch: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "cellway.settings",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DJANGO_SECURE_COOKIES": "false",
            "CELLWAY_VAR_DIR": str(scratch / "var"),
            "DATABASE_URL": f"sqlite:///{scratch / 'var' / 'bench.sqlite3'}",
            "CELLWAY_TASKS_BACKEND": "db",
            "CELLWAY_LOG_LEVEL": "WARNING",
        }
    )
    env.pop("CLAMD_SOCKET", None)
    env.pop("CLAMD_HOST", None)
    return env


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def open_case() -> tuple[object, object, str]:
    """A case in 'collecting records', its imaging item, and a session cookie for customer care."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from cellway.demo.journey import new_case
    from cellway.demo.staff import ensure_staff

    staff = ensure_staff()
    case = new_case(staff, name="Bench Patient", email="bench@example.com")
    item = case.record_items.get(kind="imaging")
    user = staff["carla"]
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return case, item, session.session_key or ""


def worker_pid(master: int) -> int:
    for _ in range(100):
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.1)
    raise RuntimeError("gunicorn started no worker")


def rss_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} for {pid}")


class Client:
    def __init__(self, port: int, session_key: str) -> None:
        self.port = port
        self.csrf = secrets.token_hex(16)  # a 32-character secret: cookie and header agree
        self.cookie = f"sessionid={session_key}; csrftoken={self.csrf}"

    def call(self, method: str, path: str, body: object = None, headers: dict[str, str] | None = None, length: int = 0) -> tuple[int, dict]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
        all_headers = {"Cookie": self.cookie, "X-CSRFToken": self.csrf, "Host": "127.0.0.1", **(headers or {})}
        if length:
            all_headers["Content-Length"] = str(length)
        conn.request(method, path, body=body, headers=all_headers)
        response = conn.getresponse()
        data = response.read()
        conn.close()
        try:
            return response.status, json.loads(data or b"{}")
        except json.JSONDecodeError:
            return response.status, {"error": data[:300].decode("utf-8", "replace")}


class Window:
    """Reads ``length`` bytes of an open file from ``offset`` in 1 MiB pieces, for http.client to stream."""

    def __init__(self, fh, offset: int, length: int) -> None:  # type: ignore[no-untyped-def]
        self.fh, self.left = fh, length
        fh.seek(offset)

    def read(self, n: int = -1) -> bytes:
        n = self.left if n < 0 else min(n, self.left)
        piece = self.fh.read(min(n, MiB))
        self.left -= len(piece)
        return piece


def upload(client: Client, case_uuid: str, item_pk: int, path: Path) -> None:
    size = path.stat().st_size
    form = urllib.parse.urlencode({"name": path.name, "size": size, "key": f"bench:{size}"})
    status, s = client.call(
        "POST", f"/cases/{case_uuid}/records/{item_pk}/uploads/", form, {"Content-Type": "application/x-www-form-urlencoded"}
    )
    if status != 201:
        raise RuntimeError(f"start: {status} {s}")
    with open(path, "rb") as fh:
        offset = s["offset"]
        while offset < size:
            length = min(s["chunk_size"], size - offset)
            status, r = client.call(
                "PUT",
                s["chunk_url"].replace("{offset}", str(offset)),
                Window(fh, offset, length),
                {"Content-Type": "application/octet-stream"},
                length=length,
            )
            if status != 200:
                raise RuntimeError(f"chunk at {offset}: {status} {r}")
            offset = r["offset"]
    status, r = client.call("POST", s["complete_url"])
    if status != 200:
        raise RuntimeError(f"complete: {status} {r}")


def write_test_file(path: Path, size_mib: int) -> None:
    with open(path, "wb") as out:
        out.write(b"\x89PNG\r\n\x1a\n")
        for _ in range(size_mib):
            out.write(os.urandom(MiB))
        os.fsync(out.fileno())


def time_cp(src: Path, scratch: Path) -> float:
    dst = scratch / "copy.bin"
    start = time.perf_counter()
    subprocess.run(["cp", "--reflink=never", str(src), str(dst)], check=True)
    elapsed = time.perf_counter() - start
    dst.unlink()
    return elapsed


def dicom_ingest(scratch: Path, item: object, n_files: int) -> float:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from cellway.accounts.models import User
    from cellway.records import ingest, services
    from cellway.records.intake.synthetic import write_study

    paths = write_study(scratch / "study", n_files, series=5)
    archive = scratch / "study.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in paths:
            zf.write(p, f"DICOM/{p.name}")
    carla = User.objects.get(username="carla")
    record = services.attach_file(item=item, upload=SimpleUploadedFile("study.zip", archive.read_bytes()), by=carla)
    start = time.perf_counter()
    status = ingest.process(record.pk)
    elapsed = time.perf_counter() - start
    record.ingest.refresh_from_db()
    if status != "done" or record.ingest.summary.get("images") != n_files:
        raise RuntimeError(f"ingest ended {status}: {record.ingest.message}")
    print(f"ingest: {record.ingest.message} in {elapsed:.1f} s")
    return n_files / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--dicom-files", type=int, default=500)
    parser.add_argument("--keep-dir", action="store_true")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="bench-upload-", dir=ROOT / "var" if (ROOT / "var").is_dir() else None))
    env = environment(scratch)
    setup_django(env)
    case, item, session_key = open_case()
    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "cellway.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1", "--timeout", "300"],
        cwd=ROOT,
        env=env,
    )
    try:
        client = Client(port, session_key)
        for _ in range(100):
            try:
                if client.call("GET", "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        worker = worker_pid(server.pid)
        # Warm up: one small upload through every endpoint, so imports and caches are in.
        warm = scratch / "warm.png"
        write_test_file(warm, 9)
        upload(client, str(case.uuid), item.pk, warm)  # type: ignore[attr-defined]
        before = rss_kib(worker, "VmRSS")

        big = scratch / "big.png"
        write_test_file(big, args.size_mib)
        cp_s = time_cp(big, scratch)
        start = time.perf_counter()
        upload(client, str(case.uuid), item.pk, big)  # type: ignore[attr-defined]
        upload_s = time.perf_counter() - start
        peak = rss_kib(worker, "VmHWM")
    finally:
        server.terminate()
        server.wait(timeout=30)

    files_per_s = dicom_ingest(scratch, item, args.dicom_files)
    if not args.keep_dir:
        shutil.rmtree(scratch, ignore_errors=True)
    growth = max(0, peak - before) / 1024
    size = args.size_mib + 8 / MiB
    print(f"upload: {size:.0f} MiB in {upload_s:.2f} s; cp: {cp_s:.2f} s; worker RSS {before / 1024:.0f} MiB, peak {peak / 1024:.0f} MiB")
    print(f"BENCH upload_peak_rss_growth_mib {growth:.1f} MiB")
    print(f"BENCH upload_throughput_vs_cp {cp_s / upload_s:.2f} x")
    print(f"BENCH upload_throughput_mib_s {size / upload_s:.0f} MiB/s")
    print(f"BENCH cp_throughput_mib_s {size / cp_s:.0f} MiB/s")
    print(f"BENCH dicom_ingest_files_per_s {files_per_s:.0f} files/s")


if __name__ == "__main__":
    main()

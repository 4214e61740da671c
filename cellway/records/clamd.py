"""Scan bytes with a ClamAV daemon over its INSTREAM protocol.

Written here rather than taken from the ``clamd`` package: that package has
had no release since 2017, and the protocol is a handful of lines (``zINSTREAM``,
then chunks each prefixed by its 4-byte big-endian length, then a zero length;
the daemon answers ``stream: OK`` or ``stream: <signature> FOUND``).
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass
from typing import Protocol

CHUNK_BYTES = 256 * 1024


@dataclass(frozen=True)
class Verdict:
    """``clean`` is True when the daemon found nothing; ``detail`` names the signature otherwise."""

    clean: bool
    detail: str


class ScannerUnavailable(Exception):
    """The daemon could not be reached or answered something unexpected; the scan is retried later."""


class Readable(Protocol):
    """Anything with ``read(size) -> bytes``: an open file, a storage file, a stream."""

    def read(self, size: int = -1, /) -> bytes: ...


def scan_stream(stream: Readable, *, unix_socket: str = "", host: str = "", port: int = 3310, timeout: float = 120.0) -> Verdict:
    """Send ``stream`` to clamd and return its verdict. Raises ``ScannerUnavailable``."""
    try:
        with _connect(unix_socket, host, port, timeout) as conn:
            conn.sendall(b"zINSTREAM\0")
            while chunk := stream.read(CHUNK_BYTES):
                conn.sendall(struct.pack("!L", len(chunk)) + chunk)
            conn.sendall(struct.pack("!L", 0))
            reply = _read_reply(conn)
    except OSError as exc:
        raise ScannerUnavailable(f"The virus scanner could not be reached ({exc}).") from exc
    return parse_reply(reply)


def parse_reply(reply: str) -> Verdict:
    """``stream: OK`` -> clean; ``stream: Eicar-Test-Signature FOUND`` -> not clean."""
    body = reply.removeprefix("stream:").strip()
    if body == "OK":
        return Verdict(clean=True, detail="")
    if body.endswith(" FOUND"):
        return Verdict(clean=False, detail=body.removesuffix(" FOUND").strip())
    # "INSTREAM size limit exceeded. ERROR" and the like: not a verdict.
    raise ScannerUnavailable(f"The virus scanner answered {body!r}.")


def _connect(unix_socket: str, host: str, port: int, timeout: float) -> socket.socket:
    if unix_socket:
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.settimeout(timeout)
        conn.connect(unix_socket)
        return conn
    return socket.create_connection((host, port), timeout=timeout)


def _read_reply(conn: socket.socket) -> str:
    data = b""
    while not data.endswith(b"\0"):
        piece = conn.recv(4096)
        if not piece:
            break
        data += piece
    return data.rstrip(b"\0").decode("utf-8", "replace")

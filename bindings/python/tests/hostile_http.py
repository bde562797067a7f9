"""A hostile HTTP server on 127.0.0.1 for transport tests: each connection gets the next
behaviour of a script (a truncated body, a bad status line, an oversized header, ...), then good
answers. Bounded: every socket has a time-out and the server stops with its `with` block."""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from typing import Callable, Dict, Iterator, List, Optional

OK_BODY = json.dumps(
    {"status": {"code": "OK", "description": "", "message": ""}, "data": []}
).encode()


def _answer(status: str, body: bytes, headers: str = "") -> bytes:
    return (
        f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n{headers}\r\n"
    ).encode() + body


def _reset(conn: socket.socket) -> None:
    # SO_LINGER with a zero time-out: close() sends RST instead of FIN.
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


BEHAVIOURS: Dict[str, Callable[[socket.socket], None]] = {
    "ok": lambda c: c.sendall(_answer("200 OK", OK_BODY)),
    # Content-Length promises more than is sent: IncompleteRead.
    "truncated_body": lambda c: c.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n"
        + OK_BODY[:20]
    ),
    "truncated_chunked": lambda c: c.sendall(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n40\r\n" + OK_BODY[:10]
    ),
    "truncated_error_body": lambda c: c.sendall(
        b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 900\r\n\r\n<html>"
    ),
    "bad_status_line": lambda c: c.sendall(b"HTTP/1.1 OK-ish\r\n\r\n"),
    "garbage": lambda c: c.sendall(b"\x00\xff\xfe not http at all\r\n\r\n"),
    "oversized_header": lambda c: c.sendall(
        b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n"
    ),
    "too_many_headers": lambda c: c.sendall(
        b"HTTP/1.1 200 OK\r\n"
        + b"".join(b"X-H%d: v\r\n" % i for i in range(150))
        + b"Content-Length: 0\r\n\r\n"
    ),
    "reset": _reset,
    "close_without_answer": lambda c: None,
    "slow": lambda c: time.sleep(1.5),
}


class HostileServer:
    """Serves `script` (behaviour names, one per connection) and then `ok` answers."""

    def __init__(self, script: List[str]) -> None:
        self.script = list(script)
        self.connections = 0
        self.requests: List[bytes] = []
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self._sock.settimeout(0.2)
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    @property
    def base_url(self) -> str:
        host, port = self._sock.getsockname()
        return f"http://{host}:{port}/crmapi/rest/v2"

    def __enter__(self) -> HostileServer:
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._sock.close()

    def _serve(self) -> None:
        deadline = time.monotonic() + 60  # never outlives a test run
        while not self._stop.is_set() and time.monotonic() < deadline:
            try:
                conn, _ = self._sock.accept()
            except socket.timeout:
                continue
            behaviour = self.script.pop(0) if self.script else "ok"
            self.connections += 1
            threading.Thread(target=self._handle, args=(conn, behaviour), daemon=True).start()

    def _handle(self, conn: socket.socket, behaviour: str) -> None:
        with conn:
            conn.settimeout(2)
            self.requests.append(_read_request(conn))
            try:
                BEHAVIOURS[behaviour](conn)
            except OSError:
                pass


def _read_request(conn: socket.socket) -> bytes:
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
                while len(body) < length:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    body += chunk
    except OSError:
        pass
    return data


def behaviours() -> Iterator[str]:
    return (b for b in BEHAVIOURS if b != "ok")

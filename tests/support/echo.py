"""A real HTTP server on a loopback port that answers with what it was sent."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

_CALLS: dict[str, int] = {}
_LOCK = threading.Lock()


class _Echo(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        return

    def _answer(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        if url.path.startswith("/status/"):
            status = int(url.path.rsplit("/", 1)[1])
            self._send(status, "application/json", json.dumps({"error": "as asked"}))
            return
        if url.path.startswith("/flaky/"):
            # /flaky/<failures>/<name>: 503 for the first <failures> calls of each name.
            _, _, failures, name = url.path.split("/", 3)
            with _LOCK:
                _CALLS[name] = _CALLS.get(name, 0) + 1
                calls = _CALLS[name]
            if calls <= int(failures):
                self._send(503, "application/json", json.dumps({"call": calls}))
            else:
                self._send(200, "application/json", json.dumps({"call": calls}))
            return
        if url.path == "/nan":
            self._send(200, "application/json", '{"a": NaN}')
            return
        if url.path == "/text":
            self._send(200, "text/plain", "plain words")
            return
        if url.path == "/list":
            self._send(200, "application/json", json.dumps([{"n": 1}, {"n": 2}]))
            return
        echoed = {
            "method": self.command,
            "path": url.path,
            "query": dict(parse_qsl(url.query)),
            "headers": {name.lower(): value for name, value in self.headers.items()},
            "body": body,
        }
        self._send(200, "application/json", json.dumps(echoed))

    def _send(self, status: int, content_type: str, text: str) -> None:
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer


@contextmanager
def echo_server() -> Iterator[str]:
    """The base URL of a running echo server, stopped when the block ends."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()

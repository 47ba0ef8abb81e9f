"""The HTTP part of a local stand-in for an outside service, for tests and demos: a threading
server on 127.0.0.1 that hands each request to a handler holding the stand-in's ``service``, run
in a background thread (``with``) or in the foreground (`serve_forever`, for a command).

Shared by the remote-signing stand-in (`hocbaso.signing.remote_standin`) and the national
receivers' stand-in (`hocbaso.exchange.standin`); it lives in signing, the lower of the two
layers (tests/test_layering.py), and knows nothing of either service.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

ServiceT = TypeVar("ServiceT")


class StandinHTTPServer(ThreadingHTTPServer, Generic[ServiceT]):
    daemon_threads = True
    verbose = False  # log the request lines (never the headers): only in the foreground

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[BaseHTTPRequestHandler],
        service: ServiceT,
    ) -> None:
        super().__init__(address, handler)
        self.service = service


class StandinHandler(BaseHTTPRequestHandler, Generic[ServiceT]):
    server: StandinHTTPServer[ServiceT]

    @property
    def service(self) -> ServiceT:
        return self.server.service

    def read_body(self, limit: int | None = None) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        if not length:
            return b""
        return self.rfile.read(length if limit is None else min(length, limit))

    def reply(
        self,
        status: int,
        data: bytes,
        content_type: str,
        headers: Iterable[tuple[str, str]] = (),
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        # the client may have given up waiting (its timeout): what was done stays done
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        if self.server.verbose:
            super().log_message(format, *args)


class StandinServer(Generic[ServiceT]):
    """``service`` on ``host`` (port 0: any free port), answered by ``handler``."""

    def __init__(
        self,
        service: ServiceT,
        handler: type[StandinHandler[ServiceT]],
        port: int = 0,
        host: str = "127.0.0.1",
    ) -> None:
        self.service = service
        self.httpd = StandinHTTPServer((host, port), handler, service)
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(timeout=5)

    def serve_forever(self) -> None:
        """In the foreground, logging each request line (a command's ``run_…_standin``)."""
        self.httpd.verbose = True
        self.httpd.serve_forever()

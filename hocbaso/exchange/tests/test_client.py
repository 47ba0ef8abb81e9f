"""The HTTP client alone: https required off the loopback, redirects never followed (they could
carry the credentials elsewhere), secrets read from files and never in returned texts."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from hocbaso.exchange.push.client import ConfigurationError, check_url, post, redact
from hocbaso.exchange.push.config import TargetConfig, target_config

SEEN: list[tuple[str, str]] = []


class _Redirecting(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802
        SEEN.append((self.path, self.headers.get("Authorization", "")))
        if self.path == "/v1/hocba":
            self.send_response(307)
            self.send_header("Location", "/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(201)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@pytest.fixture
def redirecting() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Redirecting)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    SEEN.clear()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_redirect_is_not_followed(redirecting: str) -> None:
    config = TargetConfig("warehouse", redirecting, token="tok-123", timeout=5)
    delivery = post(config, "/v1/hocba", b"{}", {"Content-Type": "application/json"})
    assert delivery.status == 307
    assert SEEN == [("/v1/hocba", "Bearer tok-123")]


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://kho.example.invalid", True),
        ("http://127.0.0.1:8766", True),
        ("http://kho.example.invalid", False),
        ("ftp://127.0.0.1", False),
        ("", False),
    ],
)
def test_https_is_required_off_the_loopback(url: str, ok: bool) -> None:
    config = TargetConfig("warehouse", url)
    if ok:
        assert check_url(config) == url
    else:
        with pytest.raises(ConfigurationError):
            check_url(config)


def test_secrets_come_from_files_and_are_hidden(tmp_path: Path, settings: Any) -> None:
    secret = tmp_path / "secret"
    secret.write_text("client-secret-xyz\n", encoding="utf-8")
    settings.HOCBASO_EXCHANGE_VNEID_URL = "https://so.example.invalid/"
    settings.HOCBASO_EXCHANGE_VNEID_CLIENT_ID = "so-58"
    settings.HOCBASO_EXCHANGE_VNEID_CLIENT_SECRET_FILE = str(secret)
    config = target_config("vneid")
    assert (config.base_url, config.client_id, config.client_secret) == (
        "https://so.example.invalid",
        "so-58",
        "client-secret-xyz",
    )
    assert "client-secret-xyz" not in repr(config)
    basic = "c28tNTg6Y2xpZW50LXNlY3JldC14eXo="  # base64("so-58:client-secret-xyz")
    assert redact(f"echo client-secret-xyz Basic {basic}", config) == "echo *** Basic ***"


def test_a_refused_connection_is_an_answerless_delivery() -> None:
    config = TargetConfig("warehouse", "http://127.0.0.1:9", timeout=2)
    delivery = post(config, "/v1/hocba", b"{}", {})
    assert delivery.status is None
    assert delivery.error.startswith("Không kết nối được nơi nhận")

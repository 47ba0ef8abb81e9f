"""HTTP client of the pushes: one POST, its outcome as data, never a secret in what it returns.

Standard library only (urllib; neither requests nor httpx is installed). HTTPS is required
except on the loopback interface (the local stand-in); TLS is verified unless the operator turns
it off, with an optional extra CA file. Redirects are not followed (a redirect could carry the
credentials elsewhere). HTTP errors, timeouts and connection failures come back as a
`Delivery` with ``status`` None or the HTTP code — the runner decides what they mean with
`payload.classify`. Credentials are added here, per request, from `config.TargetConfig`, and
are cut out of every text the client returns.
"""

from __future__ import annotations

import base64
import email.utils
import http.client
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from hocbaso.exchange.push.config import TargetConfig

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
MAX_ANSWER_BYTES = 64 * 1024
USER_AGENT = "hocbaso-exchange/1"


class ConfigurationError(ValueError):
    """The target cannot be contacted as configured (message in Vietnamese)."""


@dataclass(frozen=True)
class Delivery:
    status: int | None  # None: no HTTP answer (timeout, connection refused, TLS failure)
    body: bytes
    retry_after: float | None
    error: str
    duration_ms: int


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _tls_context(config: TargetConfig) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=config.ca_file or None)
    if not config.verify_tls:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def _authorization(config: TargetConfig) -> str:
    if config.token:
        return f"Bearer {config.token}"
    if config.client_id and config.client_secret:
        pair = f"{config.client_id}:{config.client_secret}".encode()
        return "Basic " + base64.b64encode(pair).decode("ascii")
    return ""


def redact(text: str, config: TargetConfig) -> str:
    """``text`` without any of the target's secrets (nor their Basic-auth encoding)."""
    for secret in (config.token, config.client_secret, _authorization(config).split(" ")[-1]):
        if secret:
            text = text.replace(secret, "***")
    return text


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds: a number, or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def check_url(config: TargetConfig) -> str:
    if not config.configured:
        raise ConfigurationError(f"Chưa cấu hình địa chỉ nơi nhận «{config.target}».")
    parts = urllib.parse.urlsplit(config.base_url)
    local = parts.hostname in LOOPBACK
    if parts.scheme != "https" and not (parts.scheme == "http" and local):
        raise ConfigurationError(
            "Địa chỉ nơi nhận phải dùng https (chỉ máy cục bộ được dùng http)."
        )
    return config.base_url


def post(config: TargetConfig, path: str, body: bytes, headers: dict[str, str]) -> Delivery:
    """POST ``body`` to ``base_url + path`` once."""
    url = check_url(config) + path
    request = urllib.request.Request(url, data=body, method="POST")  # noqa: S310 — checked
    for name, value in {**headers, "User-Agent": USER_AGENT}.items():
        request.add_header(name, value)
    authorization = _authorization(config)
    if authorization:
        request.add_unredirected_header("Authorization", authorization)
    opener = urllib.request.build_opener(
        _NoRedirect(), urllib.request.HTTPSHandler(context=_tls_context(config))
    )
    started = time.monotonic()

    def done(status: int | None, raw: bytes, retry: float | None, error: str) -> Delivery:
        elapsed = int((time.monotonic() - started) * 1000)
        return Delivery(status, raw, retry, redact(error, config)[:500], elapsed)

    try:
        with opener.open(request, timeout=config.timeout) as response:
            raw = response.read(MAX_ANSWER_BYTES)
            return done(response.status, raw, None, "")
    except urllib.error.HTTPError as exc:
        raw = exc.read(MAX_ANSWER_BYTES) if exc.fp is not None else b""
        retry = retry_after_seconds(exc.headers.get("Retry-After") if exc.headers else None)
        return done(exc.code, raw, retry, f"HTTP {exc.code}")
    except TimeoutError:
        return done(None, b"", None, f"Nơi nhận không trả lời trong {config.timeout:g} giây.")
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            return done(None, b"", None, f"Nơi nhận không trả lời trong {config.timeout:g} giây.")
        return done(None, b"", None, f"Không kết nối được nơi nhận ({exc.reason}).")
    except (OSError, ssl.SSLError, http.client.HTTPException) as exc:
        return done(None, b"", None, f"Lỗi kết nối ({type(exc).__name__}).")

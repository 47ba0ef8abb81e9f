"""One JSON POST for the HTTP senders (standard library only; nothing is contacted at import).

TLS is required except on the loopback interface (the local stand-ins of the tests). Timeouts,
refused connections, HTTP 5xx and 429 are transient failures; other HTTP errors are not.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from hocbaso.notifications.backends.base import DeliveryError

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def check_url(url: str, service: str) -> None:
    parts = urllib.parse.urlsplit(url)
    local = parts.hostname in LOOPBACK
    if parts.scheme != "https" and not (parts.scheme == "http" and local):
        raise DeliveryError(
            f"Địa chỉ {service} phải dùng https (chỉ máy cục bộ được dùng http).", transient=False
        )


def post_json(
    url: str, body: dict[str, Any], *, service: str, timeout: float, headers: dict[str, str]
) -> Any:
    check_url(url, service)
    request = urllib.request.Request(  # noqa: S310 — scheme checked in check_url
        url,
        data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "Accept": "application/json",
            "User-Agent": "hocbaso-notifications/1",
            **headers,
        },
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            raw = response.read()
    except urllib.error.HTTPError as exc:
        transient = exc.code == 429 or exc.code >= 500
        raise DeliveryError(f"{service} trả lời HTTP {exc.code}.", transient=transient) from exc
    except (TimeoutError, urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, TimeoutError):
            raise DeliveryError(
                f"{service} không trả lời trong {timeout:g} giây.", transient=True
            ) from exc
        raise DeliveryError(f"Không kết nối được {service} ({reason}).", transient=True) from exc
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise DeliveryError(f"{service} trả về dữ liệu không phải JSON.", transient=True) from exc

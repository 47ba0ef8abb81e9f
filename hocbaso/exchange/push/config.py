"""Where and how to reach each target, read at call time (never at import time).

For a target ``T`` (``WAREHOUSE`` or ``VNEID``), from Django settings when set there, else from
the environment:

- ``HOCBASO_EXCHANGE_T_URL``: base URL (https; http only on the loopback interface);
- credentials, one of: ``HOCBASO_EXCHANGE_T_TOKEN`` (sent as ``Authorization: Bearer``) or
  ``HOCBASO_EXCHANGE_T_CLIENT_ID`` + ``HOCBASO_EXCHANGE_T_CLIENT_SECRET`` (HTTP Basic); each
  secret may instead be read from the file named by ``…_FILE`` (Docker/systemd secrets);
- ``HOCBASO_EXCHANGE_TIMEOUT`` (seconds, default 20), ``HOCBASO_EXCHANGE_VERIFY_TLS`` (default
  on), ``HOCBASO_EXCHANGE_CA_FILE`` (extra trust anchors for a private CA),
  ``HOCBASO_EXCHANGE_MAX_ATTEMPTS`` (default 8), ``HOCBASO_EXCHANGE_BACKOFF_SECONDS`` (first
  delay, default 60), ``HOCBASO_EXCHANGE_BACKOFF_MAX_SECONDS`` (default 6 h).

Secrets live only in the returned object, whose repr hides them; nothing here logs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "HOCBASO_EXCHANGE_"


def _setting(name: str) -> str:
    """Django setting ``HOCBASO_EXCHANGE_<name>`` if defined, else the environment."""
    value = getattr(settings, PREFIX + name, None)
    if value is None:
        value = os.environ.get(PREFIX + name, "")
    return str(value).strip()


def _secret(name: str) -> str:
    value = _setting(name)
    if value:
        return value
    path = _setting(name + "_FILE")
    if not path:
        return ""
    try:
        return Path(path).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ImproperlyConfigured(f"{PREFIX}{name}_FILE: không đọc được tệp.") from exc


def _number(name: str, default: float) -> float:
    raw = _setting(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{PREFIX}{name} phải là một số.") from None
    if value <= 0:
        raise ImproperlyConfigured(f"{PREFIX}{name} phải lớn hơn 0.")
    return value


def _flag(name: str, default: bool) -> bool:
    raw = _setting(name).lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{PREFIX}{name} phải là true hoặc false.")


@dataclass(frozen=True)
class TargetConfig:
    target: str
    base_url: str
    token: str = field(default="", repr=False)
    client_id: str = ""
    client_secret: str = field(default="", repr=False)
    timeout: float = 20.0
    verify_tls: bool = True
    ca_file: str = ""

    @property
    def configured(self) -> bool:
        return bool(self.base_url)


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int
    first_delay: float
    max_delay: float


def target_config(target: str) -> TargetConfig:
    name = target.upper()
    return TargetConfig(
        target=target,
        base_url=_setting(f"{name}_URL").rstrip("/"),
        token=_secret(f"{name}_TOKEN"),
        client_id=_setting(f"{name}_CLIENT_ID"),
        client_secret=_secret(f"{name}_CLIENT_SECRET"),
        timeout=_number("TIMEOUT", 20.0),
        verify_tls=_flag("VERIFY_TLS", True),
        ca_file=_setting("CA_FILE"),
    )


def retry_policy() -> RetryPolicy:
    return RetryPolicy(
        max_attempts=int(_number("MAX_ATTEMPTS", 8)),
        first_delay=_number("BACKOFF_SECONDS", 60.0),
        max_delay=_number("BACKOFF_MAX_SECONDS", 6 * 3600.0),
    )

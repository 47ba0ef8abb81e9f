"""The DEMO authenticator of the demo principals: a secret derived from the username (published,
like the demo password), so that `manage.py demo_totp USERNAME` can print the current code.
Only these derived secrets are ever printed: a real user's authenticator never is."""

from __future__ import annotations

import hashlib
import time
from typing import Any

from hocbaso.people.actions.second_factor import enrol_totp
from hocbaso.people.auth_models import TotpDevice
from hocbaso.people.totp import hotp, time_step, totp
from hocbaso.people.totp_seal import open_secret

_LABEL = b"hocbaso-demo-totp-v1:"


def demo_secret(username: str) -> bytes:
    return hashlib.sha256(_LABEL + username.encode("utf-8")).digest()[:20]


def enrol_demo_totp(user: Any) -> None:
    secret = demo_secret(user.get_username())
    codes = enrol_totp(secret, totp(secret, time.time()), acting_user=user)
    if codes is None:  # pragma: no cover - the code was computed from the secret just now
        raise RuntimeError("the DEMO authenticator could not be enrolled")


def demo_code(user: Any, *, now: float | None = None) -> str | None:
    """The next code the user's DEMO authenticator accepts, or None when the user has no
    authenticator or a real one (not the DEMO secret)."""
    device = TotpDevice.objects.filter(user=user).first()
    if device is None:
        return None
    secret = open_secret(device.sealed_secret)
    if secret is None or secret != demo_secret(user.get_username()):
        return None
    step = time_step(time.time() if now is None else now)
    if device.last_used_step is not None and device.last_used_step >= step:
        step = device.last_used_step + 1
    return hotp(secret, step)

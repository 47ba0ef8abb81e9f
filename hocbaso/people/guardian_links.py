"""Invitation codes and the rules around linking a parent's account to a pupil (issue 6).

A code is 12 symbols of Crockford's base 32 (60 random bits, no I, L, O or U), printed in
three groups of four for reading aloud (``7KQ2-M9XD-4TAB``). Only its keyed hash is stored
(`GuardianInvitation.code_hash`); typing is forgiving (case, spaces, dashes, O for 0, I/L for
1). Failed attempts are counted per account and per IP address (`LinkAttempt`); past the
limits, linking is refused for a while whatever the code. The writes are in
`people/actions/guardian_links.py`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets

from django.conf import settings
from django.utils import timezone

from hocbaso.people.models import LinkAttempt

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base 32
CODE_LENGTH = 12
GROUP = 4
INVITATION_TTL = dt.timedelta(days=120)
FAILURE_WINDOW = dt.timedelta(hours=1)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_IP = 20
_TYPO = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def grouped(code: str) -> str:
    """``7KQ2M9XD4TAB`` → ``7KQ2-M9XD-4TAB``."""
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


def normalise(raw: str) -> str | None:
    """The code typed by a parent, or None when it cannot be one."""
    cleaned = re.sub(r"[\s\-–.]", "", (raw or "").upper()).translate(_TYPO)
    if len(cleaned) != CODE_LENGTH or any(c not in ALPHABET for c in cleaned):
        return None
    return cleaned


def _hash(purpose: str, value: str) -> str:
    key = settings.FIELD_HASH_KEY.encode()
    return hmac.new(key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def code_hash(code: str) -> str:
    return _hash("guardian-invitation", code)


def otp_hash(user_id: int, code: str) -> str:
    return _hash(f"phone-otp:{user_id}", code)


def registration_code_hash(phone: str, code: str) -> str:
    return _hash(f"registration-otp:{phone}", code)


def normalise_phone(raw: str) -> str | None:
    """A Vietnamese mobile number as 10 digits starting with 0 (``+84 905 123 456`` →
    ``0905123456``), or None."""
    digits = re.sub(r"[\s.\-()]", "", raw or "")
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits if re.fullmatch(r"0[35789]\d{8}", digits) else None


def failures(
    *, user_id: int | None, ip: str | None, now: dt.datetime | None = None
) -> tuple[int, int]:
    """Failed link attempts in the last window: (of this account, from this IP)."""
    since = (now or timezone.now()) - FAILURE_WINDOW
    recent = LinkAttempt.objects.filter(succeeded=False, created_at__gte=since)
    by_user = recent.filter(user_id=user_id).count() if user_id is not None else 0
    by_ip = recent.filter(ip=ip).count() if ip else 0
    return by_user, by_ip


def locked_out(*, user_id: int | None, ip: str | None) -> bool:
    by_user, by_ip = failures(user_id=user_id, ip=ip)
    return by_user >= MAX_FAILURES_PER_ACCOUNT or by_ip >= MAX_FAILURES_PER_IP

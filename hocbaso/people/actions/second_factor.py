"""Enrol and prove the second factor (TOTP, RFC 6238) and the single-use recovery codes."""

from __future__ import annotations

import hashlib
import secrets
import time
from typing import Any

from django.db import transaction
from django.utils import timezone

from hocbaso.audit.log import log
from hocbaso.people.actions.accounts import _school_of
from hocbaso.people.auth_models import RecoveryCode, TotpDevice
from hocbaso.people.models import User
from hocbaso.people.second_factor import consume_totp_code
from hocbaso.people.totp import matching_step
from hocbaso.people.totp_seal import seal_secret

RECOVERY_CODE_COUNT = 10
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # 32 symbols without 0/O, 1/I


def new_recovery_code() -> str:
    """16 symbols of 5 bits (80 random bits), shown in groups of four."""
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def _normalise_recovery(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def recovery_hash(code: str) -> str:
    return hashlib.sha256(_normalise_recovery(code).encode("ascii", "ignore")).hexdigest()


def _lock_user(user: Any) -> User:
    return User.objects.select_for_update().get(pk=user.pk)


@transaction.atomic
def enrol_totp(secret: bytes, code: str, *, acting_user: Any) -> list[str] | None:
    """Confirm the authenticator app holding `secret` with one of its codes. On success the
    secret is stored encrypted (replacing an earlier one), ten new recovery codes replace any
    unused old ones, and the new codes are returned: the only time they exist in clear."""
    user = _lock_user(acting_user)
    school_id = _school_of(user)
    step = matching_step(secret, code, time.time(), last_used_step=None)
    if step is None:
        log(
            "account.mfa_failed",
            actor=user,
            subject=user,
            school_id=school_id,
            data={"new": {"method": "totp", "during": "enrolment"}},
        )
        return None
    now = timezone.now()
    TotpDevice.objects.update_or_create(
        user=user,
        defaults={
            "sealed_secret": seal_secret(secret),
            "confirmed_at": now,
            "last_used_step": step,
        },
    )
    RecoveryCode.objects.filter(user=user, used_at__isnull=True).update(used_at=now)
    codes = [new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user=user, code_hash=recovery_hash(c), created_at=now) for c in codes
    )
    log(
        "account.mfa_enrolled",
        actor=user,
        subject=user,
        school_id=school_id,
        data={"new": {"method": "totp", "recovery_codes": RECOVERY_CODE_COUNT}},
    )
    return codes


@transaction.atomic
def verify_second_factor(code: str, *, acting_user: Any) -> bool:
    """A current TOTP code (±1 step, never one already used) or an unused recovery code."""
    user = _lock_user(acting_user)
    school_id = _school_of(user)
    device = TotpDevice.objects.select_for_update().filter(user=user).first()
    cleaned = "".join(code.split())
    if device is not None and cleaned.isdigit():
        if consume_totp_code(user, cleaned):
            log(
                "account.mfa_verified",
                actor=user,
                subject=user,
                school_id=school_id,
                data={"new": {"method": "totp"}},
            )
            return True
    elif device is not None and len(_normalise_recovery(cleaned)) == 16:
        found = (
            RecoveryCode.objects.select_for_update()
            .filter(user=user, code_hash=recovery_hash(cleaned), used_at__isnull=True)
            .first()
        )
        if found is not None:
            found.used_at = timezone.now()
            found.save(update_fields=["used_at"])
            left = RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()
            log(
                "account.mfa_recovery_used",
                actor=user,
                subject=user,
                school_id=school_id,
                data={"new": {"method": "recovery_code", "remaining": left}},
            )
            return True
    log(
        "account.mfa_failed",
        actor=user,
        subject=user,
        school_id=school_id,
        data={"new": {"method": "totp" if cleaned.isdigit() else "recovery_code"}},
    )
    return False


@transaction.atomic
def reset_second_factor(user_id: int, *, acting_user: Any, reason: str) -> None:
    """An administrator removes a user's lost authenticator (the user enrols again at the next
    login). The reason is recorded."""
    user = User.objects.select_for_update().get(pk=user_id)
    TotpDevice.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user, used_at__isnull=True).update(used_at=timezone.now())
    log(
        "account.mfa_reset",
        actor=acting_user,
        subject=user,
        school_id=_school_of(user),
        data={"new": {"reason": reason[:500]}},
    )


def remaining_recovery_codes(user: Any) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()

"""Who must prove a second factor, and whether this session has (security.md F5, ASVS 6.3.3).

Required: principals, vice-principals, school IT admins, commune and province officers,
inspectors, and the system administrators (superusers, Django admin staff). Optional: teachers
and group heads (they may enrol; once enrolled they are always asked). Parents: not required —
the documented relaxation of security.md §1 (ASVS 6.3.3): a parent sees only their own child's
published results, read-only, and a second device would keep many families out; their accounts
are protected by the brute-force limits instead.

In a DEMO installation (settings.MFA_DEMO_WAIVER, on by default only while DEBUG is on, refused
with DEBUG off) a required user who has not enrolled yet is let in with the password alone; a
user who has enrolled is asked for the code as everywhere else."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any, Literal

from django.conf import settings
from django.utils import timezone

from hocbaso.people.auth_models import TotpDevice
from hocbaso.people.models import Role, StaffRole
from hocbaso.people.totp import matching_step
from hocbaso.people.totp_seal import open_secret

REQUIRED_ROLES = frozenset(
    {
        Role.PRINCIPAL,
        Role.VICE_PRINCIPAL,
        Role.SCHOOL_ADMIN,
        Role.COMMUNE_OFFICER,
        Role.PROVINCE_OFFICER,
        Role.INSPECTOR,
    }
)
SESSION_DONE = "hocbaso_second_factor_at"
SESSION_CHECKED = "hocbaso_second_factor_checked"
# A user found not to need a second factor is checked again after this long, so that a role
# granted during the session takes effect without a new login.
RECHECK_SECONDS = 300

Step = Literal["verify", "enrol"]
StepUpFactor = Literal["totp", "enrol"]


def requires_second_factor(user: Any) -> bool:
    if user.is_superuser or user.is_staff:
        return True
    return StaffRole.objects.active().filter(user=user, role__in=REQUIRED_ROLES).exists()


def throttle_name(user: Any) -> str:
    """The second factor's own counters in the login throttle (people/login_throttle.py): a
    wrong code never locks the password login. The web step and the API token share them."""
    return f"mfa:{user.get_username()}"


def has_second_factor(user: Any) -> bool:
    return TotpDevice.objects.filter(user=user).exists()


def mark_done(session: Any, *, now: dt.datetime | None = None) -> None:
    session[SESSION_DONE] = (now or timezone.now()).isoformat()
    session.pop(SESSION_CHECKED, None)


def forget(session: Any) -> None:
    """At a new password login: the previous proof, if any, no longer counts."""
    session.pop(SESSION_DONE, None)
    session.pop(SESSION_CHECKED, None)


def is_done(session: Any) -> bool:
    return bool(session.get(SESSION_DONE))


def next_step(user: Any, session: Any) -> Step | None:
    """What this logged-in session must do before anything else: prove the factor it has,
    enrol one, or nothing."""
    if is_done(session):
        return None
    now = int(time.time())
    checked = session.get(SESSION_CHECKED)
    if isinstance(checked, int) and 0 <= now - checked < RECHECK_SECONDS:
        return None
    if has_second_factor(user):
        return "verify"
    if requires_second_factor(user) and not settings.MFA_DEMO_WAIVER:
        return "enrol"
    session[SESSION_CHECKED] = now
    return None


def step_up_factor(user: Any) -> StepUpFactor | None:
    """What a step-up re-authentication (people/actions/accounts.py `reauthenticate`) asks for
    besides the password, decided as the login decides (`next_step`): a current TOTP code from
    a user who has enrolled; nothing it can accept from a user who must have a factor and has
    none (unless the DEMO waiver applies): they enrol first; nothing more from anyone else."""
    if has_second_factor(user):
        return "totp"
    if requires_second_factor(user) and not settings.MFA_DEMO_WAIVER:
        return "enrol"
    return None


def consume_totp_code(user: Any, code: str) -> bool:
    """Whether `code` is a current code (±1 step) of the user's authenticator that was not used
    before; if so its time step is recorded so that it never works again (RFC 6238 §5.2). The
    check shared by the login's second step and step-up; runs inside the caller's transaction
    (an action), which writes the audit event."""
    cleaned = "".join(code.split())
    if not cleaned.isdigit():
        return False
    device = TotpDevice.objects.select_for_update().filter(user=user).first()
    if device is None:
        return False
    secret = open_secret(device.sealed_secret)
    if secret is None:
        return False
    step = matching_step(secret, cleaned, time.time(), last_used_step=device.last_used_step)
    if step is None:
        return False
    device.last_used_step = step
    device.save(update_fields=["last_used_step"])
    return True

"""Logins and logouts are audited writes too (issue 4 lists them)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from hocbaso.audit.log import log
from hocbaso.people.errors import ActionError
from hocbaso.people.models import HomeroomAssignment, StaffRole, TeachingAssignment


def _school_of(user: Any) -> int | None:
    """The school whose audit chain records this person's logins (the system chain for
    province and commune staff and for parents)."""
    role = StaffRole.objects.active().filter(user=user, school__isnull=False).first()
    if role is not None:
        return role.school_id
    for model in (HomeroomAssignment, TeachingAssignment):
        assignment = model.objects.active().filter(user=user).select_related("class_group").first()
        if assignment is not None:
            return assignment.class_group.school_id
    return None


@transaction.atomic
def record_login(user: Any) -> None:
    log("account.login", actor=user, subject=user, school_id=_school_of(user))


@transaction.atomic
def record_logout(user: Any) -> None:
    log("account.logout", actor=user, subject=user, school_id=_school_of(user))


@transaction.atomic
def record_failed_login(username: str) -> None:
    """The username tried is kept (truncated); the password never is."""
    log(
        "account.login_failed",
        actor=None,
        subject_type="people.user",
        subject_label=username[:150],
        data={"new": {"username": username[:150]}},
    )


# -- step-up authentication (security.md F5, ASVS 7.5.3) ----------------------------------------

REAUTH_SESSION_KEY = "reauthenticated_at"
REAUTH_MAX_AGE = dt.timedelta(minutes=5)


def reauthentication_is_fresh(at: dt.datetime | None, *, now: dt.datetime | None = None) -> bool:
    """Whether a password re-entry at `at` still counts (within the last 5 minutes)."""
    if at is None:
        return False
    now = now or timezone.now()
    return dt.timedelta(0) <= now - at <= REAUTH_MAX_AGE


class ReauthenticationRequired(ActionError):
    """The user must re-enter their password: the last re-entry is over 5 minutes old."""


def require_fresh_reauthentication(at: dt.datetime | None) -> None:
    if not reauthentication_is_fresh(at):
        raise ReauthenticationRequired(
            "Hãy nhập lại mật khẩu để xác nhận (cần xác thực lại trong vòng 5 phút)."
        )


def reauthenticated_at(session: Any) -> dt.datetime | None:
    raw = session.get(REAUTH_SESSION_KEY) if session is not None else None
    if not raw:
        return None
    try:
        return dt.datetime.fromisoformat(raw)
    except (TypeError, ValueError):
        return None


@transaction.atomic
def reauthenticate(user: Any, password: str, *, session: Any) -> bool:
    """Re-check the logged-in user's password before a sensitive step (approving a correction,
    unlocking). On success the time is stored in the session; both outcomes are audited."""
    ok = bool(password) and user.is_authenticated and user.check_password(password)
    school_id = _school_of(user)
    if not ok:
        log("account.reauth_failed", actor=user, subject=user, school_id=school_id)
        return False
    now = timezone.now()
    session[REAUTH_SESSION_KEY] = now.isoformat()
    log("account.reauthenticated", actor=user, subject=user, school_id=school_id)
    return True

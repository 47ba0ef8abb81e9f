"""Logins and logouts are audited writes too (issue 4 lists them)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from hocbaso.audit.log import log
from hocbaso.people.models import StaffRole


def _school_of(user: Any) -> int | None:
    role = StaffRole.objects.active().filter(user=user, school__isnull=False).first()
    return role.school_id if role else None


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

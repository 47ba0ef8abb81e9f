"""Logins and logouts are audited writes too (issue 4 lists them)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from hocbaso.audit.log import log
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

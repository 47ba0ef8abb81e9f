"""How long a signed-in session may last (security.md F4, ASVS 7.3.1–7.3.2).

Staff work on shared school computers: idle STAFF_IDLE_TIMEOUT_SECONDS (30 min), at most
SESSION_MAX_AGE_SECONDS (12 h) after the login. An account that reaches nothing but the parents'
portal (`portal_only`) is used on the parent's own phone, like a banking or school app: idle
PARENT_IDLE_TIMEOUT_SECONDS (30 days), at most PARENT_SESSION_MAX_AGE_SECONDS (90 days).
Reasons: docs/parents.md, "Sessions"."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q

from hocbaso.people.models import HomeroomAssignment, StaffRole, TeachingAssignment, User


def portal_only(user: Any) -> bool:
    """True when the account holds nothing that opens a staff page: no Django staff or
    superuser flag, no active staff role (a bare school "teacher" membership included), no
    active teaching or homeroom assignment. Read fresh (one query) whenever it decides, so a
    role granted during a long parent session ends that session at its next request."""
    if user.is_staff or user.is_superuser:
        return False
    standing = (
        Q(Exists(StaffRole.objects.active().filter(user=OuterRef("pk"))))
        | Q(Exists(TeachingAssignment.objects.active().filter(user=OuterRef("pk"))))
        | Q(Exists(HomeroomAssignment.objects.active().filter(user=OuterRef("pk"))))
    )
    return not User.objects.filter(pk=user.pk).filter(standing).exists()

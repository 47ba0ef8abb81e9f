"""School roles granted by the school's own managers (used by the staff import).

`assignments.grant_role` is for the Sở's system administrators and covers every scope. Here a
principal, vice-principal or school admin grants a school role in THEIR school only, and never
the principal's role: a principal is appointed by the Sở, and the principal's approval is what
stands between a post-lock change and the record (security.md A3).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from hocbaso.audit.actors import SystemActor
from hocbaso.audit.log import log
from hocbaso.org.models import School
from hocbaso.people import access
from hocbaso.people.errors import ActionError
from hocbaso.people.models import SCHOOL_ROLES, Role, StaffRole, User

GRANTABLE_BY_SCHOOL = frozenset(
    {Role.VICE_PRINCIPAL, Role.GROUP_HEAD, Role.SCHOOL_ADMIN, Role.TEACHER}
)


def _is_system(actor: Any) -> bool:
    return isinstance(actor, SystemActor) or bool(getattr(actor, "is_superuser", False))


@transaction.atomic
def grant_school_role(
    user_id: int,
    role: str,
    school_id: int,
    *,
    acting_user: Any,
    grades: list[int] | None = None,
) -> StaffRole:
    """Give `user` a school role in the school; returns the active row if they already hold
    it. Managers of the school may grant the roles in GRANTABLE_BY_SCHOOL; the Sở (system
    administrators, commands) may grant every school role."""
    school = School.objects.select_for_update().get(pk=school_id)
    if role not in SCHOOL_ROLES:
        raise ActionError(f"«{role}» không phải vai trò trong trường.")
    if not _is_system(acting_user):
        if not access.can_manage_school(acting_user, school):
            raise ActionError("Chỉ Ban giám hiệu hoặc quản trị nhà trường được cấp vai trò.")
        if role not in GRANTABLE_BY_SCHOOL:
            raise ActionError("Vai trò Hiệu trưởng do Sở GD&ĐT cấp.")
    clean_grades = sorted(set(grades or []))
    if role == Role.GROUP_HEAD and not clean_grades:
        raise ActionError("Tổ trưởng chuyên môn phải có khối phụ trách.")
    if any(g not in range(1, 6) for g in clean_grades):
        raise ActionError("Khối phụ trách chỉ gồm các khối 1–5.")
    user = User.objects.get(pk=user_id)
    current = (
        StaffRole.objects.active()
        .select_for_update()
        .filter(user=user, role=role, school=school)
        .first()
    )
    if current is not None:
        return current
    staff_role = StaffRole.objects.create(
        user=user, role=role, school=school, grades=clean_grades if role == Role.GROUP_HEAD else []
    )
    log(
        "role.granted",
        actor=acting_user,
        subject=user,
        school_id=school.pk,
        data={
            "new": {
                "role": role,
                "school": school.pk,
                "commune": None,
                "province": None,
                "grades": staff_role.grades,
            }
        },
    )
    return staff_role

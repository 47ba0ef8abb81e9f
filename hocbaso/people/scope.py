"""What a user's roles and assignments reach, read fresh on every call (never cached in the
session: a reassigned teacher loses access on the next request, ASVS 8.3.2)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hocbaso.people.models import (
    Guardian,
    HomeroomAssignment,
    Role,
    StaffRole,
    TeachingAssignment,
)


@dataclass(frozen=True)
class Scope:
    is_system_admin: bool = False
    province_ids: frozenset[int] = frozenset()  # Sở officers and province inspectors: read
    commune_ids: frozenset[int] = frozenset()  # commune officers: read
    inspected_school_ids: frozenset[int] = frozenset()  # school-scoped inspectors: read
    managed_school_ids: frozenset[int] = frozenset()  # principal, vice-principal, school admin
    principal_school_ids: frozenset[int] = frozenset()
    vice_principal_school_ids: frozenset[int] = frozenset()
    group_head_grades: dict[int, frozenset[int]] = field(default_factory=dict)  # school → grades
    homeroom_class_ids: frozenset[int] = frozenset()
    teaching_class_ids: frozenset[int] = frozenset()
    teaching_subjects: frozenset[tuple[int, str]] = frozenset()  # (class, subject)
    guardian_student_ids: frozenset[int] = frozenset()

    @property
    def is_parent(self) -> bool:
        return bool(self.guardian_student_ids)

    @property
    def is_staff_member(self) -> bool:
        return bool(
            self.is_system_admin
            or self.province_ids
            or self.commune_ids
            or self.inspected_school_ids
            or self.managed_school_ids
            or self.group_head_grades
            or self.homeroom_class_ids
            or self.teaching_class_ids
        )

    def reads_whole_school(self, school: Any) -> bool:
        """Sees every class of `school`: its managers and those overseeing it."""
        return bool(
            self.is_system_admin
            or school.pk in self.managed_school_ids
            or school.pk in self.inspected_school_ids
            or school.commune_id in self.commune_ids
            or school.commune.province_id in self.province_ids
        )


EMPTY = Scope()


def scope_for(user: Any) -> Scope:
    if user is None or not user.is_authenticated or not user.is_active:
        return EMPTY
    roles = list(StaffRole.objects.active().filter(user=user))
    province_ids: set[int] = set()
    commune_ids: set[int] = set()
    inspected: set[int] = set()
    managed: set[int] = set()
    principal: set[int] = set()
    vice_principal: set[int] = set()
    group_heads: dict[int, set[int]] = {}
    for r in roles:
        if r.role in (Role.PROVINCE_OFFICER, Role.INSPECTOR) and r.province_id:
            province_ids.add(r.province_id)
        elif r.role == Role.INSPECTOR and r.school_id:
            inspected.add(r.school_id)
        elif r.role == Role.COMMUNE_OFFICER and r.commune_id:
            commune_ids.add(r.commune_id)
        elif r.role in (Role.PRINCIPAL, Role.VICE_PRINCIPAL, Role.SCHOOL_ADMIN) and r.school_id:
            managed.add(r.school_id)
            if r.role == Role.PRINCIPAL:
                principal.add(r.school_id)
            elif r.role == Role.VICE_PRINCIPAL:
                vice_principal.add(r.school_id)
        elif r.role == Role.GROUP_HEAD and r.school_id:
            group_heads.setdefault(r.school_id, set()).update(int(g) for g in r.grades)
    teaching = list(
        TeachingAssignment.objects.active()
        .filter(user=user)
        .values_list("class_group_id", "subject_code")
    )
    homeroom = (
        HomeroomAssignment.objects.active()
        .filter(user=user)
        .values_list("class_group_id", flat=True)
    )
    guardian_of = Guardian.objects.filter(user=user, unlinked_at__isnull=True).values_list(
        "student_id", flat=True
    )
    return Scope(
        is_system_admin=bool(user.is_superuser),
        province_ids=frozenset(province_ids),
        commune_ids=frozenset(commune_ids),
        inspected_school_ids=frozenset(inspected),
        managed_school_ids=frozenset(managed),
        principal_school_ids=frozenset(principal),
        vice_principal_school_ids=frozenset(vice_principal),
        group_head_grades={k: frozenset(v) for k, v in group_heads.items()},
        homeroom_class_ids=frozenset(homeroom),
        teaching_class_ids=frozenset(c for c, _ in teaching),
        teaching_subjects=frozenset(teaching),
        guardian_student_ids=frozenset(guardian_of),
    )

"""Roles and teaching assignments. Ending and starting are separate rows, never edits."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from hocbaso.audit.actors import SystemActor
from hocbaso.audit.log import log
from hocbaso.org.models import ClassGroup
from hocbaso.people import access
from hocbaso.people.errors import ActionError
from hocbaso.people.models import HomeroomAssignment, StaffRole, TeachingAssignment, User
from hocbaso.regulation.catalogue import subjects_for_grade


def _ensure_manages(actor: Any, class_group: ClassGroup) -> None:
    if isinstance(actor, SystemActor):
        return
    if not access.can_manage_school(actor, class_group.school):
        raise ActionError("Chỉ Ban giám hiệu hoặc quản trị nhà trường được phân công giáo viên.")


@transaction.atomic
def assign_teacher(
    user_id: int, class_group_id: int, subject_code: str, *, acting_user: Any
) -> TeachingAssignment:
    """Make `user` the teacher of `subject_code` in the class, ending any current teacher's
    assignment for it. Takes effect on the teacher's next request."""
    class_group = ClassGroup.objects.select_related("school").get(pk=class_group_id)
    _ensure_manages(acting_user, class_group)
    codes = set(subjects_for_grade(class_group.grade))
    if subject_code not in codes:
        raise ActionError(
            f"Môn «{subject_code}» không có trong chương trình khối {class_group.grade}."
        )
    teacher = User.objects.get(pk=user_id)
    current = list(
        TeachingAssignment.objects.active()
        .select_for_update()
        .filter(class_group=class_group, subject_code=subject_code)
    )
    for old in current:
        if old.user_id == teacher.pk:
            return old
    now = timezone.now()
    TeachingAssignment.objects.filter(pk__in=[a.pk for a in current]).update(ended_at=now)
    for old in current:
        log(
            "assignment.teaching_ended",
            actor=acting_user,
            subject=class_group,
            school_id=class_group.school_id,
            data={"old": {"user": old.user_id, "subject": subject_code}},
        )
    assignment = TeachingAssignment.objects.create(
        user=teacher, class_group=class_group, subject_code=subject_code
    )
    log(
        "assignment.teaching_assigned",
        actor=acting_user,
        subject=class_group,
        school_id=class_group.school_id,
        data={"new": {"user": teacher.pk, "subject": subject_code}},
    )
    return assignment


@transaction.atomic
def end_teaching_assignment(assignment_id: int, *, acting_user: Any) -> None:
    assignment = (
        TeachingAssignment.objects.select_for_update()
        .select_related("class_group__school")
        .get(pk=assignment_id)
    )
    _ensure_manages(acting_user, assignment.class_group)
    if assignment.ended_at is not None:
        return
    TeachingAssignment.objects.filter(pk=assignment.pk).update(ended_at=timezone.now())
    log(
        "assignment.teaching_ended",
        actor=acting_user,
        subject=assignment.class_group,
        school_id=assignment.class_group.school_id,
        data={"old": {"user": assignment.user_id, "subject": assignment.subject_code}},
    )


@transaction.atomic
def assign_homeroom(user_id: int, class_group_id: int, *, acting_user: Any) -> HomeroomAssignment:
    class_group = ClassGroup.objects.select_related("school").get(pk=class_group_id)
    _ensure_manages(acting_user, class_group)
    teacher = User.objects.get(pk=user_id)
    current = list(
        HomeroomAssignment.objects.active().select_for_update().filter(class_group=class_group)
    )
    for old in current:
        if old.user_id == teacher.pk:
            return old
    HomeroomAssignment.objects.filter(pk__in=[a.pk for a in current]).update(
        ended_at=timezone.now()
    )
    for old in current:
        log(
            "assignment.homeroom_ended",
            actor=acting_user,
            subject=class_group,
            school_id=class_group.school_id,
            data={"old": {"user": old.user_id}},
        )
    assignment = HomeroomAssignment.objects.create(user=teacher, class_group=class_group)
    log(
        "assignment.homeroom_assigned",
        actor=acting_user,
        subject=class_group,
        school_id=class_group.school_id,
        data={"new": {"user": teacher.pk}},
    )
    return assignment


@transaction.atomic
def grant_role(
    user_id: int,
    role: str,
    *,
    acting_user: Any,
    school_id: int | None = None,
    commune_id: int | None = None,
    province_id: int | None = None,
    grades: list[int] | None = None,
) -> StaffRole:
    if not (isinstance(acting_user, SystemActor) or getattr(acting_user, "is_superuser", False)):
        raise ActionError("Chỉ quản trị hệ thống của Sở được cấp vai trò.")
    if [school_id, commune_id, province_id].count(None) != 2:
        raise ActionError("Vai trò phải gắn với đúng một đơn vị: trường, xã/phường hoặc Sở.")
    staff_role = StaffRole.objects.create(
        user_id=user_id,
        role=role,
        school_id=school_id,
        commune_id=commune_id,
        province_id=province_id,
        grades=sorted(grades or []),
    )
    log(
        "role.granted",
        actor=acting_user,
        subject=staff_role.user,
        school_id=school_id,
        data={
            "new": {
                "role": role,
                "school": school_id,
                "commune": commune_id,
                "province": province_id,
                "grades": staff_role.grades,
            }
        },
    )
    return staff_role


@transaction.atomic
def create_account(
    *,
    username: str,
    full_name: str,
    password: str,
    acting_user: Any,
    phone: str = "",
    school_id: int | None = None,
) -> User:
    if User.objects.filter(username=username).exists():
        raise ActionError(f"Tên đăng nhập «{username}» đã tồn tại.")
    user = User(username=username, full_name=full_name, phone=phone)
    user.set_password(password)
    user.save()
    log(
        "account.created",
        actor=acting_user,
        subject=user,
        school_id=school_id,
        data={"new": {"username": username, "full_name": full_name}},
    )
    return user

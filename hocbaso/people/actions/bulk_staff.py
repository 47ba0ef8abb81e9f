"""Bulk writes of staff for the demo seed and large imports, with the audit events the
single-row actions write.

- `bulk_create_accounts`: one `account.created` per account (like `create_account`).
- `assign_class_teachers`: one `assignment.homeroom_assigned` / `assignment.teaching_assigned`
  per row (like `assign_homeroom` / `assign_teacher`) for classes with nobody assigned yet.

Every row is checked before anything is written; a refusal lists every problem (in Vietnamese)
and writes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import identify_hasher
from django.core.exceptions import ValidationError
from django.db import transaction

from hocbaso.audit.actors import SystemActor
from hocbaso.audit.log import EventSpec, log_many
from hocbaso.org.models import ClassGroup
from hocbaso.people.actions.bulk import BATCH_SIZE, Actor, duplicates, ensure_manages
from hocbaso.people.errors import ActionError
from hocbaso.people.models import HomeroomAssignment, TeachingAssignment, User
from hocbaso.regulation.catalogue import subjects_for_grade


@dataclass(frozen=True)
class AccountRow:
    username: str
    full_name: str
    phone: str = ""
    is_superuser: bool = False


@dataclass(frozen=True)
class ClassStaffing:
    class_group_id: int
    homeroom_user_id: int | None = None
    subject_teachers: Mapping[str, int] = field(default_factory=dict)  # subject code → user id


def _ensure_system_admin(actor: Actor) -> None:
    if isinstance(actor, SystemActor) or getattr(actor, "is_superuser", False):
        return
    raise ActionError("Chỉ quản trị hệ thống của Sở được tạo tài khoản hàng loạt.")


@transaction.atomic
def bulk_create_accounts(
    rows: Sequence[AccountRow],
    *,
    password_hash: str,
    acting_user: Actor,
    school_id: int | None = None,
) -> list[User]:
    """Create accounts that all start with the same password, given already hashed
    (`make_password`): Argon2 takes a fifth of a second per hash, so hashing once per batch is
    what makes thousands of accounts affordable. Meant for the demo seed, whose password is
    published anyway, and for accounts that must set their own password before use."""
    _ensure_system_admin(acting_user)
    errors: list[str] = []
    for row in rows:
        try:
            User.username_validator(row.username)
        except ValidationError:
            errors.append(f"Tên đăng nhập «{row.username}» chứa kí tự không hợp lệ.")
    names = [row.username for row in rows]
    errors += [f"Tên đăng nhập «{n}» bị trùng trong danh sách." for n in duplicates(names)]
    taken = User.objects.filter(username__in=names).values_list("username", flat=True)
    errors += [f"Tên đăng nhập «{n}» đã tồn tại." for n in sorted(taken)]
    try:
        identify_hasher(password_hash)
    except ValueError:
        errors.append("Mật khẩu ban đầu phải được băm trước khi tạo tài khoản.")
    if errors:
        raise ActionError(errors)
    users = [
        User(
            username=row.username,
            full_name=row.full_name,
            phone=row.phone,
            password=password_hash,
            is_superuser=row.is_superuser,
            is_staff=row.is_superuser,
        )
        for row in rows
    ]
    User.objects.bulk_create(users, batch_size=BATCH_SIZE)
    specs = []
    for user in users:
        new: dict[str, Any] = {"username": user.username, "full_name": user.full_name}
        if user.is_superuser:
            new["superuser"] = True
        specs.append(
            EventSpec("account.created", subject=user, school_id=school_id, data={"new": new})
        )
    log_many(specs, actor=acting_user)
    return users


@transaction.atomic
def assign_class_teachers(
    plan: Sequence[ClassStaffing], *, acting_user: Actor
) -> tuple[list[HomeroomAssignment], list[TeachingAssignment]]:
    """Staff new classes: their homeroom teacher and one teacher per subject. Refused for a
    class or subject that already has someone (replacing goes through `assign_teacher`, which
    ends the current assignment)."""
    ids = [p.class_group_id for p in plan]
    classes = {
        c.pk: c
        for c in ClassGroup.objects.select_for_update(of=("self",))
        .select_related("school")
        .filter(pk__in=ids)
    }
    errors: list[str] = []
    for class_id in sorted(set(ids) - set(classes)):
        errors.append(f"Không tìm thấy lớp mã {class_id}.")
    for class_group in classes.values():
        ensure_manages(
            acting_user,
            class_group.school,
            "Chỉ Ban giám hiệu hoặc quản trị nhà trường được phân công giáo viên.",
        )
    busy_homerooms = set(
        HomeroomAssignment.objects.active()
        .filter(class_group_id__in=ids)
        .values_list("class_group_id", flat=True)
    )
    busy_subjects = set(
        TeachingAssignment.objects.active()
        .filter(class_group_id__in=ids)
        .values_list("class_group_id", "subject_code")
    )
    user_ids = {p.homeroom_user_id for p in plan if p.homeroom_user_id is not None}
    user_ids |= {u for p in plan for u in p.subject_teachers.values()}
    known_users = set(User.objects.filter(pk__in=user_ids).values_list("pk", flat=True))
    for missing in sorted(user_ids - known_users):
        errors.append(f"Không tìm thấy tài khoản giáo viên mã {missing}.")
    for p in plan:
        found = classes.get(p.class_group_id)
        if found is None:
            continue
        if p.homeroom_user_id is not None and found.pk in busy_homerooms:
            errors.append(f"Lớp {found.name} đã có giáo viên chủ nhiệm.")
        offered = set(subjects_for_grade(found.grade))
        for code in p.subject_teachers:
            if code not in offered:
                errors.append(f"Môn «{code}» không có trong chương trình khối {found.grade}.")
            elif (found.pk, code) in busy_subjects:
                errors.append(f"Lớp {found.name} đã có giáo viên dạy môn «{code}».")
    if errors:
        raise ActionError(errors)
    homerooms: list[HomeroomAssignment] = []
    teaching: list[TeachingAssignment] = []
    specs: list[EventSpec] = []
    for p in plan:
        class_group = classes[p.class_group_id]
        school_id = class_group.school_id
        if p.homeroom_user_id is not None:
            homerooms.append(
                HomeroomAssignment(user_id=p.homeroom_user_id, class_group=class_group)
            )
            specs.append(
                EventSpec(
                    "assignment.homeroom_assigned",
                    class_group,
                    {"new": {"user": p.homeroom_user_id}},
                    school_id=school_id,
                )
            )
        for code, user_id in p.subject_teachers.items():
            teaching.append(
                TeachingAssignment(user_id=user_id, class_group=class_group, subject_code=code)
            )
            specs.append(
                EventSpec(
                    "assignment.teaching_assigned",
                    class_group,
                    {"new": {"user": user_id, "subject": code}},
                    school_id=school_id,
                )
            )
    HomeroomAssignment.objects.bulk_create(homerooms, batch_size=BATCH_SIZE)
    TeachingAssignment.objects.bulk_create(teaching, batch_size=BATCH_SIZE)
    log_many(specs, actor=acting_user)
    return homerooms, teaching

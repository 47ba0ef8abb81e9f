"""Actions on pupils' profiles. Each checks access, runs in one transaction and writes its
audit event in that transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from hocbaso.audit.actors import SystemActor
from hocbaso.audit.log import log
from hocbaso.org.models import ClassGroup
from hocbaso.people import access
from hocbaso.people.actions.enrolments import enrol_student
from hocbaso.people.current_enrolment import studies_at
from hocbaso.people.errors import ActionError
from hocbaso.people.models import (
    Enrolment,
    FieldVerification,
    Guardian,
    Student,
    VerificationSource,
)
from hocbaso.people.personal_id import personal_id_errors
from hocbaso.people.profile_fields import FIELDS_BY_NAME, VERIFIABLE_FIELDS
from hocbaso.people.profile_validation import check_personal_id, nfc, parse_profile

Actor = Any  # a User, or a SystemActor for the seed and commands


def _ensure_can_edit(actor: Actor, student: Student) -> None:
    if isinstance(actor, SystemActor):
        return
    access.access_student_for_user(actor, student.pk, write=True)


def _audit_value(name: str, value: Any) -> Any:
    """Values as stored in audit data; the personal ID is never written in clear (B5)."""
    if name == "personal_id":
        return "(đã nhập)" if value else None
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


@transaction.atomic
def update_student_profile(student_id: int, raw: dict[str, Any], *, acting_user: Actor) -> Student:
    student = Student.objects.select_for_update().get(pk=student_id)
    _ensure_can_edit(acting_user, student)
    parsed = parse_profile(raw, partial=True)
    birth_date = parsed.values.get("birth_date", student.birth_date)
    gender = parsed.values.get("gender", student.gender)
    check_personal_id(parsed, birth_date=birth_date, gender=gender)
    if (
        "personal_id" not in parsed.values
        and student.personal_id
        and (birth_date != student.birth_date or gender != student.gender)
    ):
        # The number on file encodes sex and birth year: a new value must still agree with it.
        on_file = personal_id_errors(student.personal_id, birth_date=birth_date, gender=gender)
        for message in on_file:
            parsed.add("personal_id", message)
    if parsed.errors:
        raise ActionError(parsed.errors, parsed.field_errors)
    changes = {
        name: value for name, value in parsed.values.items() if getattr(student, name) != value
    }
    if "personal_id" in changes and changes["personal_id"]:
        clash = Student.objects.filter(personal_id=changes["personal_id"]).exclude(pk=student.pk)
        if clash.exists():
            raise ActionError(
                "Số định danh cá nhân này đã thuộc về một học sinh khác.",
                {"personal_id": ["Số định danh cá nhân này đã thuộc về một học sinh khác."]},
            )
    if not changes:
        return student
    old = {name: _audit_value(name, getattr(student, name)) for name in changes}
    for name, value in changes.items():
        setattr(student, name, value)
    student.save(update_fields=[*changes, "updated_at"])
    log(
        "student.profile_updated",
        actor=acting_user,
        subject=student,
        school_id=student.school_id,
        data={"old": old, "new": {n: _audit_value(n, v) for n, v in changes.items()}},
    )
    return student


@transaction.atomic
def verify_student_field(
    student_id: int, field: str, source: str, *, acting_user: Actor
) -> FieldVerification:
    student = Student.objects.select_for_update().get(pk=student_id)
    _ensure_can_edit(acting_user, student)
    if field not in VERIFIABLE_FIELDS:
        raise ActionError(f"Trường «{field}» không thuộc danh sách cần xác minh.")
    if source not in VerificationSource.values:
        raise ActionError(f"Nguồn xác minh «{source}» không hợp lệ.")
    value = getattr(student, field)
    if value in (None, ""):
        label = FIELDS_BY_NAME[field].label
        raise ActionError(f"{label}: chưa có thông tin để xác minh.")
    verification = FieldVerification.objects.create(
        student=student,
        field=field,
        value_hash=FieldVerification.hash_value(value),
        source=source,
        verified_by=acting_user,
    )
    log(
        "student.field_verified",
        actor=acting_user,
        subject=student,
        school_id=student.school_id,
        data={"new": {"field": field, "source": source}},
    )
    return verification


def _check_class_writable(actor: Actor, class_group: ClassGroup) -> None:
    if isinstance(actor, SystemActor):
        return
    if not access.can_manage_school(actor, class_group.school):
        raise ActionError("Chỉ Ban giám hiệu hoặc quản trị nhà trường được thêm học sinh.")


@transaction.atomic
def create_student(
    raw: dict[str, Any],
    class_group_id: int,
    *,
    acting_user: Actor,
    enrolled_on: dt.date,
    register_number: str = "",
) -> Student:
    class_group = ClassGroup.objects.select_related("school").get(pk=class_group_id)
    _check_class_writable(acting_user, class_group)
    values = _checked_new_profile(raw)
    student = Student.objects.create(school=class_group.school, **values)
    Enrolment.objects.create(
        student=student,
        class_group=class_group,
        enrolled_on=enrolled_on,
        register_number=register_number,
    )
    log(
        "student.created",
        actor=acting_user,
        subject=student,
        school_id=class_group.school_id,
        data={
            "new": {n: _audit_value(n, v) for n, v in values.items()},
            "class": class_group.name,
        },
    )
    return student


def _checked_new_profile(raw: dict[str, Any]) -> dict[str, Any]:
    """A new pupil's profile values (every field required), or ActionError with the reasons."""
    parsed = parse_profile(raw)
    check_personal_id(
        parsed, birth_date=parsed.values.get("birth_date"), gender=parsed.values.get("gender")
    )
    if parsed.errors:
        raise ActionError(parsed.errors, parsed.field_errors)
    pid = parsed.values.get("personal_id")
    if pid and Student.objects.filter(personal_id=pid).exists():
        raise ActionError("Số định danh cá nhân này đã thuộc về một học sinh khác.")
    return parsed.values


@transaction.atomic
def admit_transferred_student(
    class_group_id: int,
    *,
    transfer_in_from: str,
    enrolled_on: dt.date,
    acting_user: Actor,
    student_id: int | None = None,
    profile: dict[str, Any] | None = None,
    moet_code: str = "",
) -> Enrolment:
    """A pupil transferred in from ``transfer_in_from``, enrolled in ``class_group`` that day.

    Exactly one of:

    * ``profile`` (raw values, as `create_student` takes them; ``moet_code`` beside them): a
      pupil this installation does not know, created at the class's school — ``student.created``;
    * ``student_id``: a pupil of this installation — moved from another school they have left
      (no enrolment there still open) — ``student.transferred_in`` —, or returning to this one.

    Then the enrolment with the transfer-in date and the old school (`enrol_student`:
    ``student.enrolled``). Used by the transfer package's receipt (records/transfer/receive).
    """
    class_group = ClassGroup.objects.select_related("school").get(pk=class_group_id)
    _check_class_writable(acting_user, class_group)
    source = nfc(transfer_in_from)
    if not source:
        raise ActionError("Cần ghi rõ trường chuyển đi.")
    if profile is not None and student_id is None:
        student = _create_transferred(profile, moet_code, class_group, source, acting_user)
    elif student_id is not None and profile is None:
        student = Student.objects.select_for_update().select_related("school").get(pk=student_id)
        if student.school_id != class_group.school_id:
            _move_in(student, class_group, source, acting_user)
    else:
        raise ValueError("admit_transferred_student: give student_id or profile, not both")
    return enrol_student(
        student.pk,
        class_group.pk,
        enrolled_on=enrolled_on,
        acting_user=acting_user,
        transfer_in_from=source,
    )


def _create_transferred(
    profile: dict[str, Any], moet_code: str, class_group: ClassGroup, source: str, actor: Actor
) -> Student:
    values = _checked_new_profile(profile)
    moet_code = nfc(moet_code)
    if moet_code and Student.objects.filter(moet_code=moet_code).exists():
        raise ActionError("Mã học sinh (CSDL ngành) này đã thuộc về một học sinh khác.")
    values["moet_code"] = moet_code or None
    student = Student.objects.create(school=class_group.school, **values)
    log(
        "student.created",
        actor=actor,
        subject=student,
        school_id=class_group.school_id,
        data={
            "new": {n: _audit_value(n, v) for n, v in values.items()},
            "class": class_group.name,
            "transfer_in_from": source,
        },
    )
    return student


def _move_in(student: Student, class_group: ClassGroup, source: str, actor: Actor) -> None:
    old_school = student.school
    if studies_at(student.pk, old_school.pk):
        raise ActionError("Trường chuyển đi chưa ghi nhận học sinh chuyển đi.")
    student.school = class_group.school
    student.save(update_fields=["school", "updated_at"])
    log(
        "student.transferred_in",
        actor=actor,
        subject=student,
        school_id=class_group.school_id,
        data={
            "old": {"school": old_school.name, "school_code": old_school.code},
            "new": {
                "school": class_group.school.name,
                "school_code": class_group.school.code,
                "transfer_in_from": source,
            },
        },
    )


@transaction.atomic
def add_guardian(
    student_id: int,
    *,
    relation: str,
    full_name: str,
    phone: str = "",
    acting_user: Actor,
) -> Guardian:
    student = Student.objects.select_for_update().get(pk=student_id)
    _ensure_can_edit(acting_user, student)
    if relation not in Guardian.Relation.values:
        raise ActionError(f"Quan hệ «{relation}» không hợp lệ.")
    guardian = Guardian.objects.create(
        student=student, relation=relation, full_name=full_name, phone=phone
    )
    log(
        "guardian.added",
        actor=acting_user,
        subject=student,
        school_id=student.school_id,
        data={"new": {"relation": relation, "full_name": full_name}},
    )
    return guardian

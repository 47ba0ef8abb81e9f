"""Bulk writes of pupils for the demo seed and large imports: many rows in one transaction,
written with `bulk_create`, with the audit events the single-row actions write.

- `bulk_create_students`: per pupil one `student.created` (like `create_student`), one
  `guardian.added` per guardian (like `add_guardian`), one `student.photo_set` for a photo (like
  `set_student_photo`), and one `student.field_verified` listing every field verified at
  creation (the single-row action writes one per field; at 50,000 pupils that would add
  450,000 events saying the same thing).
- `link_guardian_accounts`: one `guardian.account_linked` per guardian.

Accounts and class staffing in bulk are in `bulk_staff.py`. Every row is checked before
anything is written; a refusal lists every bad row (in Vietnamese) and writes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from hocbaso.audit.actors import SystemActor
from hocbaso.audit.log import EventSpec, log_many
from hocbaso.org.models import ClassGroup, School
from hocbaso.people import access
from hocbaso.people.actions.students import _audit_value
from hocbaso.people.errors import ActionError
from hocbaso.people.models import (
    Enrolment,
    FieldVerification,
    Guardian,
    Student,
    StudentPhoto,
    User,
    VerificationSource,
)
from hocbaso.people.photo_storage import photo_path
from hocbaso.people.profile_fields import VERIFIABLE_FIELDS
from hocbaso.people.profile_validation import check_personal_id, parse_profile

Actor = Any  # a User, or a SystemActor for the seed and commands
BATCH_SIZE = 500


@dataclass(frozen=True)
class GuardianRow:
    relation: str  # Guardian.Relation
    full_name: str
    phone: str = ""


@dataclass(frozen=True)
class StoredPhoto:
    """A photo already normalised and stored by `photo_storage.store_photo`."""

    sha256: str
    width: int
    height: int


@dataclass(frozen=True)
class PupilRow:
    profile: Mapping[str, Any]  # raw values, as a form or an import sheet gives them
    register_number: str = ""
    guardians: tuple[GuardianRow, ...] = ()
    photo: StoredPhoto | None = None
    verified: Mapping[str, str] = field(default_factory=dict)  # field → VerificationSource


@dataclass(frozen=True)
class CreatedPupil:
    student: Student
    guardians: list[Guardian]


def ensure_manages(actor: Actor, school: School, message: str) -> None:
    """Refuse unless the actor is the system or manages the school (shared by bulk actions)."""
    if isinstance(actor, SystemActor):
        return
    if not access.can_manage_school(actor, school):
        raise ActionError(message)


def duplicates(values: Iterable[str]) -> list[str]:
    return sorted(v for v, n in Counter(values).items() if n > 1)


def _check_pupil_rows(
    rows: Sequence[PupilRow], verifier: User | None
) -> tuple[list[dict[str, Any]], list[str]]:
    """Parsed profile values per row, and every problem found (each naming its row)."""
    parsed_rows: list[dict[str, Any]] = []
    errors: list[str] = []
    sources = set(VerificationSource.values)
    digests: set[str] = set()
    for number, row in enumerate(rows, start=1):
        parsed = parse_profile(dict(row.profile))
        check_personal_id(
            parsed, birth_date=parsed.values.get("birth_date"), gender=parsed.values.get("gender")
        )
        problems = list(parsed.errors)
        for guardian in row.guardians:
            if guardian.relation not in Guardian.Relation.values:
                problems.append(f"Quan hệ «{guardian.relation}» không hợp lệ.")
            if not guardian.full_name.strip():
                problems.append("Họ tên cha mẹ/người giám hộ không được để trống.")
        for name, source in row.verified.items():
            if name not in VERIFIABLE_FIELDS:
                problems.append(f"Trường «{name}» không thuộc danh sách cần xác minh.")
            elif source not in sources:
                problems.append(f"Nguồn xác minh «{source}» không hợp lệ.")
            elif parsed.values.get(name) in (None, ""):
                problems.append(f"Trường «{name}»: chưa có thông tin để xác minh.")
        if row.verified and verifier is None:
            problems.append("Cần tài khoản của người xác minh thông tin.")
        if row.photo is not None:
            digests.add(row.photo.sha256)
        errors += [f"Dòng {number}: {message}" for message in problems]
        parsed_rows.append(parsed.values)
    for digest in sorted(digests):
        try:
            stored = photo_path(digest).exists()
        except ValueError:
            stored = False
        if not stored:
            errors.append(f"Ảnh {digest[:12]}… chưa được lưu.")
    ids: list[str] = [v["personal_id"] for v in parsed_rows if v.get("personal_id")]
    clashes: set[str | None] = set(duplicates(ids))
    clashes |= set(
        Student.objects.filter(personal_id__in=ids).values_list("personal_id", flat=True)
    )
    for number, values in enumerate(parsed_rows, start=1):
        if values.get("personal_id") in clashes:
            errors.append(f"Dòng {number}: Số định danh cá nhân này đã thuộc về một học sinh khác.")
    return parsed_rows, errors


@transaction.atomic
def bulk_create_students(
    rows: Sequence[PupilRow],
    class_group_id: int,
    *,
    acting_user: Actor,
    enrolled_on: dt.date,
    verified_by: User | None = None,
) -> list[CreatedPupil]:
    """Create pupils in one class with their enrolment, guardians, photo and the verifications
    already done (`verified_by` is the account that checked them; by default the acting user)."""
    class_group = ClassGroup.objects.select_related("school").get(pk=class_group_id)
    ensure_manages(
        acting_user,
        class_group.school,
        "Chỉ Ban giám hiệu hoặc quản trị nhà trường được thêm học sinh.",
    )
    verifier = verified_by if verified_by is not None else acting_user
    if not isinstance(verifier, User):
        verifier = None
    parsed_rows, errors = _check_pupil_rows(rows, verifier)
    if errors:
        raise ActionError(errors)
    school_id = class_group.school_id
    students = [Student(school_id=school_id, **values) for values in parsed_rows]
    Student.objects.bulk_create(students, batch_size=BATCH_SIZE)
    Enrolment.objects.bulk_create(
        (
            Enrolment(
                student=s,
                class_group=class_group,
                enrolled_on=enrolled_on,
                register_number=r.register_number,
            )
            for s, r in zip(students, rows, strict=True)
        ),
        batch_size=BATCH_SIZE,
    )
    guardians = [
        [
            Guardian(student=s, relation=g.relation, full_name=g.full_name, phone=g.phone)
            for g in r.guardians
        ]
        for s, r in zip(students, rows, strict=True)
    ]
    Guardian.objects.bulk_create([g for group in guardians for g in group], batch_size=BATCH_SIZE)
    FieldVerification.objects.bulk_create(
        (
            FieldVerification(
                student=s,
                field=name,
                value_hash=FieldVerification.hash_value(getattr(s, name)),
                source=source,
                verified_by=verifier,
            )
            for s, r in zip(students, rows, strict=True)
            for name, source in r.verified.items()
        ),
        batch_size=BATCH_SIZE,
    )
    photo_creator = None if isinstance(acting_user, SystemActor) else acting_user
    StudentPhoto.objects.bulk_create(
        (
            StudentPhoto(
                student=s,
                sha256=r.photo.sha256,
                width=r.photo.width,
                height=r.photo.height,
                created_by=photo_creator,
            )
            for s, r in zip(students, rows, strict=True)
            if r.photo is not None
        ),
        batch_size=BATCH_SIZE,
    )
    specs: list[EventSpec] = []
    for student, row, values, group in zip(students, rows, parsed_rows, guardians, strict=True):
        specs.append(
            EventSpec(
                "student.created",
                student,
                {
                    "new": {n: _audit_value(n, v) for n, v in values.items()},
                    "class": class_group.name,
                },
                school_id=school_id,
            )
        )
        data: dict[str, Any]
        for g in group:
            data = {"new": {"relation": g.relation, "full_name": g.full_name}}
            specs.append(EventSpec("guardian.added", student, data, school_id=school_id))
        if row.photo is not None:
            data = {"old": {"sha256": []}, "new": {"sha256": row.photo.sha256}}
            specs.append(EventSpec("student.photo_set", student, data, school_id=school_id))
        if row.verified:
            verified = dict(sorted(row.verified.items()))
            verifier_id = verifier.pk if verifier is not None else None
            data = {"new": {"fields": verified, "verified_by": verifier_id}}
            specs.append(EventSpec("student.field_verified", student, data, school_id=school_id))
    log_many(specs, actor=acting_user)
    return [CreatedPupil(s, g) for s, g in zip(students, guardians, strict=True)]


@transaction.atomic
def link_guardian_accounts(
    links: Sequence[tuple[int, int]], *, acting_user: Actor
) -> list[Guardian]:
    """Give parents their accounts: each (guardian id, user id) pair links the guardian to the
    account, which then sees that pupil in the parents' portal. A guardian already linked to
    another account is refused."""
    wanted = dict(links)
    guardians = list(
        Guardian.objects.select_for_update(of=("self",))
        .select_related("student__school")
        .filter(pk__in=wanted)
        .order_by("pk")
    )
    errors = [
        f"Không tìm thấy cha mẹ/người giám hộ mã {pk}."
        for pk in sorted(set(wanted) - {g.pk for g in guardians})
    ]
    known_users = set(User.objects.filter(pk__in=set(wanted.values())).values_list("pk", flat=True))
    errors += [
        f"Không tìm thấy tài khoản mã {pk}." for pk in sorted(set(wanted.values()) - known_users)
    ]
    for g in guardians:
        ensure_manages(
            acting_user,
            g.student.school,
            "Chỉ Ban giám hiệu hoặc quản trị nhà trường được liên kết tài khoản phụ huynh.",
        )
        if g.user_id is not None and g.user_id != wanted[g.pk]:
            errors.append(f"{g.full_name} đã được liên kết với một tài khoản khác.")
    if errors:
        raise ActionError(errors)
    specs: list[EventSpec] = []
    changed: list[Guardian] = []
    for g in guardians:
        if g.user_id == wanted[g.pk]:
            continue
        g.user_id = wanted[g.pk]
        changed.append(g)
        data = {"new": {"guardian": g.pk, "relation": g.relation, "user": g.user_id}}
        specs.append(
            EventSpec("guardian.account_linked", g.student, data, school_id=g.student.school_id)
        )
    Guardian.objects.bulk_update(changed, ["user"], batch_size=BATCH_SIZE)
    log_many(specs, actor=acting_user)
    return guardians

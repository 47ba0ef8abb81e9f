"""The writes of the plan's records: upload a school's Quy chế (void and replace), record a
training session, mark attendance, and log a dashboard export. Each is atomic, checks access
at its start, locks what it checks and writes its audit event in the same transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from hocbaso.audit.log import log
from hocbaso.org.models import Commune, Province, School
from hocbaso.oversight import access
from hocbaso.oversight.models import SchoolRegulation, TrainingAttendance, TrainingSession
from hocbaso.oversight.staff import staff_ids_of_session
from hocbaso.oversight.storage import MAX_BYTES, REGULATION_FILES
from hocbaso.people.errors import ActionError

MSG_NOT_MANAGER = "Chỉ Ban giám hiệu nhà trường mới được tải lên Quy chế."
MSG_NOT_ORGANISER = "Bạn không được ghi nhận tập huấn cho đơn vị này."
MSG_NOT_PDF = "Quy chế phải là tệp PDF."
MSG_TOO_BIG = "Tệp quy chế lớn hơn 10 MB."
MSG_EMPTY = "Tệp quy chế trống."
MSG_TITLE = "Hãy nhập tên quy chế."
MSG_TOPIC = "Hãy nhập nội dung tập huấn."
MSG_FUTURE = "Ngày ban hành không được sau hôm nay."
MSG_NOT_STAFF = "Người được điểm danh không thuộc đơn vị tổ chức tập huấn."


@transaction.atomic
def upload_regulation(
    school: School, *, title: str, adopted_on: dt.date, data: bytes, acting_user: Any
) -> SchoolRegulation:
    if not access.manages_school(acting_user, school):
        raise ActionError(MSG_NOT_MANAGER)
    title = title.strip()
    errors = []
    if not title:
        errors.append(MSG_TITLE)
    if adopted_on > timezone.localdate():
        errors.append(MSG_FUTURE)
    if not data:
        errors.append(MSG_EMPTY)
    elif len(data) > MAX_BYTES:
        errors.append(MSG_TOO_BIG)
    elif not data.startswith(b"%PDF-"):
        errors.append(MSG_NOT_PDF)
    if errors:
        raise ActionError(errors)
    School.objects.select_for_update().get(pk=school.pk)  # one upload at a time per school
    current = SchoolRegulation.objects.filter(school=school, voided_at__isnull=True).first()
    now = timezone.now()
    if current is not None:
        current.voided_at = now
        current.save(update_fields=["voided_at"])
    digest = REGULATION_FILES.store(data)
    row = SchoolRegulation.objects.create(
        school=school,
        title=title,
        adopted_on=adopted_on,
        sha256=digest,
        size=len(data),
        uploaded_by=acting_user if getattr(acting_user, "pk", None) else None,
        uploaded_at=now,
        supersedes=current,
    )
    log(
        "oversight.regulation_uploaded",
        actor=acting_user,
        subject=row,
        school_id=school.pk,
        data={
            "title": title,
            "adopted_on": adopted_on.isoformat(),
            "sha256": digest,
            "replaces": current.pk if current else None,
        },
    )
    return row


@transaction.atomic
def create_training_session(
    *,
    held_on: dt.date,
    topic: str,
    province: Province | None = None,
    commune: Commune | None = None,
    school: School | None = None,
    acting_user: Any,
) -> TrainingSession:
    if sum(x is not None for x in (province, commune, school)) != 1:
        raise ValueError("exactly one organiser")
    allowed = (
        (province is not None and access.organises_for_province(acting_user, province))
        or (commune is not None and access.organises_for_commune(acting_user, commune))
        or (school is not None and access.manages_school(acting_user, school))
    )
    if not allowed:
        raise ActionError(MSG_NOT_ORGANISER)
    topic = topic.strip()
    if not topic:
        raise ActionError(MSG_TOPIC)
    session = TrainingSession.objects.create(
        province=province,
        commune=commune,
        school=school,
        held_on=held_on,
        topic=topic,
        created_by=acting_user if getattr(acting_user, "pk", None) else None,
    )
    log(
        "oversight.training_created",
        actor=acting_user,
        subject=session,
        school_id=school.pk if school else None,
        data={"topic": topic, "held_on": held_on.isoformat()},
    )
    return session


def _may_organise(user: Any, session: TrainingSession) -> bool:
    if session.province is not None:
        return access.organises_for_province(user, session.province)
    if session.commune is not None:
        return access.organises_for_commune(user, session.commune)
    return session.school is not None and access.manages_school(user, session.school)


@transaction.atomic
def mark_attendance(
    session: TrainingSession, marks: Mapping[int, bool], *, acting_user: Any
) -> int:
    """Set attended yes/no for the given staff (user id → attended); returns how many changed."""
    session = (
        TrainingSession.objects.select_for_update(of=("self",))
        .select_related("province", "commune__province", "school")
        .get(pk=session.pk)
    )
    if not _may_organise(acting_user, session):
        raise ActionError(MSG_NOT_ORGANISER)
    allowed = staff_ids_of_session(session)
    if not set(marks) <= allowed:
        raise ActionError(MSG_NOT_STAFF)
    existing = {a.user_id: a for a in session.attendance.select_for_update()}
    now = timezone.now()
    changes: list[dict[str, Any]] = []
    for user_id, attended in sorted(marks.items()):
        row = existing.get(user_id)
        if row is None:
            TrainingAttendance.objects.create(
                session=session,
                user_id=user_id,
                attended=attended,
                recorded_by=acting_user if getattr(acting_user, "pk", None) else None,
                recorded_at=now,
            )
            changes.append({"user": user_id, "old": None, "new": attended})
        elif row.attended != attended:
            row.attended = attended
            row.recorded_at = now
            row.save(update_fields=["attended", "recorded_at"])
            changes.append({"user": user_id, "old": not attended, "new": attended})
    if changes:
        log(
            "oversight.attendance_marked",
            actor=acting_user,
            subject=session,
            school_id=session.school_id,
            data={"changes": changes},
        )
    return len(changes)


@transaction.atomic
def log_export(level: str, subject: Any, *, rows: int, acting_user: Any) -> None:
    """An exported dashboard table (the class table names pupils)."""
    school_id = getattr(subject, "school_id", None) if level == "class" else None
    if level == "school":
        school_id = subject.pk
    log(
        "oversight.table_exported",
        actor=acting_user,
        subject=subject,
        school_id=school_id,
        data={"level": level, "rows": rows},
    )

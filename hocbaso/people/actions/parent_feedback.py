"""Parents confirm the identity page field by field, or report an error; the homeroom teacher
(or the school's managers) resolves or rejects the report. Each action checks access, runs in
one transaction, writes its audit event there, and refuses bad input in Vietnamese without
changing anything.

A report is never edited: deciding it voids the open row and adds its successor with the
decision (`replaces`).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from hocbaso.audit.log import log
from hocbaso.people import access
from hocbaso.people.errors import ActionError
from hocbaso.people.models import FieldVerification, ProfileReport, Student, VerificationSource
from hocbaso.people.parent_link import guardian_link
from hocbaso.people.profile_display import display_value
from hocbaso.people.profile_fields import FIELDS_BY_NAME, VERIFIABLE_FIELDS

MAX_COMMENT = 1000


def _open_report(student: Student, field: str) -> ProfileReport | None:
    return ProfileReport.objects.filter(
        student=student, field=field, status=ProfileReport.Status.OPEN, voided_at__isnull=True
    ).first()


def _parent_confirmed(student: Student, field: str) -> bool:
    current = FieldVerification.hash_value(getattr(student, field))
    return FieldVerification.objects.filter(
        student=student,
        field=field,
        source=VerificationSource.PARENT_CONFIRMATION,
        value_hash=current,
    ).exists()


@transaction.atomic
def confirm_profile_field(student_id: int, field: str, *, acting_user: Any) -> FieldVerification:
    """The parent confirms the field's value as it is now (a verification of that value)."""
    guardian_link(acting_user, student_id)
    student = Student.objects.select_for_update().get(pk=student_id)
    if field not in VERIFIABLE_FIELDS:
        raise ActionError("Thông tin này không thuộc danh sách cần cha mẹ xác nhận.")
    label = FIELDS_BY_NAME[field].label
    if getattr(student, field) in (None, ""):
        raise ActionError(f"{label}: nhà trường chưa nhập thông tin này, chưa thể xác nhận.")
    if _open_report(student, field) is not None:
        raise ActionError(
            f"{label}: đang có phản ánh chưa được xử lí; chờ giáo viên chủ nhiệm trả lời."
        )
    if _parent_confirmed(student, field):
        raise ActionError(f"{label}: thông tin này đã được xác nhận.")
    verification = FieldVerification.objects.create(
        student=student,
        field=field,
        value_hash=FieldVerification.hash_value(getattr(student, field)),
        source=VerificationSource.PARENT_CONFIRMATION,
        verified_by=acting_user,
    )
    log(
        "student.field_confirmed_by_parent",
        actor=acting_user,
        subject=student,
        school_id=student.school_id,
        data={"new": {"field": field, "source": VerificationSource.PARENT_CONFIRMATION}},
    )
    return verification


@transaction.atomic
def report_profile_error(
    student_id: int, field: str, comment: str, *, acting_user: Any
) -> ProfileReport:
    guardian_link(acting_user, student_id)
    student = Student.objects.select_for_update().get(pk=student_id)
    if field not in FIELDS_BY_NAME:
        raise ActionError("Thông tin được phản ánh không hợp lệ.")
    label = FIELDS_BY_NAME[field].label
    comment = comment.strip()
    if not comment:
        raise ActionError(f"{label}: vui lòng ghi rõ thông tin đúng hoặc điểm sai.")
    if len(comment) > MAX_COMMENT:
        raise ActionError(f"Nội dung phản ánh dài quá {MAX_COMMENT} kí tự.")
    if _open_report(student, field) is not None:
        raise ActionError(f"{label}: đã có phản ánh đang chờ xử lí cho thông tin này.")
    report = ProfileReport.objects.create(
        student=student,
        field=field,
        reported_value=display_value(student, field)[:300],
        comment=comment,
        reporter=acting_user,
        reported_at=timezone.now(),
    )
    log(
        "profile_report.created",
        actor=acting_user,
        subject=student,
        school_id=student.school_id,
        data={"new": {"report": report.pk, "field": field}},
    )
    return report


def _decide(report_id: int, status: str, note: str, *, acting_user: Any) -> ProfileReport:
    report = ProfileReport.objects.select_for_update().select_related("student").get(pk=report_id)
    access.access_student_for_user(acting_user, report.student_id, write=True)
    if report.voided_at is not None or report.status != ProfileReport.Status.OPEN:
        raise ActionError("Phản ánh này đã được xử lí.")
    note = note.strip()
    if not note:
        raise ActionError(
            "Vui lòng ghi chú cách đã xử lí."
            if status == ProfileReport.Status.RESOLVED
            else "Vui lòng ghi lí do không sửa."
        )
    now = timezone.now()
    report.voided_at = now
    report.save(update_fields=["voided_at"])
    decided = ProfileReport.objects.create(
        student=report.student,
        field=report.field,
        reported_value=report.reported_value,
        comment=report.comment,
        reporter=report.reporter,
        reported_at=report.reported_at,
        status=status,
        resolver=acting_user,
        resolution_note=note[:MAX_COMMENT],
        decided_at=now,
        replaces=report,
    )
    log(
        f"profile_report.{status}",
        actor=acting_user,
        subject=report.student,
        school_id=report.student.school_id,
        data={
            "old": {"report": report.pk, "status": ProfileReport.Status.OPEN},
            "new": {"report": decided.pk, "status": status, "field": report.field},
        },
    )
    return decided


@transaction.atomic
def resolve_profile_report(report_id: int, note: str, *, acting_user: Any) -> ProfileReport:
    """The profile was fixed (through `update_student_profile`) or found right after checking
    the papers: close the report with a note the parent reads."""
    return _decide(report_id, ProfileReport.Status.RESOLVED, note, acting_user=acting_user)


@transaction.atomic
def reject_profile_report(report_id: int, reason: str, *, acting_user: Any) -> ProfileReport:
    return _decide(report_id, ProfileReport.Status.REJECTED, reason, acting_user=acting_user)

"""Consent to the optional processing of the register (`consent_texts`): given, withdrawn
(a new row, never an edit), and the child's own consent from age 7, recorded by a parent or by
the school from a signed paper form. Audited; refusals change nothing."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from hocbaso.audit.log import log
from hocbaso.people import access
from hocbaso.people.consent import consent_state, today
from hocbaso.people.consent_texts import PURPOSES_BY_CODE, ConsentPurpose, child_consent_needed
from hocbaso.people.errors import ActionError
from hocbaso.people.models import ConsentRecord, Guardian, Student
from hocbaso.people.parent_link import guardian_link

METHODS = ("portal", "paper")


def _purpose(code: str) -> ConsentPurpose:
    purpose = PURPOSES_BY_CODE.get(code)
    if purpose is None:
        raise ActionError("Mục đích xử lí dữ liệu không có trong danh mục.")
    return purpose


def _check_version(purpose: ConsentPurpose, version: int) -> None:
    if version != purpose.current.version:
        raise ActionError(
            "Văn bản đồng ý đã được cập nhật; vui lòng đọc lại văn bản mới trước khi đồng ý."
        )


def _record(
    student: Student,
    purpose: ConsentPurpose,
    *,
    subject: str,
    decision: str,
    guardian: Guardian | None,
    acting_user: Any,
    method: str = "portal",
) -> ConsentRecord:
    text = purpose.current
    row = ConsentRecord.objects.create(
        student=student,
        purpose=purpose.code,
        text_version=text.version,
        text_sha256=text.sha256,
        subject=subject,
        decision=decision,
        guardian=guardian,
        recorded_by=acting_user,
        method=method,
    )
    log(
        "consent.granted" if decision == ConsentRecord.Decision.GRANTED else "consent.withdrawn",
        actor=acting_user,
        subject=student,
        school_id=student.school_id,
        data={
            "new": {
                "purpose": purpose.code,
                "version": text.version,
                "sha256": text.sha256,
                "subject": subject,
                "method": method,
                "guardian": guardian.pk if guardian else None,
            }
        },
    )
    return row


@transaction.atomic
def give_consent(
    student_id: int, purpose_code: str, *, version: int, child_too: bool = False, acting_user: Any
) -> list[ConsentRecord]:
    """The parent agrees to the text version they were shown; with ``child_too`` they also
    record that the child (aged 7 or more) agreed, where the purpose needs it."""
    link = guardian_link(acting_user, student_id)
    student = Student.objects.select_for_update().get(pk=student_id)
    purpose = _purpose(purpose_code)
    _check_version(purpose, version)
    child_needed = child_consent_needed(purpose, student.birth_date, today())
    if child_too and not child_needed:
        raise ActionError("Mục đích này không cần sự đồng ý riêng của học sinh.")
    state = consent_state(student, purpose.code, guardian_id=link.pk)
    if state.parent_granted and (state.child_granted or not child_too):
        raise ActionError(f"«{purpose.title}»: bạn đã đồng ý văn bản này.")
    rows = []
    if not state.parent_granted:
        rows.append(
            _record(student, purpose, subject=ConsentRecord.Subject.PARENT,
                    decision=ConsentRecord.Decision.GRANTED, guardian=link,
                    acting_user=acting_user)
        )  # fmt: skip
    if child_too:
        rows.append(
            _record(student, purpose, subject=ConsentRecord.Subject.CHILD,
                    decision=ConsentRecord.Decision.GRANTED, guardian=link,
                    acting_user=acting_user)
        )  # fmt: skip
    return rows


@transaction.atomic
def withdraw_consent(student_id: int, purpose_code: str, *, acting_user: Any) -> ConsentRecord:
    link = guardian_link(acting_user, student_id)
    student = Student.objects.select_for_update().get(pk=student_id)
    purpose = _purpose(purpose_code)
    state = consent_state(student, purpose.code, guardian_id=link.pk)
    if state.parent is None or state.parent.decision != ConsentRecord.Decision.GRANTED:
        raise ActionError(f"«{purpose.title}»: chưa có sự đồng ý nào để rút lại.")
    return _record(
        student, purpose, subject=ConsentRecord.Subject.PARENT,
        decision=ConsentRecord.Decision.WITHDRAWN, guardian=link, acting_user=acting_user,
    )  # fmt: skip


@transaction.atomic
def record_child_consent(
    student_id: int,
    purpose_code: str,
    *,
    granted: bool,
    method: str = "paper",
    acting_user: Any,
) -> ConsentRecord:
    """The school records the child's own decision from a signed paper form (the homeroom
    teacher or the school's managers)."""
    access.access_student_for_user(acting_user, student_id, write=True)
    student = Student.objects.select_for_update().get(pk=student_id)
    purpose = _purpose(purpose_code)
    if method not in METHODS:
        raise ActionError("Hình thức ghi nhận không hợp lệ.")
    if not child_consent_needed(purpose, student.birth_date, today()):
        raise ActionError(
            "Chỉ ghi nhận ý kiến riêng của học sinh từ đủ 7 tuổi, cho mục đích cần ý kiến đó."
        )
    decision = ConsentRecord.Decision.GRANTED if granted else ConsentRecord.Decision.WITHDRAWN
    state = consent_state(student, purpose.code)
    if granted and state.child_granted:
        raise ActionError(f"«{purpose.title}»: đã ghi nhận học sinh đồng ý.")
    if not granted and not state.child_granted:
        raise ActionError(f"«{purpose.title}»: học sinh chưa đồng ý nên không có gì để rút lại.")
    return _record(
        student, purpose, subject=ConsentRecord.Subject.CHILD, decision=decision,
        guardian=None, acting_user=acting_user, method=method,
    )  # fmt: skip

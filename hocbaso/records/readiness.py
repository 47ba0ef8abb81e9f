"""Why a pupil's year page cannot be issued yet (issue 5; spec §7.4 "verified"; D5, D11).

Each reason is a Vietnamese sentence for the homeroom teacher or the principal; an empty list
means the page is ready. Nothing is recomputed here: completeness and verification come from
`people.completeness`, locks from `assessment.actions.locks.lock_states`, the CN values, result
and decisions from `assessment.year_end`. A constant number of queries per pupil.
"""

from __future__ import annotations

from hocbaso.assessment.actions.locks import lock_states
from hocbaso.assessment.sheets import sheet_keys, sheet_label
from hocbaso.assessment.year_end import class_year_end
from hocbaso.org.models import ClassGroup, Period
from hocbaso.people.completeness import completeness_for
from hocbaso.people.models import Enrolment, Student
from hocbaso.people.profile_fields import FIELDS_BY_NAME
from hocbaso.records.snapshot import homeroom_teacher_of, principal_of

PERSONAL_ID_LABEL = FIELDS_BY_NAME["personal_id"].label


def _profile(student: Student) -> list[str]:
    (entry,) = completeness_for([student])
    reasons = []
    if not student.personal_id:
        reasons.append(
            "Chưa có số định danh cá nhân: trang học bạ không được ký khi thiếu số này (D11)."
        )
    missing = [str(label) for label in entry.missing if label != PERSONAL_ID_LABEL]
    if missing:
        reasons.append(f"Hồ sơ học sinh còn thiếu: {', '.join(missing)}.")
    if entry.unverified:
        unverified = ", ".join(str(label) for label in entry.unverified)
        reasons.append(f"Hồ sơ học sinh chưa được xác minh: {unverified}.")
    return reasons


def _locks(class_group: ClassGroup) -> list[str]:
    """One query for the periods, then one per period (`lock_states`)."""
    periods = list(Period.objects.filter(school_year_id=class_group.school_year_id))
    present = {p.code for p in periods}
    reasons = [
        f"Năm học chưa có kì đánh giá {label}."
        for code, label in Period.Code.choices
        if code not in present
    ]
    keys = sheet_keys(class_group.grade)
    for period in sorted(periods, key=lambda p: p.order):
        states = lock_states(class_group.school, period, [(class_group, k) for k in keys])
        open_keys = [k for k in keys if not states[(class_group.pk, k)].locked]
        if open_keys:
            sheets = ", ".join(sheet_label(k) for k in open_keys)
            reasons.append(f"{period.get_code_display()} chưa khóa sổ: {sheets}.")
    return reasons


def _year_end(student: Student, class_group: ClassGroup) -> list[str]:
    (pupil,) = class_year_end(class_group, pupils=[student]).pupils
    if pupil.outcome is None:
        return [f"Chưa đủ kết quả cuối năm học: {m}." for m in pupil.missing]
    if pupil.needs_supplementary:
        return ["Học sinh Chưa hoàn thành: chưa có kết quả đánh giá bổ sung."]
    if pupil.needs_decision:
        return [
            "Học sinh vẫn Chưa hoàn thành sau đánh giá bổ sung: chưa có quyết định lên lớp "
            "hoặc ở lại lớp của Hiệu trưởng."
        ]
    return []


def _signers(class_group: ClassGroup) -> list[str]:
    reasons = []
    if homeroom_teacher_of(class_group) is None:
        reasons.append(f"Lớp {class_group.name} chưa có giáo viên chủ nhiệm.")
    if principal_of(class_group) is None:
        reasons.append("Trường chưa có Hiệu trưởng.")
    return reasons


def issuance_blockers(student: Student, class_group: ClassGroup) -> list[str]:
    """Every reason the page of ``student`` in ``class_group`` cannot be issued yet."""
    class_group = ClassGroup.objects.select_related("school", "school_year").get(pk=class_group.pk)
    enrolled = Enrolment.objects.filter(
        student=student, class_group=class_group, transfer_out_on__isnull=True
    ).exists()
    if not enrolled:
        return [f"Học sinh {student.full_name} không học lớp {class_group.name}."]
    return [
        *_profile(student),
        *_locks(class_group),
        *_year_end(student, class_group),
        *_signers(class_group),
    ]

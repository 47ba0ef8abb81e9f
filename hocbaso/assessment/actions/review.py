"""Review before the lock (issue 4): reviewers flag cells, teachers answer, reviewers resolve.

Reviewers of a class (`access.can_review_class`): the group heads of its grade, the
vice-principals and the principal of its school. The teacher who writes the sheet answers.
A flag is open until a reviewer resolves it; an open flag blocks the lock of its sheet unless
the principal overrides with a reason (`actions.locks.lock_entry`). Each step is a
`FlagMessage` row and one audit event, in one transaction.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from hocbaso.assessment.access import (
    access_sheet_for_user,
    can_review_class,
    can_write_sheet,
    writable_sheets,
)
from hocbaso.assessment.models import FlagMessage, ReviewFlag, Sheet
from hocbaso.assessment.sheets import sheet_columns, sheet_label
from hocbaso.audit.log import log
from hocbaso.org.models import ClassGroup, Period
from hocbaso.people import access as people_access
from hocbaso.people.errors import ActionError
from hocbaso.people.models import Enrolment

TEXT_MAX = 1000
OPEN_STATUSES = (ReviewFlag.Status.OPEN, ReviewFlag.Status.ANSWERED)


def _clean(text: str, what: str) -> str:
    text = unicodedata.normalize("NFC", text or "").strip()
    if not text:
        raise ActionError(f"Hãy nhập {what}.", {"text": [f"Hãy nhập {what}."]})
    if len(text) > TEXT_MAX:
        raise ActionError(f"Nội dung dài quá {TEXT_MAX} kí tự.")
    return text


def open_flags(
    period: Period, classes: list[ClassGroup] | QuerySet[ClassGroup], key: str = ""
) -> QuerySet[ReviewFlag]:
    flags = ReviewFlag.objects.filter(
        sheet__period=period, sheet__class_group__in=classes, status__in=OPEN_STATUSES
    )
    return flags.filter(sheet__key=key) if key else flags


def open_flag_counts(period: Period, classes: list[ClassGroup]) -> dict[int, int]:
    """{class id: number of open flags} for the principal's board."""
    rows = (
        open_flags(period, classes)
        .values("sheet__class_group_id")
        .annotate(n=Count("pk"))
        .values_list("sheet__class_group_id", "n")
    )
    return dict(rows)


def _event(action: str, flag: ReviewFlag, sheet: Sheet, user: Any, text: str) -> None:
    where = f"{sheet_label(sheet.key)} lớp {sheet.class_group.name} {sheet.period.code}"
    who = f", {flag.student.full_name}" if flag.student is not None else ""
    log(
        action,
        actor=user,
        subject=flag,
        subject_label=f"Cờ rà soát số {flag.pk} — {where}{who}",
        school_id=sheet.class_group.school_id,
        data={
            "sheet": sheet.pk,
            "class": sheet.class_group_id,
            "period": sheet.period.code,
            "key": sheet.key,
            "student": flag.student_id,
            "code": flag.code,
            "status": flag.status,
            "text": text,
        },
    )


@transaction.atomic
def raise_flag(
    class_id: int,
    period_code: str,
    key: str,
    *,
    student_id: int | None,
    code: str,
    text: str,
    acting_user: Any,
) -> ReviewFlag:
    ref = access_sheet_for_user(acting_user, class_id, period_code, key)
    if not can_review_class(acting_user, ref.class_group):
        raise PermissionDenied
    text = _clean(text, "nội dung cần xem lại")
    codes = {c.code for c in sheet_columns(key, ref.class_group.grade, period_code)}
    if code and code not in codes:
        raise ActionError(f"Mã «{code}» không thuộc sổ này.")
    if student_id is not None:
        in_class = Enrolment.objects.filter(
            class_group=ref.class_group, student_id=student_id, transfer_out_on__isnull=True
        ).exists()
        if not in_class:
            raise ActionError("Học sinh không thuộc lớp này.")
    elif code:
        raise ActionError("Gắn cờ một ô cần chọn học sinh.")
    sheet, _ = Sheet.objects.get_or_create(class_group=ref.class_group, period=ref.period, key=key)
    now = timezone.now()
    flag = ReviewFlag.objects.create(
        sheet=sheet,
        student_id=student_id,
        code=code,
        raised_by=acting_user,
        raised_at=now,
        updated_at=now,
    )
    FlagMessage.objects.create(
        flag=flag, kind=FlagMessage.Kind.RAISED, text=text, author=acting_user, created_at=now
    )
    _event("review.flag_raised", flag, sheet, acting_user, text)
    return flag


def _flag_for(flag_id: int, acting_user: Any) -> tuple[ReviewFlag, Sheet]:
    flag = (
        ReviewFlag.objects.select_for_update()
        .filter(pk=flag_id)
        .select_related("sheet__class_group__school", "sheet__period")
        .first()
    )
    if flag is None:
        raise ActionError("Không tìm thấy cờ rà soát.")
    sheet = flag.sheet
    # 404 when the class is invisible to the user (raises Http404), as for every object.
    people_access.access_class_for_user(acting_user, sheet.class_group_id)
    return flag, sheet


def _append(flag: ReviewFlag, kind: str, text: str, user: Any, status: str) -> None:
    now = timezone.now()
    flag.status = status
    flag.updated_at = now
    flag.save(update_fields=["status", "updated_at"])
    FlagMessage.objects.create(flag=flag, kind=kind, text=text, author=user, created_at=now)


@transaction.atomic
def answer_flag(flag_id: int, *, text: str, acting_user: Any) -> ReviewFlag:
    """The teacher of the sheet answers (a reviewer may add a comment the same way)."""
    flag, sheet = _flag_for(flag_id, acting_user)
    writer = can_write_sheet(acting_user, sheet.class_group, sheet.key)
    if not writer and not can_review_class(acting_user, sheet.class_group):
        raise PermissionDenied
    if flag.status == ReviewFlag.Status.RESOLVED:
        raise ActionError("Cờ này đã được đóng; người rà soát có thể mở lại nếu cần.")
    text = _clean(text, "câu trả lời")
    status = ReviewFlag.Status.ANSWERED if writer else flag.status
    _append(flag, FlagMessage.Kind.ANSWER, text, acting_user, status)
    _event("review.flag_answered", flag, sheet, acting_user, text)
    return flag


@transaction.atomic
def resolve_flag(flag_id: int, *, text: str = "", acting_user: Any) -> ReviewFlag:
    flag, sheet = _flag_for(flag_id, acting_user)
    if not can_review_class(acting_user, sheet.class_group):
        raise PermissionDenied
    if flag.status == ReviewFlag.Status.RESOLVED:
        raise ActionError("Cờ này đã được đóng.")
    text = unicodedata.normalize("NFC", text or "").strip()[:TEXT_MAX] or "Đã xem, đồng ý."
    _append(flag, FlagMessage.Kind.RESOLVED, text, acting_user, ReviewFlag.Status.RESOLVED)
    _event("review.flag_resolved", flag, sheet, acting_user, text)
    return flag


@transaction.atomic
def reopen_flag(flag_id: int, *, text: str, acting_user: Any) -> ReviewFlag:
    flag, sheet = _flag_for(flag_id, acting_user)
    if not can_review_class(acting_user, sheet.class_group):
        raise PermissionDenied
    if flag.status != ReviewFlag.Status.RESOLVED:
        raise ActionError("Cờ này vẫn đang mở.")
    text = _clean(text, "lí do mở lại")
    _append(flag, FlagMessage.Kind.REOPENED, text, acting_user, ReviewFlag.Status.OPEN)
    _event("review.flag_reopened", flag, sheet, acting_user, text)
    return flag


def flags_of_sheet(sheet: Sheet | None) -> list[ReviewFlag]:
    if sheet is None:
        return []
    return list(
        ReviewFlag.objects.filter(sheet=sheet)
        .select_related("raised_by", "student")
        .prefetch_related("messages__author")
        .order_by("status", "-updated_at")
    )


def open_flags_for_teacher(user: Any) -> QuerySet[ReviewFlag]:
    """Open flags on the sheets this user writes (the teacher's to-do list)."""
    condition = Q(pk__in=[])
    for class_group, key in writable_sheets(user):
        condition |= Q(sheet__class_group_id=class_group.pk, sheet__key=key)
    return (
        ReviewFlag.objects.filter(condition, status__in=OPEN_STATUSES)
        .select_related("sheet__class_group", "sheet__period", "student")
        .order_by("-updated_at")
    )

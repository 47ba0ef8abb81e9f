"""A pupil's history: the audit events about the pupil, and every version of every
assessment value (current and voided), grouped school year → period → sheet → code.

A constant number of queries whatever the number of versions: the entries come with their
sheet, period, year, class, authors and save (and its correction, if any) in one query, the
corrections' biên bản in one more.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext_lazy as _

from hocbaso.assessment.models import CorrectionRequest, Entry
from hocbaso.assessment.sheets import sheet_label
from hocbaso.audit.models import AuditEvent
from hocbaso.inspection.trail import TrailRow, local_time, trail_row
from hocbaso.people.models import Student
from hocbaso.regulation import catalogue

STUDENT_SUBJECT_TYPE = "people.student"
MAX_EVENTS = 1000  # the newest ones; a pupil rarely has more

SOURCE_LABELS: dict[str, Any] = {
    "grid": _("Nhập trên sổ điểm"),
    "xlsx": _("Tải lên tệp Excel"),
    "seed": _("Dữ liệu mẫu"),
    "correction": _("Sửa sau khóa sổ"),
}


def _person(user: Any) -> str:
    if user is None:
        return str(_("hệ thống"))
    return f"{user.full_name or user.username} ({user.username})"


def _when(moment: dt.datetime | None) -> str:
    return local_time(moment) if moment else ""


@dataclass(frozen=True)
class CorrectionInfo:
    number: str
    reason: str
    decided_by: str
    decided_at: str
    bien_bans: list[str]


@dataclass(frozen=True)
class Version:
    entry: Entry
    entered_by: str
    entered_at: str
    source: str
    source_label: str
    correction: CorrectionInfo | None
    is_current: bool
    voided_by: str
    voided_at: str


@dataclass
class CodeHistory:
    code: str
    label: str
    versions: list[Version] = field(default_factory=list)


@dataclass
class SheetHistory:
    key: str
    label: str
    class_name: str
    codes: dict[str, CodeHistory] = field(default_factory=dict)


@dataclass
class PeriodHistory:
    code: str
    label: str
    sheets: dict[str, SheetHistory] = field(default_factory=dict)


@dataclass
class YearHistory:
    code: str
    periods: dict[str, PeriodHistory] = field(default_factory=dict)


@dataclass(frozen=True)
class StudentHistory:
    student: Student
    events: list[TrailRow]
    years: list[YearHistory]
    versions: int


def _code_label(kind: str, code: str) -> str:
    try:
        if kind == Entry.Kind.QUALITY:
            return catalogue.quality_name(code)
        if kind == Entry.Kind.COMPETENCY:
            return catalogue.competency_name(code)
        return catalogue.subject_name(code)
    except KeyError:
        return code


def _sheet_label(key: str) -> str:
    try:
        return sheet_label(key)
    except KeyError:
        return key


def _correction(entry: Entry) -> CorrectionInfo | None:
    record = entry.save_record
    if record is None:
        return None
    try:
        request: CorrectionRequest = record.correction
    except ObjectDoesNotExist:
        return None
    return CorrectionInfo(
        number=request.number,
        reason=request.reason,
        decided_by=_person(request.decided_by) if request.decided_by_id else "",
        decided_at=_when(request.decided_at),
        bien_bans=[
            f"{b.get_source_display()} · {_when(b.created_at)}" for b in request.bien_bans.all()
        ],
    )


def _version(entry: Entry) -> Version:
    source = entry.save_record.source if entry.save_record else ""
    return Version(
        entry=entry,
        entered_by=_person(entry.created_by),
        entered_at=_when(entry.created_at),
        source=source,
        source_label=str(SOURCE_LABELS.get(source, source)),
        correction=_correction(entry),
        is_current=entry.voided_at is None,
        voided_by=_person(entry.voided_by) if entry.voided_by_id else "",
        voided_at=_when(entry.voided_at),
    )


def entry_versions(student: Student) -> list[Entry]:
    return list(
        Entry.objects.filter(student=student)
        .select_related(
            "sheet__period__school_year",
            "sheet__class_group",
            "created_by",
            "voided_by",
            "save_record__correction__decided_by",
        )
        .prefetch_related("save_record__correction__bien_bans")
        .order_by(
            "-sheet__period__school_year__code",
            "sheet__period__order",
            "sheet__key",
            "code",
            "created_at",
            "pk",
        )
    )


def student_history(student: Student) -> StudentHistory:
    events = (
        AuditEvent.objects.filter(subject_type=STUDENT_SUBJECT_TYPE, subject_id=str(student.pk))
        .order_by("-created_at", "-pk")
        .only(
            "created_at",
            "action",
            "actor_label",
            "subject_label",
            "data",
            "ip",
            "request_id",
            "bien_ban_id",
            "chain",
            "seq",
        )[:MAX_EVENTS]
    )
    years: dict[str, YearHistory] = {}
    entries = entry_versions(student)
    for entry in entries:
        sheet = entry.sheet
        period = sheet.period
        year = years.setdefault(period.school_year.code, YearHistory(period.school_year.code))
        p = year.periods.setdefault(
            period.code, PeriodHistory(period.code, period.get_code_display())
        )
        s = p.sheets.setdefault(
            sheet.key, SheetHistory(sheet.key, _sheet_label(sheet.key), sheet.class_group.name)
        )
        c = s.codes.setdefault(
            entry.code, CodeHistory(entry.code, _code_label(entry.kind, entry.code))
        )
        c.versions.append(_version(entry))
    return StudentHistory(
        student=student,
        events=[trail_row(e) for e in events],
        years=list(years.values()),
        versions=len(entries),
    )

"""The Excel round trip of one sheet: `export_sheet` (an audited download) and `import_sheet`
(a dry run listing every field that would change, or an apply through `save_sheet`).

Which cells an upload changes is decided against the values *as downloaded*: the file's marker
carries the sheet version it was read at, and the void-and-replace history gives back every
cell's value at that version. A cell counts as edited when the file differs from that value;
cells nobody touched in the file are not sent, so a colleague's later save of other cells is
kept. An edited cell that someone else changed after the download is a conflict: listed by the
dry run, and refused again by `save_sheet` (base version = the marker's) if it appears between
the dry run and the apply. Empty cells mean "no change"; the word XÓA clears (workbook.py).

The file is checked and parsed (in the limited subprocess of the pupils import) before any
transaction opens; the apply then re-plans under the sheet's row lock and writes all or
nothing, with the one `assessment.sheet_saved` event of `save_sheet` (source "xlsx").
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.text import slugify

from hocbaso.assessment.access import SheetRef, access_sheet_for_user
from hocbaso.assessment.actions.save_sheet import (
    COMMENT_MAX,
    CellInput,
    CellValue,
    SheetConflict,
    save_sheet,
)
from hocbaso.assessment.models import Entry, Sheet
from hocbaso.assessment.sheets import Column, sheet_columns, sheet_label
from hocbaso.assessment.workbook import (
    COMMENT,
    FIELD_LABELS,
    LEVEL,
    SCORE,
    FileRow,
    Marker,
    PupilLine,
    build_workbook,
    is_clear_word,
    parse_body,
    read_sheet_rows,
    split_marker,
)
from hocbaso.audit.log import log
from hocbaso.org.models import Period
from hocbaso.people.errors import ActionError
from hocbaso.people.exports.cells import XLSX_CONTENT_TYPE, ExportFile
from hocbaso.people.imports.report import ImportRejected, RowError
from hocbaso.people.models import Enrolment
from hocbaso.regulation.cells import check_rated_cell, check_subject_cell
from hocbaso.regulation.types import Period as PeriodCode

Cell = tuple[int, str]  # (student id, column code)

OTHER_CLASS = "Tệp này là sổ của một lớp khác, không phải lớp {name}. Hãy tải lên đúng tệp của sổ."
OTHER_PERIOD = (
    "Tệp này là sổ kì «{found}», không phải kì «{expected}». Hãy tải lên đúng tệp của sổ."
)
OTHER_KEY = "Tệp này là sổ «{found}», không phải sổ «{expected}». Hãy tải lên đúng tệp của sổ."
NEWER_THAN_SHEET = "Phiên bản ghi trong tệp mới hơn sổ hiện tại; hãy tải lại tệp Excel của sổ."
CONFLICT = (
    "{where}: đã được sửa trên hệ thống sau khi bạn tải tệp (hiện là «{theirs}», tệp ghi "
    "«{yours}»). Hãy tải lại tệp Excel của sổ rồi nhập lại ô này."
)


@dataclass(frozen=True)
class FieldChange:
    row: int
    student_id: int
    student_name: str
    column: str
    field: str
    old: str
    new: str


@dataclass
class SheetImportReport:
    file_name: str
    sha256: str
    dry_run: bool
    base_version: int | None = None
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    changes: list[FieldChange] = field(default_factory=list)
    applied: bool = False
    version: int | None = None  # the sheet's version after an apply

    @property
    def file_rejected(self) -> bool:
        return any(e.row is None for e in self.errors)

    @property
    def can_apply(self) -> bool:
        return self.dry_run and not self.errors and bool(self.changes)


def _shown(field_name: str, value: CellValue) -> str:
    raw = {LEVEL: value.level, SCORE: value.score, COMMENT: value.comment}[field_name]
    return "trống" if raw in ("", None) else str(raw)


def _whole(value: CellValue) -> str:
    parts = [value.level or "trống"]
    if value.score is not None:
        parts.append(str(value.score))
    if value.comment:
        parts.append(value.comment)
    return " · ".join(parts)


def values_at(sheet: Sheet | None, version: int) -> dict[Cell, CellValue]:
    """Every cell of the sheet as it stood at `version` (rows are never edited, only voided
    and replaced by a row of a later version, so the latest row up to `version` is it)."""
    if sheet is None:
        return {}
    rows = Entry.objects.filter(sheet=sheet, sheet_version__lte=version).order_by("sheet_version")
    return {(e.student_id, e.code): CellValue(e.level, e.score, e.comment) for e in rows}


def _pupils(ref: SheetRef) -> list[Enrolment]:
    return list(
        Enrolment.objects.filter(class_group=ref.class_group, transfer_out_on__isnull=True)
        .select_related("student")
        .order_by("student__full_name", "student__pk")
    )


def _title(ref: SheetRef, version: int) -> str:
    return (
        f"Sổ nhập đánh giá — {ref.class_group.school.name} — Lớp {ref.class_group.name} — "
        f"{ref.period.get_code_display()} {ref.class_group.school_year.code} — "
        f"{sheet_label(ref.key)} (phiên bản {version})"
    )


@transaction.atomic
def export_sheet(class_id: int, period_code: str, key: str, *, acting_user: Any) -> ExportFile:
    """The sheet as an .xlsx for anyone who may read the class, and its `export.sheet` event.
    Raises Http404 for a class, period or sheet the actor may not see."""
    ref = access_sheet_for_user(acting_user, class_id, period_code, key)
    sheet = Sheet.objects.filter(class_group=ref.class_group, period=ref.period, key=key).first()
    version = sheet.version if sheet else 0
    values = values_at(sheet, version)
    columns = sheet_columns(key, ref.class_group.grade, ref.period.code)
    lines = []
    for enrolment in _pupils(ref):
        line: dict[tuple[str, str], str | int | None] = {}
        for column in columns:
            value = values.get((enrolment.student_id, column.code))
            if value is not None:
                line[(column.code, LEVEL)] = value.level
                line[(column.code, SCORE)] = value.score
                line[(column.code, COMMENT)] = value.comment
        lines.append(PupilLine(enrolment.student_id, enrolment.student.full_name, line))
    marker = Marker(ref.class_group.pk, ref.period.code, key, version)
    content = build_workbook(
        marker=marker, title=_title(ref, version), columns=columns, pupils=lines
    )
    year = ref.class_group.school_year.code
    name = slugify(f"so-{ref.class_group.name}-{ref.period.code}-{key}-{year}") + ".xlsx"
    log(
        "export.sheet",
        actor=acting_user,
        subject=sheet or ref.class_group,
        school_id=ref.class_group.school_id,
        data={
            "class": ref.class_group.name,
            "period": ref.period.code,
            "key": key,
            "version": version,
            "rows": len(lines),
            "file_name": name,
        },
    )
    return ExportFile(name, XLSX_CONTENT_TYPE, content)


def _check_marker(marker: Marker, ref: SheetRef) -> None:
    if marker.class_id != ref.class_group.pk:
        raise ImportRejected(OTHER_CLASS.format(name=ref.class_group.name))
    if marker.period_code != ref.period.code:
        found = dict(Period.Code.choices).get(marker.period_code, marker.period_code)
        raise ImportRejected(
            OTHER_PERIOD.format(found=found, expected=ref.period.get_code_display())
        )
    if marker.key != ref.key:
        raise ImportRejected(
            OTHER_KEY.format(found=_label_or_code(marker.key), expected=sheet_label(ref.key))
        )


def _label_or_code(key: str) -> str:
    try:
        return sheet_label(key)
    except KeyError:
        return key


@dataclass
class _Plan:
    cells: list[CellInput] = field(default_factory=list)
    changes: list[FieldChange] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def _wanted(
    row: FileRow, column: Column, ref: SheetRef, old: CellValue, name: str, errors: list[str]
) -> dict[str, Any]:
    """The fields of one cell the file sets (a missing key means "no change"). `old` is the
    cell as downloaded: XÓA in the level clears the score too, unless a new score is typed."""
    where = f"{name} — {column.label}"
    raw = {f: row.fields.get((column.code, f)) for f in (LEVEL, SCORE, COMMENT)}
    cleared = {f for f, text in raw.items() if text is not None and is_clear_word(text)}
    typed = {f: text for f, text in raw.items() if text is not None and f not in cleared}
    if LEVEL in cleared and SCORE in typed:
        if typed[SCORE] != str(old.score):
            errors.append(f"{where}: vừa ghi {raw[LEVEL]} ở mức đạt được vừa nhập điểm KTĐK mới.")
        del typed[SCORE]
    if LEVEL in cleared:
        cleared.add(SCORE)
    out: dict[str, Any] = {f: ("" if f != SCORE else None) for f in cleared}
    if column.kind == Entry.Kind.SUBJECT:
        check = check_subject_cell(
            column.code,
            ref.class_group.grade,
            PeriodCode(ref.period.code),
            typed.get(LEVEL),
            typed.get(SCORE),
        )
    else:
        check = check_rated_cell(column.label, typed.get(LEVEL))
    errors.extend(f"{name} — {e}" for e in check.errors)  # each names its column already
    if LEVEL in typed:
        out[LEVEL] = check.level or ""
    if SCORE in typed:
        out[SCORE] = check.score
    if COMMENT in typed:
        comment = unicodedata.normalize("NFC", typed[COMMENT]).strip()
        if len(comment) > COMMENT_MAX:
            errors.append(f"{where}: nhận xét dài quá {COMMENT_MAX} kí tự.")
        out[COMMENT] = comment
    return out


def _plan(ref: SheetRef, marker: Marker, body: list[FileRow], sheet: Sheet | None) -> _Plan:
    plan = _Plan()
    version = sheet.version if sheet else 0
    if marker.version > version:
        plan.errors.append(RowError(None, NEWER_THAN_SHEET))
        return plan
    columns = sheet_columns(ref.key, ref.class_group.grade, ref.period.code)
    pupils = {e.student_id: e.student.full_name for e in _pupils(ref)}
    base = values_at(sheet, marker.version)
    current: dict[Cell, Entry] = {}
    if sheet is not None:
        current = {(e.student_id, e.code): e for e in Entry.objects.current().filter(sheet=sheet)}
    seen: dict[int, int] = {}
    empty = CellValue("", None, "")
    for row in body:
        errors: list[str] = []
        student_id = int(row.raw_id) if row.raw_id.isdigit() else None
        name = pupils.get(student_id or 0)
        if not row.raw_id:
            errors.append("thiếu Mã HS.")
        elif name is None:
            errors.append(
                f"Mã HS «{row.raw_id}» không phải học sinh đang học lớp {ref.class_group.name}."
            )
        elif student_id in seen:
            errors.append(f"học sinh {name} (Mã HS {student_id}) đã có ở dòng {seen[student_id]}.")
        elif row.full_name != " ".join(unicodedata.normalize("NFC", name).split()):
            errors.append(
                f"Mã HS {student_id} là học sinh {name}, nhưng tệp ghi «{row.full_name}»; "
                "không sắp xếp hay sửa riêng cột Mã HS, Họ và tên."
            )
        if row.extra:
            errors.append("có dữ liệu ở ngoài các cột của mẫu.")
        if errors or student_id is None or name is None:
            plan.errors.extend(RowError(row.number, e) for e in errors)
            continue
        seen[student_id] = row.number
        for column in columns:
            where = f"{name} — {column.label}"
            old = base.get((student_id, column.code), empty)
            known = len(errors)
            set_fields = _wanted(row, column, ref, old, name, errors)
            if len(errors) > known:
                continue
            edited = {f: v for f, v in set_fields.items() if v != getattr(old, f)}
            entry = current.get((student_id, column.code))
            now = CellValue(entry.level, entry.score, entry.comment) if entry else empty
            wanted = CellValue(
                edited.get(LEVEL, now.level),
                edited.get(SCORE, now.score),
                edited.get(COMMENT, now.comment),
            )
            if not edited or wanted == now:
                continue
            if entry is not None and entry.sheet_version > marker.version:
                errors.append(
                    CONFLICT.format(where=where, theirs=_whole(now), yours=_whole(wanted))
                )
                continue
            plan.cells.append(
                CellInput(student_id, column.code, wanted.level, wanted.score, wanted.comment)
            )
            plan.changes.extend(
                FieldChange(
                    row.number,
                    student_id,
                    name,
                    column.label,
                    FIELD_LABELS[f],
                    _shown(f, now),
                    _shown(f, wanted),
                )
                for f in (LEVEL, SCORE, COMMENT)
                if getattr(now, f) != getattr(wanted, f)
            )
        plan.errors.extend(RowError(row.number, e) for e in errors)
    return plan


def _idempotency_key(acting_user: Any, sha256: str) -> str:
    return f"xlsx:{getattr(acting_user, 'pk', '')}:{sha256}"[:64]


def import_sheet(
    class_id: int,
    period_code: str,
    key: str,
    file_bytes: bytes,
    filename: str,
    *,
    acting_user: Any,
    dry_run: bool = True,
) -> SheetImportReport:
    """Check an uploaded .xlsx of the sheet; unless `dry_run`, write its changes (all or
    nothing). Raises Http404/PermissionDenied like `access_sheet_for_user(write=True)`; every
    problem with the file is in `report.errors`, and then nothing is written."""
    ref = access_sheet_for_user(acting_user, class_id, period_code, key, write=True)
    sha256 = hashlib.sha256(file_bytes).hexdigest()
    report = SheetImportReport(file_name=filename, sha256=sha256, dry_run=dry_run)
    try:
        marker, rows = split_marker(read_sheet_rows(file_bytes, filename))
        _check_marker(marker, ref)
        columns = sheet_columns(key, ref.class_group.grade, ref.period.code)
        body = parse_body(rows, columns)
    except ImportRejected as rejected:
        report.errors.append(RowError(None, rejected.message))
        return report
    report.base_version = marker.version
    report.rows = len(body)
    with transaction.atomic():
        sheet = (
            Sheet.objects.select_for_update()
            .filter(class_group=ref.class_group, period=ref.period, key=key)
            .first()
        )
        plan = _plan(ref, marker, body, sheet)
        report.errors = sorted(plan.errors, key=lambda e: e.row or 0)
        report.changes = plan.changes
        if dry_run or report.errors or not plan.cells:
            return report
        try:
            outcome = save_sheet(
                class_id,
                period_code,
                key,
                plan.cells,
                base_version=marker.version,
                idempotency_key=_idempotency_key(acting_user, sha256),
                acting_user=acting_user,
                source="xlsx",
            )
        except SheetConflict as conflict:
            report.errors = [RowError(None, c.message()) for c in conflict.conflicts]
            return report
        except ActionError as refused:
            report.errors = [RowError(None, m) for m in refused.messages]
            return report
    report.applied = True
    report.version = outcome.version
    return report

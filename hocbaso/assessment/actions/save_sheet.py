"""`save_sheet`: one transaction per save of a sheet, idempotent and versioned.

- The sheet row is locked FOR UPDATE: saves of one sheet are serialised, and the lock check
  (`actions.locks.lock_state`: refused with `SheetLocked`) sits right there, inside the same
  transaction as the write, so a save never commits after a lock (`actions/locks.py`).
- A retried request carries the same idempotency key and gets the first answer back.
- A save based on an older version is refused for every cell someone else changed since,
  with both values (two tabs never overwrite each other silently); other cells merge.
- A changed cell voids its current row and adds a new one (never edited).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from hocbaso.assessment.access import access_sheet_for_user
from hocbaso.assessment.actions.locks import SheetLocked, lock_state
from hocbaso.assessment.models import Entry, Sheet, SheetSave
from hocbaso.assessment.sheets import sheet_columns
from hocbaso.audit.actors import SystemActor
from hocbaso.audit.log import log
from hocbaso.people.errors import ActionError
from hocbaso.people.models import Enrolment
from hocbaso.regulation.cells import check_rated_cell, check_subject_cell
from hocbaso.regulation.types import Period as PeriodCode

COMMENT_MAX = 500


@dataclass(frozen=True)
class CellInput:
    student_id: int
    code: str
    level: object = None
    score: object = None
    comment: object = ""


@dataclass(frozen=True)
class CellValue:
    level: str
    score: int | None
    comment: str

    def as_dict(self) -> dict[str, Any]:
        return {"level": self.level, "score": self.score, "comment": self.comment}


@dataclass(frozen=True)
class Conflict:
    student_id: int
    student_name: str
    code: str
    label: str
    theirs: CellValue
    yours: CellValue

    def message(self) -> str:
        return (
            f"{self.student_name} — {self.label}: đã được sửa ở nơi khác thành "
            f"«{_shown(self.theirs)}», bạn nhập «{_shown(self.yours)}»."
        )


class SheetConflict(Exception):
    def __init__(self, conflicts: list[Conflict], version: int) -> None:
        self.conflicts = conflicts
        self.version = version
        super().__init__("; ".join(c.message() for c in conflicts))


@dataclass
class SaveOutcome:
    version: int
    changed: int
    saved_at: str
    replayed: bool = False
    changed_cells: list[tuple[int, str]] = field(default_factory=list)


def _shown(value: CellValue) -> str:
    parts = [value.level or "trống"]
    if value.score is not None:
        parts.append(str(value.score))
    if value.comment:
        parts.append(value.comment)
    return " · ".join(parts)


def _clean_comment(raw: object) -> str:
    text = "" if raw is None else unicodedata.normalize("NFC", str(raw)).strip()
    return text


@transaction.atomic
def save_sheet(
    class_id: int,
    period_code: str,
    key: str,
    cells: list[CellInput],
    *,
    base_version: int,
    idempotency_key: str,
    acting_user: Any,
    source: str = "grid",
) -> SaveOutcome:
    if not idempotency_key or len(idempotency_key) > 64:
        raise ActionError("Thiếu mã chống lưu trùng (idempotency key) hợp lệ.")
    previous = (
        SheetSave.objects.filter(idempotency_key=idempotency_key).select_related("sheet").first()
    )
    if previous is not None:
        if previous.created_by_id != getattr(acting_user, "pk", None):
            raise ActionError("Mã chống lưu trùng đã được dùng cho một lần lưu khác.")
        return SaveOutcome(
            version=previous.version,
            changed=previous.changed,
            saved_at=previous.created_at.isoformat(),
            replayed=True,
        )
    ref = access_sheet_for_user(acting_user, class_id, period_code, key, write=True)
    class_group, period = ref.class_group, ref.period
    Sheet.objects.get_or_create(class_group=class_group, period=period, key=key)
    sheet = Sheet.objects.select_for_update().get(class_group=class_group, period=period, key=key)
    # Under the row lock (ASVS 15.4.2): a concurrent lock_entry has either committed, and is
    # seen here, or waits for this save. System actors (the demo seed) back-fill past periods.
    if not isinstance(acting_user, SystemActor):
        state = lock_state((class_group, period, key))
        if state.locked:
            raise SheetLocked(state.message())

    columns = {c.code: c for c in sheet_columns(key, class_group.grade, period.code)}
    pupils: dict[int, str] = dict(
        Enrolment.objects.filter(class_group=class_group, transfer_out_on__isnull=True).values_list(
            "student_id", "student__full_name"
        )
    )
    errors: list[str] = []
    wanted: dict[tuple[int, str], CellValue] = {}
    for cell in cells:
        name = pupils.get(cell.student_id)
        column = columns.get(cell.code)
        if name is None:
            errors.append(f"Học sinh mã {cell.student_id} không thuộc lớp {class_group.name}.")
            continue
        if column is None:
            errors.append(f"{name}: mã «{cell.code}» không thuộc sổ này.")
            continue
        if column.kind == Entry.Kind.SUBJECT:
            check = check_subject_cell(
                cell.code, class_group.grade, PeriodCode(period.code), cell.level, cell.score
            )
        else:
            check = check_rated_cell(column.label, cell.level)
            if cell.score not in (None, ""):
                errors.append(f"{name} — {column.label}: phẩm chất, năng lực không có điểm.")
        comment = _clean_comment(cell.comment)
        if len(comment) > COMMENT_MAX:
            errors.append(f"{name} — {column.label}: nhận xét dài quá {COMMENT_MAX} kí tự.")
        errors.extend(f"{name} — {e}" for e in check.errors)
        wanted[(cell.student_id, cell.code)] = CellValue(check.level or "", check.score, comment)
    if errors:
        raise ActionError(errors)

    current = {
        (e.student_id, e.code): e
        for e in Entry.objects.current().filter(
            sheet=sheet, student_id__in={s for s, _ in wanted}, code__in={c for _, c in wanted}
        )
    }

    def value_of(entry: Entry | None) -> CellValue:
        if entry is None:
            return CellValue("", None, "")
        return CellValue(entry.level, entry.score, entry.comment)

    if base_version != sheet.version:
        conflicts = [
            Conflict(s, pupils[s], c, columns[c].label, value_of(current[(s, c)]), value)
            for (s, c), value in wanted.items()
            if (s, c) in current
            and current[(s, c)].sheet_version > base_version
            and value_of(current[(s, c)]) != value
        ]
        if conflicts:
            raise SheetConflict(conflicts, sheet.version)

    changes = [(k, v) for k, v in wanted.items() if value_of(current.get(k)) != v]
    now = timezone.now()
    if not changes:
        return SaveOutcome(version=sheet.version, changed=0, saved_at=now.isoformat())

    user = None if isinstance(acting_user, SystemActor) else acting_user
    sheet.version += 1
    sheet.save(update_fields=["version", "updated_at"])
    record = SheetSave.objects.create(
        sheet=sheet,
        idempotency_key=idempotency_key,
        version=sheet.version,
        changed=len(changes),
        created_by=user,
        source=source,
    )
    old_rows = [current[k] for k, _ in changes if k in current]
    Entry.objects.filter(pk__in=[e.pk for e in old_rows]).update(
        voided_at=now, voided_by=user, void_reason="Sửa khi nhập sổ"
    )
    Entry.objects.bulk_create(
        Entry(
            student_id=s,
            sheet=sheet,
            kind=columns[c].kind,
            code=c,
            level=v.level,
            score=v.score,
            comment=v.comment,
            sheet_version=sheet.version,
            save_record=record,
            created_by=user,
            replaces=current.get((s, c)),
        )
        for (s, c), v in changes
    )
    log(
        "assessment.sheet_saved",
        actor=acting_user,
        subject=sheet,
        school_id=class_group.school_id,
        data={
            "version": sheet.version,
            "source": source,
            "cells": [
                {
                    "student": s,
                    "code": c,
                    "old": value_of(current.get((s, c))).as_dict(),
                    "new": v.as_dict(),
                }
                for (s, c), v in changes
            ],
        },
    )
    return SaveOutcome(
        version=sheet.version,
        changed=len(changes),
        saved_at=record.created_at.isoformat(),
        changed_cells=[k for k, _ in changes],
    )

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

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from hocbaso.assessment.access import access_sheet_for_user
from hocbaso.assessment.actions.locks import SheetLocked, lock_state
from hocbaso.assessment.cell_writes import (
    COMMENT_MAX,
    CellInput,
    CellValue,
    changes_data,
    check_cells,
    current_entries,
    value_of,
    write_cells,
)
from hocbaso.assessment.models import Sheet, SheetSave
from hocbaso.audit.actors import SystemActor
from hocbaso.audit.log import log
from hocbaso.org.models import ClassGroup, Period
from hocbaso.people.errors import ActionError

__all__ = ["COMMENT_MAX", "CellInput", "CellValue", "SaveOutcome", "SheetConflict", "save_sheet"]


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
            f"«{self.theirs.shown()}», bạn nhập «{self.yours.shown()}»."
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


def _lock_sheet(class_group: ClassGroup, period: Period, key: str) -> Sheet:
    """The sheet row, locked FOR UPDATE (created first when this is the sheet's first save)."""
    locked = Sheet.objects.select_for_update()
    sheet = locked.filter(class_group=class_group, period=period, key=key).first()
    if sheet is None:
        Sheet.objects.get_or_create(class_group=class_group, period=period, key=key)
        sheet = locked.get(class_group=class_group, period=period, key=key)
    return sheet


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
    ref = access_sheet_for_user(acting_user, class_id, period_code, key, write=True)
    if not idempotency_key or len(idempotency_key) > 64:
        raise ActionError("Thiếu mã chống lưu trùng (idempotency key) hợp lệ.")
    previous = SheetSave.objects.filter(idempotency_key=idempotency_key).first()
    if previous is not None:
        if previous.created_by_id != getattr(acting_user, "pk", None):
            raise ActionError("Mã chống lưu trùng đã được dùng cho một lần lưu khác.")
        return SaveOutcome(
            version=previous.version,
            changed=previous.changed,
            saved_at=previous.created_at.isoformat(),
            replayed=True,
        )
    class_group, period = ref.class_group, ref.period
    sheet = _lock_sheet(class_group, period, key)
    sheet.class_group, sheet.period = class_group, period
    # Under the row lock (ASVS 15.4.2): a concurrent lock_entry has either committed, and is
    # seen here, or waits for this save. System actors (the demo seed) back-fill past periods.
    if not isinstance(acting_user, SystemActor):
        state = lock_state((class_group, period, key))
        if state.locked:
            raise SheetLocked(state.message())

    checked = check_cells(sheet, cells)
    wanted, pupils, columns = checked.wanted, checked.pupils, checked.columns
    current = current_entries(sheet, wanted)

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
    if not changes:
        return SaveOutcome(version=sheet.version, changed=0, saved_at=timezone.now().isoformat())

    user = None if isinstance(acting_user, SystemActor) else acting_user
    record, _ = write_cells(
        sheet,
        changes,
        current,
        columns,
        idempotency_key=idempotency_key,
        user=user,
        source=source,
        void_reason="Sửa khi nhập sổ",
    )
    log(
        "assessment.sheet_saved",
        actor=acting_user,
        subject=sheet,
        school_id=class_group.school_id,
        data={"version": sheet.version, "source": source, "cells": changes_data(changes, current)},
    )
    return SaveOutcome(
        version=sheet.version,
        changed=len(changes),
        saved_at=record.created_at.isoformat(),
        changed_cells=[k for k, _ in changes],
    )

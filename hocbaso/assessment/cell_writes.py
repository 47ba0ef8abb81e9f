"""Checking and writing cell values of a sheet: shared by `save_sheet` (entry while open) and
`approve_correction` (a correction after the lock). Callers hold the sheet row FOR UPDATE and
their transaction; access and lock checks are theirs.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.utils import timezone

from hocbaso.assessment.models import Entry, Sheet, SheetSave
from hocbaso.assessment.sheets import Column, sheet_columns
from hocbaso.people.errors import ActionError
from hocbaso.people.models import Enrolment
from hocbaso.regulation.cells import check_rated_cell, check_subject_cell
from hocbaso.regulation.types import Period as PeriodCode

COMMENT_MAX = 500

CellKey = tuple[int, str]  # (student id, code)


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

    def shown(self) -> str:
        parts = [self.level or "trống"]
        if self.score is not None:
            parts.append(str(self.score))
        if self.comment:
            parts.append(self.comment)
        return " · ".join(parts)


EMPTY = CellValue("", None, "")


@dataclass(frozen=True)
class CurrentCell:
    """What a save needs of a cell's current row (read without building Entry instances)."""

    pk: int
    level: str
    score: int | None
    comment: str
    sheet_version: int


def value_of(entry: Entry | CurrentCell | None) -> CellValue:
    if entry is None:
        return EMPTY
    return CellValue(entry.level, entry.score, entry.comment)


def clean_comment(raw: object) -> str:
    return "" if raw is None else unicodedata.normalize("NFC", str(raw)).strip()


@dataclass(frozen=True)
class CheckedCells:
    wanted: dict[CellKey, CellValue]
    pupils: dict[int, str]  # current pupils of the class: id → name
    columns: dict[str, Column]


def check_cells(sheet: Sheet, cells: Iterable[CellInput]) -> CheckedCells:
    """The cells as values the regulation accepts, or ActionError listing every problem."""
    class_group, period = sheet.class_group, sheet.period
    columns = {c.code: c for c in sheet_columns(sheet.key, class_group.grade, period.code)}
    pupils: dict[int, str] = dict(
        Enrolment.objects.filter(class_group=class_group, transfer_out_on__isnull=True).values_list(
            "student_id", "student__full_name"
        )
    )
    errors: list[str] = []
    wanted: dict[CellKey, CellValue] = {}
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
        comment = clean_comment(cell.comment)
        if len(comment) > COMMENT_MAX:
            errors.append(f"{name} — {column.label}: nhận xét dài quá {COMMENT_MAX} kí tự.")
        errors.extend(f"{name} — {e}" for e in check.errors)
        wanted[(cell.student_id, cell.code)] = CellValue(check.level or "", check.score, comment)
    if errors:
        raise ActionError(errors)
    return CheckedCells(wanted, pupils, columns)


def current_entries(sheet: Sheet, keys: Iterable[CellKey]) -> dict[CellKey, CurrentCell]:
    keys = list(keys)
    rows = (
        Entry.objects.current()
        .filter(sheet=sheet, student_id__in={s for s, _ in keys}, code__in={c for _, c in keys})
        .values_list("student_id", "code", "pk", "level", "score", "comment", "sheet_version")
    )
    return {
        (student, code): CurrentCell(pk, level, score, comment, version)
        for student, code, pk, level, score, comment, version in rows
    }


def write_cells(
    sheet: Sheet,
    changes: list[tuple[CellKey, CellValue]],
    current: dict[CellKey, CurrentCell],
    columns: dict[str, Column],
    *,
    idempotency_key: str,
    user: Any,
    source: str,
    void_reason: str,
) -> tuple[SheetSave, dict[CellKey, int]]:
    """Bump the sheet's version, void each changed cell's current row and add its new row.
    Returns the save record and the new rows' ids by cell."""
    now = timezone.now()
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
        voided_at=now, voided_by=user, void_reason=void_reason[:200]
    )
    user_id = getattr(user, "pk", None)
    rows = [
        (
            s,
            sheet.pk,
            columns[c].kind,
            c,
            v.level,
            v.score,
            v.comment,
            sheet.version,
            record.pk,
            user_id,
            now,
            "",
            old.pk if (old := current.get((s, c))) is not None else None,
        )
        for (s, c), v in changes
    ]
    ids = insert_entries(rows)
    return record, {(s, c): pk for ((s, c), _v), pk in zip(changes, ids, strict=True)}


# The columns of a new current row, in the order of `insert_entries`' tuples.
ENTRY_FIELDS = (
    "student",
    "sheet",
    "kind",
    "code",
    "level",
    "score",
    "comment",
    "sheet_version",
    "save_record",
    "created_by",
    "created_at",
    "void_reason",
    "replaces",
)
INSERT_BATCH = 500  # rows per INSERT: 6,500 parameters, under SQLite's 32,766


def insert_entries(rows: list[tuple[Any, ...]]) -> list[int]:
    """Insert new current rows (tuples in ENTRY_FIELDS order), returning their ids in order.

    Written by hand because it is the hottest write of the system (every grid save): the ORM's
    bulk_create spent more CPU preparing 35 rows than the database spent writing them
    (docs/scale.md). PostgreSQL gets one INSERT … SELECT FROM UNNEST(one array per column), a
    short statement the driver parses once and caches; SQLite one multi-row VALUES per batch.
    Both return the new ids (RETURNING; SQLite ≥ 3.35). The timestamp is adapted as the ORM
    would."""
    ops = connection.ops
    fields = [Entry._meta.get_field(name) for name in ENTRY_FIELDS]
    created_at = ENTRY_FIELDS.index("created_at")
    table = ops.quote_name(Entry._meta.db_table)
    columns = ", ".join(ops.quote_name(f.column) for f in fields)  # type: ignore[union-attr, arg-type]
    returning = f"RETURNING {ops.quote_name('id')}"
    ids: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), INSERT_BATCH):
            batch = [list(row) for row in rows[start : start + INSERT_BATCH]]
            for values in batch:
                values[created_at] = ops.adapt_datetimefield_value(values[created_at])
            # Names come from the model, values only as parameters (S608 does not apply).
            if connection.vendor == "postgresql":
                arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in fields)  # type: ignore[union-attr]
                source = f"SELECT * FROM UNNEST({arrays})"  # noqa: S608
                params: list[Any] = [list(column) for column in zip(*batch, strict=True)]
            else:
                one_row = "(" + ", ".join(["%s"] * len(fields)) + ")"
                source = "VALUES " + ", ".join([one_row] * len(batch))
                params = [value for values in batch for value in values]
            cursor.execute(f"INSERT INTO {table} ({columns}) {source} {returning}", params)  # noqa: S608
            ids.extend(r[0] for r in cursor.fetchall())
    return ids


def changes_data(
    changes: list[tuple[CellKey, CellValue]], current: dict[CellKey, CurrentCell]
) -> list[dict[str, Any]]:
    """The before/after of each changed cell, for the audit event."""
    return [
        {
            "student": s,
            "code": c,
            "old": value_of(current.get((s, c))).as_dict(),
            "new": v.as_dict(),
        }
        for (s, c), v in changes
    ]

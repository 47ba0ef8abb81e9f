"""The columns of our templates, and the mapping of an uploaded header row onto them.

Headers are matched exactly (case and diacritics) after NFC and whitespace normalisation: we
accept only our template, so a misspelt or unknown column is an error, never a guess. The
pupil columns take their titles from `profile_fields.PROFILE_FIELDS`, so the form, the import
and the export cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import translation
from openpyxl.utils import get_column_letter

from hocbaso.people.imports.reader import SheetRow
from hocbaso.people.imports.report import RowError
from hocbaso.people.profile_fields import PROFILE_FIELDS
from hocbaso.people.profile_validation import nfc


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = True
    width: int = 18


def student_columns() -> tuple[Column, ...]:
    """STT, the identity-page fields in form order, then Mã học sinh, Lớp, Số đăng bộ."""
    with translation.override("vi"):
        profile = tuple(
            Column(pf.name, str(pf.label), required=pf.name != "personal_id", width=22)
            for pf in PROFILE_FIELDS
        )
    return (
        Column("row_no", "STT", required=False, width=6),
        *profile,
        Column("moet_code", "Mã học sinh", required=False),
        Column("class_name", "Lớp", width=8),
        Column("register_number", "Số đăng bộ", required=False, width=12),
    )


STAFF_COLUMNS: tuple[Column, ...] = (
    Column("row_no", "STT", required=False, width=6),
    Column("full_name", "Họ và tên", width=28),
    Column("username", "Tên đăng nhập", width=20),
    Column("phone", "Số điện thoại", required=False, width=16),
    Column("roles", "Vai trò", width=28),
    Column("grades", "Khối phụ trách", required=False, width=14),
    Column("homeroom", "Lớp chủ nhiệm", required=False, width=14),
    Column("teaching", "Phân công", required=False, width=36),
)


@dataclass
class HeaderMap:
    row: int
    index: dict[str, int] = field(default_factory=dict)  # column key → 0-based position
    errors: list[RowError] = field(default_factory=list)


def map_header(header: SheetRow, columns: tuple[Column, ...]) -> HeaderMap:
    by_title = {c.header: c for c in columns}
    mapped = HeaderMap(row=header.number)
    for position, raw in enumerate(header.cells):
        title = nfc(raw)
        if not title:
            continue
        column = by_title.get(title)
        if column is None:
            mapped.errors.append(
                RowError(
                    header.number,
                    f"Cột «{title}» không có trong mẫu nhập. "
                    f"Các cột hợp lệ: {', '.join(c.header for c in columns)}.",
                )
            )
        elif column.key in mapped.index:
            mapped.errors.append(RowError(header.number, f"Cột «{title}» xuất hiện hai lần."))
        else:
            mapped.index[column.key] = position
    for column in columns:
        if column.required and column.key not in mapped.index:
            mapped.errors.append(RowError(header.number, f"Thiếu cột bắt buộc «{column.header}»."))
    return mapped


def row_values(row: SheetRow, header: HeaderMap) -> tuple[dict[str, str], list[RowError]]:
    """The row's cells by column key (absent columns are left out), and an error for any
    value sitting in a column that has no title."""
    values = {
        key: row.cells[position] if position < len(row.cells) else ""
        for key, position in header.index.items()
    }
    known = set(header.index.values())
    errors = [
        RowError(
            row.number, f"Có dữ liệu ở cột {get_column_letter(position + 1)} không có tiêu đề."
        )
        for position, cell in enumerate(row.cells)
        if position not in known and cell.strip()
    ]
    return values, errors

"""The Excel form of one sheet: building the download and reading an upload back into fields.

The first worksheet is the only one the importer reads (`people.imports.worker`):

- row 1, hidden, in a protected sheet: the *marker*, a token signed with the server's key that
  names the class, period, sheet key and the sheet version the values were read at; an upload
  of another sheet's file, or a file whose marker was edited, is refused before anything else;
- row 2: a title for people; row 3: the header; then one row per enrolled pupil: STT, Mã HS
  (the pupil id, how a row finds its pupil again), Họ và tên, then per column of the sheet:
  Mức đạt được, Điểm KTĐK (tested columns only) and Nhận xét.

Only the value cells are unlocked; level cells carry a list validation (T,H,C or T,Đ,C, plus
the clear word), score cells a whole-number 0–10 validation. Every text cell is written as a
string (never a formula, security.md finding 5) through `people.exports.cells.text_cell`.

An empty cell in an upload means "no change"; the word XÓA clears (see `CLEAR_HELP`).
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.core import signing
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Protection
from openpyxl.utils import get_column_letter
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.datavalidation import DataValidation

from hocbaso.assessment.models import Entry
from hocbaso.assessment.sheets import Column
from hocbaso.people.exports.cells import text_cell
from hocbaso.people.imports.reader import SheetRow, read_upload
from hocbaso.people.imports.report import ImportRejected

MARKER_PREFIX = "HOCBASO-SO-DIEM:"
MARKER_SALT = "hocbaso.assessment.workbook"
FIRST_DATA_ROW = 4  # row 1 marker, row 2 title, row 3 header
FIXED_HEADER = ("STT", "Mã HS", "Họ và tên")
CLEAR_WORD = "XÓA"

LEVEL, SCORE, COMMENT = "level", "score", "comment"
FIELD_LABELS = {LEVEL: "Mức đạt được", SCORE: "Điểm KTĐK", COMMENT: "Nhận xét"}
FIELD_WIDTHS = {LEVEL: 13, SCORE: 11, COMMENT: 40}

CLEAR_HELP = (
    "Ô để trống nghĩa là giữ nguyên giá trị đang có trong hệ thống. Muốn xoá một giá trị, "
    f"chọn hoặc gõ {CLEAR_WORD} vào ô đó; {CLEAR_WORD} ở ô «Mức đạt được» xoá cả mức đạt "
    "được và điểm KTĐK của môn đó."
)

ONLY_XLSX = (
    "Chỉ nhận tệp Excel (.xlsx) tải về từ chính sổ này (nút «Tải tệp Excel»), "
    "đã nhập thêm rồi lưu lại."
)
NO_MARKER = (
    "Tệp không phải là sổ nhập đánh giá tải về từ hệ thống (thiếu phần nhận dạng ẩn ở dòng 1). "
    "Hãy tải tệp Excel của sổ này về, nhập vào đó rồi tải lên lại."
)
BAD_MARKER = (
    "Phần nhận dạng ẩn ở dòng 1 của tệp đã bị sửa hoặc hỏng. "
    "Hãy tải lại tệp Excel của sổ này từ hệ thống."
)
NO_HEADER = (
    "Không tìm thấy dòng tiêu đề (STT, Mã HS, Họ và tên, …) của mẫu. "
    "Hãy tải lại tệp Excel của sổ này từ hệ thống."
)
HEADER_MISMATCH = (
    "Tiêu đề cột {letter} không khớp với mẫu của sổ này: cần «{expected}», tệp ghi «{found}». "
    "Hãy tải lại tệp Excel của sổ này từ hệ thống."
)


@dataclass(frozen=True)
class Marker:
    class_id: int
    period_code: str
    key: str
    version: int


@dataclass(frozen=True)
class FieldSpec:
    column: Column
    field: str  # LEVEL, SCORE or COMMENT

    @property
    def header(self) -> str:
        return f"{self.column.label} — {FIELD_LABELS[self.field]}"


@dataclass(frozen=True)
class PupilLine:
    """One pupil as downloaded: `values[(code, field)]` is the text or number shown."""

    student_id: int
    full_name: str
    values: dict[tuple[str, str], str | int | None]


@dataclass(frozen=True)
class FileRow:
    """One pupil row of an upload, as text: `fields[(code, field)]` holds non-empty cells."""

    number: int
    raw_id: str
    full_name: str
    fields: dict[tuple[str, str], str]
    extra: bool  # something was typed right of the template's last column


def field_specs(columns: Sequence[Column]) -> list[FieldSpec]:
    specs: list[FieldSpec] = []
    for column in columns:
        specs.append(FieldSpec(column, LEVEL))
        if column.tested:
            specs.append(FieldSpec(column, SCORE))
        specs.append(FieldSpec(column, COMMENT))
    return specs


def header_for(columns: Sequence[Column]) -> list[str]:
    return [*FIXED_HEADER, *(spec.header for spec in field_specs(columns))]


def level_choices(column: Column) -> tuple[str, ...]:
    return ("T", "H", "C") if column.kind == Entry.Kind.SUBJECT else ("T", "Đ", "C")


def sign_marker(marker: Marker) -> str:
    payload = [marker.class_id, marker.period_code, marker.key, marker.version]
    return MARKER_PREFIX + signing.dumps(payload, salt=MARKER_SALT)


def read_marker(text: str) -> Marker:
    """The marker of a downloaded file; ImportRejected if absent or tampered with."""
    if not text.startswith(MARKER_PREFIX):
        raise ImportRejected(NO_MARKER)
    try:
        class_id, period_code, key, version = signing.loads(
            text.removeprefix(MARKER_PREFIX), salt=MARKER_SALT
        )
    except (signing.BadSignature, ValueError, TypeError):
        raise ImportRejected(BAD_MARKER) from None
    return Marker(int(class_id), str(period_code), str(key), int(version))


# -- building ---------------------------------------------------------------------------------


def _value_cell(sheet: WriteOnlyWorksheet, value: str | int | None) -> WriteOnlyCell:
    if isinstance(value, int):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "0"
    elif value:
        cell = text_cell(sheet, value)
    else:
        cell = WriteOnlyCell(sheet, value=None)
    cell.protection = Protection(locked=False)
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    return cell


def _validations(specs: Sequence[FieldSpec], last_row: int) -> list[DataValidation]:
    found: list[DataValidation] = []
    for index, spec in enumerate(specs, start=len(FIXED_HEADER) + 1):
        letter = get_column_letter(index)
        cells = f"{letter}{FIRST_DATA_ROW}:{letter}{last_row}"
        if spec.field == LEVEL:
            choices = (*level_choices(spec.column), CLEAR_WORD)
            rule = DataValidation(
                type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True
            )
            rule.error = f"Chỉ nhận {', '.join(choices)}."
        elif spec.field == SCORE:
            rule = DataValidation(
                type="whole", operator="between", formula1="0", formula2="10", allow_blank=True
            )
            rule.error = "Điểm KTĐK là số nguyên từ 0 đến 10."
        else:
            continue
        rule.errorTitle = "Giá trị không hợp lệ"
        rule.showErrorMessage = True
        rule.add(cells)
        found.append(rule)
    return found


def build_workbook(
    *, marker: Marker, title: str, columns: Sequence[Column], pupils: Sequence[PupilLine]
) -> bytes:
    specs = field_specs(columns)
    workbook = Workbook(write_only=True)
    workbook.security = WorkbookProtection(lockStructure=True)  # the data sheet stays first
    sheet = workbook.create_sheet("Sổ nhập đánh giá")
    for index, width in enumerate((5, 9, 28, *(FIELD_WIDTHS[s.field] for s in specs)), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.row_dimensions[1].hidden = True
    last_row = FIRST_DATA_ROW + max(len(pupils), 1) - 1
    for rule in _validations(specs, last_row):
        sheet.data_validations.append(rule)
    sheet.protection.sheet = True  # only the value cells are unlocked
    sheet.protection.formatColumns = False  # widths may still be changed
    sheet.protection.formatRows = False
    sheet.freeze_panes = f"D{FIRST_DATA_ROW}"
    sheet.append([text_cell(sheet, sign_marker(marker))])
    sheet.append([text_cell(sheet, title, bold=True)])
    sheet.append([text_cell(sheet, h, bold=True) for h in header_for(columns)])
    for number, pupil in enumerate(pupils, start=1):
        fixed = [str(number), str(pupil.student_id), pupil.full_name]
        sheet.append(
            [text_cell(sheet, value) for value in fixed]
            + [_value_cell(sheet, pupil.values.get((s.column.code, s.field))) for s in specs]
        )
    help_sheet = workbook.create_sheet("Hướng dẫn")
    help_sheet.column_dimensions["A"].width = 110
    for line in help_lines(columns):
        help_sheet.append([text_cell(help_sheet, line)])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def help_lines(columns: Sequence[Column]) -> list[str]:
    lines = [
        "Cách nhập sổ bằng Excel",
        "1. Chỉ nhập vào các ô Mức đạt được, Điểm KTĐK và Nhận xét; không sửa STT, Mã HS, "
        "Họ và tên, không thêm hay xoá dòng, cột.",
        "2. " + CLEAR_HELP,
        "3. Lưu tệp dạng Excel Workbook (.xlsx) rồi tải lên ở trang «Nhập từ Excel» của sổ: hệ "
        "thống cho xem trước từng ô sẽ thay đổi, chỉ ghi khi bạn xác nhận.",
        "4. Nếu trong lúc đó có người sửa cùng ô trên hệ thống, ô đó bị báo xung đột và không "
        "có gì được ghi; hãy tải lại tệp mới.",
    ]
    for column in columns:
        levels = ", ".join(level_choices(column))
        score = "; điểm KTĐK: số nguyên 0–10" if column.tested else ""
        lines.append(f"{column.label}: mức đạt được {levels}{score}.")
    return lines


# -- reading ----------------------------------------------------------------------------------


def read_sheet_rows(data: bytes, filename: str) -> list[SheetRow]:
    """The guards and the limited parser of the pupils import, for .xlsx files only."""
    if PurePosixPath(filename.replace("\\", "/")).suffix.lower() != ".xlsx":
        raise ImportRejected(ONLY_XLSX)
    return read_upload(data, filename)


def split_marker(rows: Sequence[SheetRow]) -> tuple[Marker, list[SheetRow]]:
    first = rows[0] if rows else None
    if first is None or not first.cells or not first.cells[0].startswith(MARKER_PREFIX):
        raise ImportRejected(NO_MARKER)
    return read_marker(first.cells[0]), list(rows[1:])


def _clean(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def parse_body(rows: Sequence[SheetRow], columns: Sequence[Column]) -> list[FileRow]:
    """The pupil rows under the header; ImportRejected when the header is not this sheet's."""
    expected = header_for(columns)
    header_at = next(
        (i for i, r in enumerate(rows) if tuple(map(_clean, r.cells[:3])) == FIXED_HEADER), None
    )
    if header_at is None:
        raise ImportRejected(NO_HEADER)
    found = [_clean(c) for c in rows[header_at].cells]
    for index, want in enumerate(expected):
        got = found[index] if index < len(found) else ""
        if got != want:
            letter = get_column_letter(index + 1)
            raise ImportRejected(HEADER_MISMATCH.format(letter=letter, expected=want, found=got))
    if len(found) > len(expected):
        letter = get_column_letter(len(expected) + 1)
        raise ImportRejected(
            HEADER_MISMATCH.format(letter=letter, expected="", found=found[len(expected)])
        )
    specs = field_specs(columns)
    body: list[FileRow] = []
    for row in rows[header_at + 1 :]:
        cells = list(row.cells) + [""] * (len(expected) - len(row.cells))
        fields = {
            (spec.column.code, spec.field): cells[index].strip()
            for index, spec in enumerate(specs, start=len(FIXED_HEADER))
            if cells[index].strip()
        }
        body.append(
            FileRow(
                number=row.number,
                raw_id=cells[1].strip(),
                full_name=_clean(cells[2]),
                fields=fields,
                extra=any(c.strip() for c in cells[len(expected) :]),
            )
        )
    return body


def is_clear_word(text: str) -> bool:
    """XÓA, XOÁ, xoa…: any case, either accent placement, or none."""
    bare = "".join(
        c for c in unicodedata.normalize("NFD", text.strip()) if not unicodedata.combining(c)
    )
    return bare.upper() == "XOA"

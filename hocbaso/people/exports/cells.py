"""Spreadsheet output that cannot carry a formula (security.md finding 5, ASVS 1.2.10).

Every cell is text. In a .csv a value starting with a trigger character gets a leading `'`;
in an .xlsx the cell is forced to the string type (openpyxl would otherwise store any string
starting with `=` as a formula) and marked "quote prefix" so Excel keeps it as text even after
an edit. The import strips that `'` again, so an export round-trips.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from django.utils.text import slugify
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

# = + - @ start formulas in Excel, LibreOffice and Google Sheets; TAB, CR and LF are trimmed
# by some of them before parsing; | and % start DDE and macro forms; NUL hides what follows.
FORMULA_TRIGGERS = frozenset("=+-@\t\r\n\x00|%")

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"


def needs_escape(text: str) -> bool:
    return bool(text) and text[0] in FORMULA_TRIGGERS


def escape_text(text: str) -> str:
    """The CSV form of a cell: a leading `'` before a trigger character."""
    return f"'{text}" if needs_escape(text) else text


def unescape_text(text: str) -> str:
    """Undo `escape_text` on import."""
    if len(text) >= 2 and text[0] == "'" and text[1] in FORMULA_TRIGGERS:
        return text[1:]
    return text


def write_csv(header: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    """UTF-8 with a BOM (so Excel shows Vietnamese correctly), comma-separated."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([escape_text(h) for h in header])
    for row in rows:
        writer.writerow([escape_text(value) for value in row])
    return out.getvalue().encode("utf-8-sig")


def text_cell(sheet: WriteOnlyWorksheet, value: str, *, bold: bool = False) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
    cell.data_type = "s"  # never "f", whatever the value starts with
    cell.number_format = "@"
    if needs_escape(value):
        cell.quotePrefix = True
    if bold:
        cell.font = Font(bold=True)
    return cell


def text_workbook(
    header: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    title: str,
    widths: Sequence[int] = (),
) -> Workbook:
    """A write-only workbook of one sheet: a bold header row, frozen, then text cells only."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.append([text_cell(sheet, h, bold=True) for h in header])
    for row in rows:
        sheet.append([text_cell(sheet, value) for value in row])
    return workbook


def write_xlsx(
    header: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    title: str,
    widths: Sequence[int] = (),
    notes: Sequence[Sequence[str]] = (),
) -> bytes:
    """One sheet of text cells; `notes` (if any) go on a second sheet "Hướng dẫn"."""
    workbook = text_workbook(header, rows, title=title, widths=widths)
    if notes:
        help_sheet = workbook.create_sheet("Hướng dẫn")
        help_sheet.column_dimensions["A"].width = 28
        help_sheet.column_dimensions["B"].width = 90
        for line in notes:
            help_sheet.append([text_cell(help_sheet, value) for value in line])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


class ExportFormat(StrEnum):
    XLSX = "xlsx"
    CSV = "csv"

    @classmethod
    def from_name(cls, name: str) -> ExportFormat:
        """ "xlsx", "csv", or a file name ending in one of them."""
        suffix = name.rsplit(".", 1)[-1].lower()
        try:
            return cls(suffix)
        except ValueError:
            raise ValueError(f"Chỉ xuất được .xlsx hoặc .csv, không xuất được «{name}».") from None


@dataclass(frozen=True)
class ExportFile:
    filename: str
    content_type: str
    content: bytes = field(repr=False)


def render_file(
    fmt: ExportFormat,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    basename: str,
    title: str,
    widths: Sequence[int] = (),
    notes: Sequence[Sequence[str]] = (),
) -> ExportFile:
    name = f"{slugify(basename)}.{fmt.value}"
    if fmt is ExportFormat.CSV:
        return ExportFile(name, CSV_CONTENT_TYPE, write_csv(header, rows))
    content = write_xlsx(header, rows, title=title, widths=widths, notes=notes)
    return ExportFile(name, XLSX_CONTENT_TYPE, content)

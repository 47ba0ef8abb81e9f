"""The Bảng tổng hợp as an .xlsx workbook: the same header, rows, counts and totals as the page.

Formula-safe like every spreadsheet hocbaso writes (security.md finding 5): text cells are
forced to the string type and a text starting with a formula trigger is quote-prefixed, so a
name or a note starting with "=" stays text; levels are text, scores and counts are numbers.
Counts are written as computed numbers, never as COUNTIF formulas.
"""

from __future__ import annotations

import io
from itertools import product
from typing import Any

from django.db import transaction
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, NamedStyle, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from hocbaso.assessment.summary import (
    ClassSummary,
    ColumnKind,
    access_summary_for_user,
    build_summary,
    file_name,
    log_export,
)
from hocbaso.people.exports.cells import XLSX_CONTENT_TYPE, ExportFile, needs_escape

HEADER_ROW = 6  # the first of the three header rows
_THIN = Side(style="thin")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WIDTHS = {"stt": 5, "name": 26, "birth": 11, "female": 4, "ethnicity": 8}
_WIDTHS |= {"result": 8, "award": 24, "completed": 12, "promoted": 7, "note": 28}


def _style_name(align: str, vertical_text: bool, bold: bool, boxed: bool) -> str:
    return f"hb-{align}-{int(vertical_text)}-{int(bold)}-{int(boxed)}"


def _add_styles(workbook: Workbook) -> None:
    """One named style per look: setting a style object per cell hashes it every time, which
    made a class's sheet several times slower to write."""
    flags = (False, True)
    for align, vertical_text, bold, boxed in product(("center", "left"), flags, flags, flags):
        workbook.add_named_style(
            NamedStyle(
                _style_name(align, vertical_text, bold, boxed),
                font=Font(bold=bold),
                border=_BOX if boxed else Border(),
                alignment=Alignment(
                    horizontal=align,
                    vertical="center",
                    wrap_text=True,
                    text_rotation=90 if vertical_text else 0,
                ),
            )
        )


def _put(
    sheet: Worksheet,
    row: int,
    column: int,
    value: object,
    *,
    bold: bool = False,
    align: str = "center",
    vertical_text: bool = False,
    boxed: bool = True,
) -> None:
    cell = sheet.cell(row=row, column=column)
    cell.style = _style_name(align, vertical_text, bold, boxed)
    if isinstance(value, int):
        cell.value = value
    elif value is not None:
        text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
        cell.value = text
        cell.data_type = "s"  # never "f", whatever the text starts with
        if needs_escape(text):
            cell.quotePrefix = True


def _title(sheet: Worksheet, summary: ClassSummary, width: int) -> None:
    class_group = summary.class_group
    lines = [
        (summary.authority.upper(), False),
        (summary.school_name.upper(), True),
        (summary.title, True),
        (summary.subtitle, False),
        (
            f"Lớp: {class_group.name} · Năm học: {class_group.school_year.code} · "
            f"Mẫu số {summary.form.number}",
            False,
        ),
    ]
    for row, (text, bold) in enumerate(lines, start=1):
        centred = row > 2
        if centred:
            sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
        _put(sheet, row, 1, text, bold=bold, align="center" if centred else "left", boxed=False)


def _header(sheet: Worksheet, summary: ClassSummary) -> None:
    taken: set[tuple[int, int]] = set()
    for offset, header_row in enumerate(summary.header):
        row, column = HEADER_ROW + offset, 1
        for cell in header_row:
            while (row, column) in taken:
                column += 1
            _put(sheet, row, column, cell.text, bold=not cell.vertical, vertical_text=cell.vertical)
            for r in range(row, row + cell.rowspan):
                for c in range(column, column + cell.colspan):
                    taken.add((r, c))
                    if (r, c) != (row, column):
                        _put(sheet, r, c, None)  # borders on the merged area
            if cell.rowspan > 1 or cell.colspan > 1:
                sheet.merge_cells(
                    start_row=row,
                    start_column=column,
                    end_row=row + cell.rowspan - 1,
                    end_column=column + cell.colspan - 1,
                )
            column += cell.colspan
    sheet.row_dimensions[HEADER_ROW + 2].height = 110


def write_workbook(summary: ClassSummary) -> bytes:
    workbook = Workbook()
    _add_styles(workbook)
    sheet = workbook.active
    assert sheet is not None  # a new workbook always has its first sheet
    sheet.title = f"Tổng hợp {summary.period.code}"
    columns = summary.columns
    for index, column in enumerate(columns, start=1):
        width = _WIDTHS.get(column.key, 7 if column.kind is ColumnKind.SCORE else 5)
        sheet.column_dimensions[get_column_letter(index)].width = width
    _title(sheet, summary, len(columns))
    _header(sheet, summary)
    row = HEADER_ROW + len(summary.header)
    sheet.freeze_panes = sheet.cell(row=row, column=3)
    for pupil_row in summary.rows:
        for index, (column, value) in enumerate(zip(columns, pupil_row.cells, strict=True), 1):
            _put(sheet, row, index, value, align="left" if column.key == "name" else "center")
        row += 1
    nid = summary.identity_width
    for count_row in summary.count_rows:
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=nid)
        _put(sheet, row, 1, count_row.label, bold=True, align="left")
        for index in range(2, nid + 1):
            _put(sheet, row, index, None)
        for index, value in enumerate(count_row.cells[nid:], start=nid + 1):
            _put(sheet, row, index, value)
        row += 1
    row += 1
    _put(sheet, row, 2, "Tổng hợp", bold=True, align="left", boxed=False)
    for label, value in summary.totals:
        row += 1
        _put(sheet, row, 2, label, align="left", boxed=False)
        _put(sheet, row, 3, value, boxed=False)
    row += 2
    _put(sheet, row, 2, "GIÁO VIÊN CHỦ NHIỆM", bold=True, boxed=False)
    _put(sheet, row, nid + 8, "HIỆU TRƯỞNG", bold=True, boxed=False)
    _put(sheet, row + 4, 2, summary.homeroom_name, boxed=False)
    _put(sheet, row + 4, nid + 8, summary.principal_name, boxed=False)
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@transaction.atomic
def export_summary_xlsx(class_id: int, period_code: str, *, acting_user: Any) -> ExportFile:
    """The class's table as an .xlsx file, and its ``export.class_summary`` event."""
    class_group, period = access_summary_for_user(acting_user, class_id, period_code)
    summary = build_summary(class_group, period)
    name = file_name(summary, "xlsx")
    content = write_workbook(summary)
    log_export(summary, "xlsx", name, acting_user=acting_user)
    return ExportFile(name, XLSX_CONTENT_TYPE, content)

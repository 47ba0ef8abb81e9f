"""Parse the first sheet of an .xlsx in a child process under hard limits.

Run by `reader.read_xlsx` as `python -I -B worker.py --max-rows … < file.xlsx`; it imports
only the standard library and openpyxl (never Django or hocbaso), sets RLIMIT_AS and
RLIMIT_CPU on itself before touching the bytes, and prints one JSON object:
`{"rows": [[row_number, [cell, …]], …]}` with every cell as text, or `{"refused": code, …}`.

Rows are counted as they really are: openpyxl's read-only mode trusts `<dimension>`, so the
dimension is reset and the sheet XML is walked row by row; over the cap is a refusal, never a
truncation. Row numbers must increase, and a cell may not appear twice, so nothing is dropped
silently either.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import re
import resource
import sys
import warnings
from typing import Any

MAX_COLUMNS = 60
MAX_CELL_CHARS = 1000
_ROW_ELEMENT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")
_CHUNK = 1024 * 1024


class Refused(Exception):
    def __init__(self, code: str, **detail: int) -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail


def limit_resources(memory_bytes: int, cpu_seconds: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def cell_text(value: Any) -> str:
    """A cell as the text a user typed: whole numbers without ".0", dates as dd/mm/yyyy."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.strftime("%d/%m/%Y")
        return value.strftime("%d/%m/%Y %H:%M:%S")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def count_row_elements(source: Any) -> int:
    """Count `<row` elements in the raw sheet XML: cheap, for the over-the-cap message only.
    Plain `<row` is a fast byte count; a namespace-prefixed sheet (`<x:row`) falls back to
    a regular expression."""
    plain = 0
    prefixed = 0
    tail = b""
    while chunk := source.read(_CHUNK):
        block = tail + chunk
        plain += block.count(b"<row") - tail.count(b"<row")
        if not plain:  # a prefixed sheet so far: pay for the regular expression
            prefixed += len(_ROW_ELEMENT.findall(block)) - len(_ROW_ELEMENT.findall(tail))
        tail = block[-32:]
    return plain or prefixed


def read_rows(data: bytes, *, max_rows: int, max_chars: int) -> list[list[Any]]:
    import openpyxl
    from openpyxl.worksheet._reader import WorkSheetParser

    if not openpyxl.DEFUSEDXML:
        raise Refused("no_defusedxml")
    workbook = openpyxl.load_workbook(
        io.BytesIO(data), read_only=True, data_only=True, keep_links=False
    )
    sheet = workbook.worksheets[0]
    sheet.reset_dimensions()  # never trust <dimension ref="A1:A1">
    parser = WorkSheetParser(
        sheet._get_source(),
        workbook.shared_strings,
        data_only=True,
        epoch=workbook.epoch,
        date_formats=workbook._date_formats,
        timedelta_formats=workbook._timedelta_formats,
    )
    rows: list[list[Any]] = []
    last = 0
    filled = 0
    chars = 0
    for number, cells in parser.parse():
        if number <= last:
            raise Refused("row_order", row=number)
        last = number
        values: dict[int, str] = {}
        for cell in cells:
            text = cell_text(cell["value"])
            if not text.strip():
                continue
            column = cell["column"]
            if column > MAX_COLUMNS:
                raise Refused("too_wide", row=number, limit=MAX_COLUMNS)
            if column in values:
                raise Refused("cell_twice", row=number)
            if len(text) > MAX_CELL_CHARS:
                raise Refused("cell_too_long", row=number, limit=MAX_CELL_CHARS)
            values[column] = text
            chars += len(text)
        if not values:
            continue
        filled += 1
        if filled > max_rows + 1:  # the header plus max_rows data rows
            with workbook._archive.open(sheet._worksheet_path) as raw:
                found = count_row_elements(raw) - 1
            raise Refused("too_many_rows", rows=max(found, filled - 1), limit=max_rows)
        if chars > max_chars:
            raise Refused("too_large")
        rows.append([number, [values.get(c, "") for c in range(1, max(values) + 1)]])
    return rows


def main(argv: list[str] | None = None) -> int:
    args = argparse.ArgumentParser()
    args.add_argument("--max-rows", type=int, required=True)
    args.add_argument("--max-bytes", type=int, required=True)
    args.add_argument("--max-chars", type=int, required=True)
    args.add_argument("--max-memory", type=int, required=True)
    args.add_argument("--max-seconds", type=int, required=True)
    options = args.parse_args(argv)
    limit_resources(options.max_memory, options.max_seconds)
    warnings.simplefilter("ignore")
    data = sys.stdin.buffer.read(options.max_bytes + 1)
    try:
        if len(data) > options.max_bytes:
            raise Refused("too_large")
        result: dict[str, Any] = {
            "rows": read_rows(data, max_rows=options.max_rows, max_chars=options.max_chars)
        }
    except Refused as refused:
        result = {"refused": refused.code, **refused.detail}
    except MemoryError:
        result = {"refused": "memory"}
    except Exception:  # any parser failure on a hostile or damaged file is a plain refusal
        result = {"refused": "invalid"}
    sys.stdout.write(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())

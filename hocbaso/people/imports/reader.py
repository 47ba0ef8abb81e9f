"""Turn a checked upload into plain rows of text: an .xlsx through the limited worker
subprocess, a .csv in process (UTF-8 only, `,` or `;`).

Only non-empty rows are returned, each with its row number as the user sees it; the first is
the header. Every limit refuses the whole file: nothing is ever silently cut.
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from hocbaso.people.exports.cells import unescape_text
from hocbaso.people.imports.guards import (
    CSV_ENCODING,
    NOT_XLSX,
    CheckedFile,
    FileKind,
    check_upload,
)
from hocbaso.people.imports.report import ImportRejected
from hocbaso.people.imports.worker import MAX_CELL_CHARS, MAX_COLUMNS

WORKER = Path(__file__).with_name("worker.py")

TOO_MANY_ROWS = "Tệp có {rows} dòng dữ liệu, vượt giới hạn {limit} dòng. Hãy chia thành nhiều tệp."
TOO_COMPLEX = "Tệp quá lớn hoặc quá phức tạp để đọc (vượt giới hạn bộ nhớ)."
TIMEOUT = "Tệp quá phức tạp: không đọc xong trong {seconds} giây."
ROW_ORDER = (
    "Cấu trúc bảng tính bị lỗi ở dòng {row} (dòng lặp lại hoặc sai thứ tự). "
    "Hãy mở tệp bằng Excel và lưu lại."
)
CELL_TWICE = (
    "Cấu trúc bảng tính bị lỗi ở dòng {row} (một ô xuất hiện hai lần). "
    "Hãy mở tệp bằng Excel và lưu lại."
)
TOO_WIDE = "Dòng {row} có dữ liệu ngoài {limit} cột đầu tiên; mẫu nhập không có các cột đó."
CELL_TOO_LONG = "Dòng {row} có một ô dài quá {limit} kí tự."
CSV_BROKEN = "Tệp CSV bị lỗi định dạng ở dòng {row} (dấu ngoặc kép không khớp)."
NO_ROWS = "Tệp không có dữ liệu."

_WORKER_MESSAGES = {
    "too_many_rows": TOO_MANY_ROWS,
    "row_order": ROW_ORDER,
    "cell_twice": CELL_TWICE,
    "too_wide": TOO_WIDE,
    "cell_too_long": CELL_TOO_LONG,
    "too_large": TOO_COMPLEX,
    "memory": TOO_COMPLEX,
    "invalid": NOT_XLSX,
}


@dataclass(frozen=True)
class SheetRow:
    number: int  # as the user sees it: the spreadsheet row, or the CSV record
    cells: tuple[str, ...]


def read_upload(data: bytes, filename: str) -> list[SheetRow]:
    """Check and read an upload; raises ImportRejected. The first row is the header."""
    checked = check_upload(data, filename)
    rows = read_checked(checked)
    if not rows:
        raise ImportRejected(NO_ROWS)
    return rows


def read_checked(checked: CheckedFile) -> list[SheetRow]:
    if checked.kind is FileKind.XLSX:
        return read_xlsx(checked.data)
    return read_csv(checked.data)


def _max_chars() -> int:
    return int(settings.IMPORT_MAX_UNCOMPRESSED_BYTES)


def read_xlsx(data: bytes) -> list[SheetRow]:
    """Parse in a fresh interpreter with RLIMIT_AS, RLIMIT_CPU and a wall-clock timeout."""
    seconds = int(settings.IMPORT_MAX_SECONDS)
    command = [
        sys.executable, "-I", "-B", str(WORKER),
        "--max-rows", str(settings.IMPORT_MAX_ROWS),
        "--max-bytes", str(settings.IMPORT_MAX_UPLOAD_BYTES),
        "--max-chars", str(_max_chars()),
        "--max-memory", str(settings.IMPORT_MAX_MEMORY_BYTES),
        "--max-seconds", str(seconds),
    ]  # fmt: skip
    try:
        done = subprocess.run(  # noqa: S603 - fixed argv: our interpreter and our own script
            command,
            input=data,
            capture_output=True,
            timeout=seconds,
            env={"PATH": os.defpath, "LANG": "C.UTF-8"},
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ImportRejected(TIMEOUT.format(seconds=seconds)) from None
    if done.returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        raise ImportRejected(TIMEOUT.format(seconds=seconds))
    try:
        result = json.loads(done.stdout)
    except ValueError:
        # The worker died without answering: usually the memory limit hit outside Python.
        raise ImportRejected(TOO_COMPLEX if done.returncode else NOT_XLSX) from None
    if "refused" in result:
        code = result.pop("refused")
        if code == "no_defusedxml":
            raise RuntimeError("defusedxml must be installed for spreadsheet imports")
        raise ImportRejected(_WORKER_MESSAGES.get(code, NOT_XLSX).format(**result))
    return [
        SheetRow(number, tuple(unescape_text(cell) for cell in cells))
        for number, cells in result["rows"]
    ]


def read_csv(data: bytes) -> list[SheetRow]:
    """UTF-8 (with or without BOM) only; `,` or `;` as the delimiter, whichever the header
    line uses more; the same row cap as a workbook."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRejected(CSV_ENCODING) from None
    delimiter = sniff_delimiter(text)
    max_rows = int(settings.IMPORT_MAX_ROWS)
    rows: list[SheetRow] = []
    filled = 0
    number = 0
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        for number, record in enumerate(reader, start=1):
            if not any(cell.strip() for cell in record):
                continue
            filled += 1
            if filled > max_rows + 1:
                continue  # keep counting, to say how many rows there are
            rows.append(SheetRow(number, _csv_cells(number, record)))
    except csv.Error:
        raise ImportRejected(CSV_BROKEN.format(row=number + 1)) from None
    if filled > max_rows + 1:
        raise ImportRejected(TOO_MANY_ROWS.format(rows=filled - 1, limit=max_rows))
    return rows


def _csv_cells(number: int, record: list[str]) -> tuple[str, ...]:
    for column, cell in enumerate(record, start=1):
        if not cell.strip():
            continue
        if column > MAX_COLUMNS:
            raise ImportRejected(TOO_WIDE.format(row=number, limit=MAX_COLUMNS))
        if len(cell) > MAX_CELL_CHARS:
            raise ImportRejected(CELL_TOO_LONG.format(row=number, limit=MAX_CELL_CHARS))
    while record and not record[-1].strip():
        record = record[:-1]
    return tuple(unescape_text(cell) for cell in record)


def sniff_delimiter(text: str) -> str:
    first = text.lstrip("\r\n").split("\n", 1)[0]
    by_comma = len(next(csv.reader([first], delimiter=","), []))
    by_semicolon = len(next(csv.reader([first], delimiter=";"), []))
    return ";" if by_semicolon > by_comma else ","

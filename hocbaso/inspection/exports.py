"""Writing the exported trail: a streamed CSV (UTF-8 with a BOM, for Excel) or an .xlsx in
openpyxl's write-only mode; every cell through the formula-safe helpers of people.exports."""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import IO

from hocbaso.people.exports.cells import escape_text, text_workbook


class _Line:
    """A file-like sink that hands back what the csv writer wrote."""

    def write(self, value: str) -> str:
        return value


def csv_stream(header: Sequence[str], rows: Iterable[Sequence[str]]) -> Iterator[bytes]:
    writer = csv.writer(_Line(), lineterminator="\r\n")
    yield "\ufeff".encode() + writer.writerow([escape_text(h) for h in header]).encode()
    for row in rows:
        yield writer.writerow([escape_text(v) for v in row]).encode()


def xlsx_file(
    header: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    title: str,
    widths: Sequence[int] = (),
) -> IO[bytes]:
    """The workbook in a temporary file (rewound), written row by row."""
    workbook = text_workbook(header, rows, title=title, widths=widths)
    out = tempfile.TemporaryFile()  # noqa: SIM115 - the caller reads and closes it
    workbook.save(out)
    out.seek(0)
    return out

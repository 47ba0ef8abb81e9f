"""What an import tells its caller: per-row errors in Vietnamese, and a rejected file."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Self


class ImportRejected(Exception):
    """The file as a whole is refused (too large, not our format, …). Nothing was parsed or
    written; `message` is a Vietnamese sentence for the user."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class RowError:
    """One problem, tied to a spreadsheet row (1-based, as the user sees it) or to the whole
    file when `row` is None."""

    row: int | None
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return self.message
        return f"Dòng {self.row}: {self.message}"


@dataclass(frozen=True)
class SkippedRow:
    """A row describing someone already in the school: reported, not written."""

    row: int
    label: str
    reason: str

    def __str__(self) -> str:
        return f"Dòng {self.row}: {self.label} — {self.reason}"


@dataclass
class ImportReport:
    """The outcome of a dry run or an apply, for a view or a command to render. Subclasses
    add `to_create` (what an apply creates, or created) for their kind of row."""

    file_name: str
    sha256: str
    dry_run: bool
    rows: int = 0  # data rows read (the header excluded)
    errors: list[RowError] = field(default_factory=list)
    skipped: list[SkippedRow] = field(default_factory=list)
    school_year: str = ""
    rows_checked: bool = False  # False when the file or its header was refused as a whole
    applied: bool = False

    @classmethod
    def for_file(cls, data: bytes, filename: str, *, dry_run: bool) -> Self:
        return cls(file_name=filename, sha256=hashlib.sha256(data).hexdigest(), dry_run=dry_run)

    @property
    def file_rejected(self) -> bool:
        return any(e.row is None for e in self.errors)

    @property
    def rows_with_errors(self) -> int:
        return len({e.row for e in self.errors if e.row is not None})

    @property
    def rows_ok(self) -> int:
        if not self.rows_checked:
            return 0
        return max(self.rows - self.rows_with_errors, 0)


def report_lines(report: ImportReport) -> list[str]:
    """A plain-text rendering of a report, one Vietnamese sentence per line (for commands)."""
    mode = "Chạy thử (không ghi gì)" if report.dry_run else "Nhập thật"
    lines = [
        f"{mode}: tệp «{report.file_name}» (SHA-256 {report.sha256[:16]}…)",
        f"Số dòng dữ liệu: {report.rows}; hợp lệ: {report.rows_ok}; "
        f"có lỗi: {report.rows_with_errors}; đã có (bỏ qua): {len(report.skipped)}.",
    ]
    lines.extend(str(error) for error in report.errors)
    lines.extend(str(skipped) for skipped in report.skipped)
    to_create = getattr(report, "to_create", [])
    if report.errors:
        lines.append("Có lỗi: không có gì được ghi.")
    elif report.applied:
        lines.append(f"Đã tạo {len(to_create)} mục.")
    elif to_create:
        lines.append(f"Sẽ tạo {len(to_create)} mục khi nhập thật (--apply).")
    else:
        lines.append("Không có mục mới để tạo.")
    return lines

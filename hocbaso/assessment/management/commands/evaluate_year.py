"""``manage.py evaluate_year --input FILE``: year-end results for a JSON file of pupils.

A stable external contract. The input (``-`` reads standard input) is a JSON array of pupils::

    {"id": str, "grade": 1-5,
     "subjects": {CODE: {"level": "T|H|C", "score": int | null}},
     "qualities": {CODE: "T|Đ|C"}, "competencies": {CODE: "T|Đ|C"}}

with end-of-year (CN) values; an optional unit appears only when the pupil studies it. The
output (standard output) is a JSON array in the same order, one object per pupil::

    {"id": str, "ok": true, "result": "HTXS|HTT|HT|CHT", "completed_grade": bool,
     "completed_primary": bool, "award": "hoc_sinh_xuat_sac" | null, "reasons": [str]}
    {"id": str | null, "ok": false, "errors": [str]}

Errors and reasons are in Vietnamese. The exit status is 0 whenever the input was read and was a
JSON array, even if some pupils are invalid; 2, with a Vietnamese message on standard error,
when it cannot be read, is not JSON or is not an array. Keys other than those above are
ignored. This command only parses; the rules are in ``hocbaso.regulation``.
"""

from __future__ import annotations

import json
import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from hocbaso.regulation import InvalidPeriodValues, evaluate_year_end

EXIT_BAD_INPUT = 2


class Command(BaseCommand):
    help = "Xếp loại cuối năm học (Thông tư 27/2020/TT-BGDĐT) cho một tệp JSON các học sinh."
    requires_system_checks: list[str] = []  # a pure computation: no models, no database

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--input",
            required=True,
            metavar="FILE",
            help="tệp JSON đầu vào (mảng các học sinh); '-' để đọc từ đầu vào chuẩn",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        pupils = _read_pupils(options["input"])
        results = [evaluate_pupil(position, entry) for position, entry in enumerate(pupils, 1)]
        self.stdout.write(json.dumps(results, ensure_ascii=False, indent=2))


def evaluate_pupil(position: int, entry: object) -> dict[str, object]:
    """The output object for the ``position``-th (1-based) entry of the input array."""
    if not isinstance(entry, dict):
        return _invalid(None, [f"Học sinh thứ {position}: dữ liệu phải là một đối tượng JSON"])
    errors: list[str] = []
    pupil_id = entry.get("id")
    if pupil_id is None:
        errors.append(f"Học sinh thứ {position}: thiếu mã học sinh (id)")
    elif not isinstance(pupil_id, str) or not pupil_id.strip():
        errors.append(f"Học sinh thứ {position}: mã học sinh (id) phải là chuỗi ký tự khác rỗng")
    shown_id = pupil_id if isinstance(pupil_id, str) else None
    try:
        outcome = evaluate_year_end(
            entry.get("grade"),
            entry.get("subjects"),
            entry.get("qualities"),
            entry.get("competencies"),
        )
    except InvalidPeriodValues as invalid:
        return _invalid(shown_id, errors + list(invalid.errors))
    if errors:
        return _invalid(shown_id, errors)
    return {
        "id": shown_id,
        "ok": True,
        "result": outcome.result.value,
        "completed_grade": outcome.completed_grade,
        "completed_primary": outcome.completed_primary,
        "award": outcome.award.value if outcome.award is not None else None,
        "reasons": list(outcome.reasons),
    }


def _invalid(pupil_id: str | None, errors: list[str]) -> dict[str, object]:
    return {"id": pupil_id, "ok": False, "errors": errors}


def _read_pupils(source: str) -> list[object]:
    """The input array; CommandError (exit status 2) when it is unreadable or not an array."""
    try:
        raw = _read_bytes(source)
    except OSError as error:
        reason = _OS_REASONS.get(type(error), error.strerror or str(error))
        raise _bad_input(f"Không đọc được tệp đầu vào {source}: {reason}") from error
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise _bad_input("Tệp đầu vào không phải văn bản UTF-8") from error
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise _bad_input(
            f"Dữ liệu đầu vào không phải JSON hợp lệ (dòng {error.lineno}, cột {error.colno})"
        ) from error
    except RecursionError as error:
        raise _bad_input("Dữ liệu đầu vào không phải JSON hợp lệ (lồng nhau quá sâu)") from error
    if not isinstance(data, list):
        raise _bad_input("Dữ liệu đầu vào phải là một mảng JSON các học sinh")
    return data


_OS_REASONS: dict[type[OSError], str] = {
    FileNotFoundError: "tệp không tồn tại",
    IsADirectoryError: "đây là một thư mục",
    PermissionError: "không có quyền đọc",
}


def _read_bytes(source: str) -> bytes:
    if source != "-":
        return Path(source).read_bytes()
    if sys.stdin is None:
        raise _bad_input("Không có đầu vào chuẩn để đọc")
    buffer = getattr(sys.stdin, "buffer", None)
    if buffer is not None:
        data: bytes = buffer.read()
        return data
    return sys.stdin.read().encode("utf-8")  # a text-only stdin (tests, embedding)


def _bad_input(message: str) -> CommandError:
    return CommandError(message, returncode=EXIT_BAD_INPUT)

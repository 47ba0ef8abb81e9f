"""Checks of single cells while a teacher enters a sheet.

A sheet is saved many times before it is complete, so a cell may still be empty; what is
typed must already be valid. Completeness of a period is checked by
:func:`validation.validate_period_values` when the period is locked and at year end.

Rules: TT27 Art. 7 cl. 1a (subject levels T/H/C), cl. 2 (qualities and competencies T/Đ/C),
cl. 1b (which units are tested when: catalogue, D4), cl. 1d (scores are integers 0–10, D3).
"""

from __future__ import annotations

from dataclasses import dataclass

from .catalogue import CATALOGUES, is_tested
from .types import Period as PeriodCode
from .types import QualityLevel, Regime, SubjectLevel


@dataclass(frozen=True, slots=True)
class CellCheck:
    """The cell as it will be stored (`level`, `score`) when `errors` is empty."""

    level: str | None
    score: int | None
    errors: tuple[str, ...]


def _score(raw: object) -> tuple[int | None, str | None]:
    if raw is None or raw == "":
        return None, None
    if isinstance(raw, bool):
        return None, "không hợp lệ"
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, str) and raw.strip().isdigit():
        value = int(raw.strip())
    else:
        return None, "không hợp lệ (cần số nguyên, không nhập số thập phân)"
    if not 0 <= value <= 10:  # the TT27 scale; TT30/22 pages are display-only and never entered
        return None, "không hợp lệ (cần số nguyên từ 0 đến 10)"
    return value, None


def check_subject_cell(
    code: str,
    grade: int,
    period: PeriodCode,
    level: object,
    score: object,
    *,
    regime: Regime = Regime.TT27,
) -> CellCheck:
    """One pupil's level and score in one unit for one period (TT27 Art. 7 cl. 1a, 1b, 1d)."""
    cat = CATALOGUES[regime]
    spec = cat.subject_by_code.get(code)
    if spec is None:
        return CellCheck(None, None, (f"Mã môn học không có trong danh mục: {code}",))
    name = spec.name_vi
    errors: list[str] = []
    parsed_level: SubjectLevel | None = None
    if level not in (None, ""):
        parsed_level = SubjectLevel.parse(
            level.strip().upper() if isinstance(level, str) else level
        )
        if parsed_level is None:
            errors.append(f"{name}: mức đạt được «{level}» không hợp lệ (chỉ nhận T, H, C)")
    value, problem = _score(score)
    if problem is not None:
        errors.append(f"{name}: điểm kiểm tra «{score}» {problem}")
    elif value is not None and not is_tested(code, grade, period, regime):
        errors.append(
            f"{name}: không có bài kiểm tra định kì {period.label} ở lớp {grade}, "
            "không được nhập điểm"
        )
    return CellCheck(parsed_level.value if parsed_level else None, value, tuple(errors))


def check_rated_cell(label: str, level: object) -> CellCheck:
    """One quality or competency level (TT27 Art. 7 cl. 2); "D" is read as "Đ" (D3)."""
    if level in (None, ""):
        return CellCheck(None, None, ())
    parsed = QualityLevel.parse(level.strip().upper() if isinstance(level, str) else level)
    if parsed is None:
        return CellCheck(
            None, None, (f"{label}: mức đạt được «{level}» không hợp lệ (chỉ nhận T, Đ, C)",)
        )
    return CellCheck(parsed.value, None, ())

"""Validation of one pupil's values for one period, with every error in Vietnamese.

Input may come straight from a form or a JSON file: every argument is accepted as a plain object
and checked, so callers need no validation of their own. Each error names the unit, quality or
competency by its Vietnamese name, and all errors are returned, not only the first.

Rules applied (Circular 27/2020/TT-BGDĐT, "TT27"):

- Art. 7 cl. 1a: every unit studied gets a level T/H/C at each period;
- Art. 7 cl. 2: every quality and competency gets a level T/Đ/C at each period;
- Art. 7 cl. 1d: periodic tests are scored on a 10-point scale, without decimals;
- Art. 7 cl. 1b: which units are tested at which period (catalogue, project decision D4);
- project decisions D1 (units per grade; optional units only when enrolled), D2, D3.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from .catalogue import CATALOGUES, GRADES, Catalogue, GradeCatalogue, RatedSpec, SubjectSpec
from .types import (
    QUALITY_LEVEL_INPUT,
    SUBJECT_LEVEL_INPUT,
    Offering,
    Period,
    PeriodValues,
    QualityLevel,
    Regime,
    SubjectLevel,
    SubjectResult,
)

# Frozen values can be shared: one instance per (level, score) saves building a dozen objects
# per pupil, which is most of the cost of reading a class at year end.
_SHARED_RESULTS: dict[tuple[SubjectLevel, int | None], SubjectResult] = {
    (level, score): SubjectResult(level, score)
    for level in SubjectLevel
    for score in (None, *range(11))
}
_SUBJECT_LEVELS_SHOWN = ", ".join(level.value for level in SubjectLevel)
_QUALITY_LEVELS_SHOWN = ", ".join(level.value for level in QualityLevel)


class InvalidPeriodValues(ValueError):
    """Raised by :func:`parse_period_values` and the year end; ``errors`` lists every problem."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors: tuple[str, ...] = tuple(errors)


@dataclass(frozen=True, slots=True)
class PeriodReading:
    """The outcome of reading raw values: typed ``values`` when (and only when) no ``errors``."""

    values: PeriodValues | None
    errors: tuple[str, ...]


def read_period_values(
    grade: object,
    period: Period,
    subjects: object,
    qualities: object,
    competencies: object,
    *,
    regime: Regime = Regime.TT27,
) -> PeriodReading:
    """Check raw values of one pupil for one period and build the typed values when valid.

    ``subjects`` maps unit codes to ``{"level": "T|H|C", "score": int | None}``; an optional
    unit appears only when the pupil studies it. ``qualities`` and ``competencies`` map codes to
    "T", "Đ" (or "D") or "C". Rules: TT27 Art. 7 cl. 1–2 and decisions D1–D4 (module docstring).
    """
    cat = CATALOGUES[regime]
    errors: list[str] = []
    view = _grade_view(cat, grade, errors)
    subject_values = _read_subjects(cat, view, period, subjects, errors)
    rated_grade = view.grade if view is not None else None
    quality_values = _read_rated(
        cat.quality_by_code,
        view.qualities if view is not None else cat.qualities,
        rated_grade,
        period,
        qualities,
        "phẩm chất",
        errors,
    )
    competency_values = _read_rated(
        cat.competency_by_code,
        view.competencies if view is not None else cat.competencies,
        rated_grade,
        period,
        competencies,
        "năng lực",
        errors,
    )
    if errors or view is None:
        return PeriodReading(None, tuple(errors))
    values = PeriodValues(
        grade=view.grade,
        period=period,
        subjects=subject_values,
        qualities=quality_values,
        competencies=competency_values,
        regime=regime,
    )
    return PeriodReading(values, ())


def validate_period_values(
    grade: object,
    period: Period,
    subjects: object,
    qualities: object,
    competencies: object,
    *,
    regime: Regime = Regime.TT27,
) -> list[str]:
    """Every error in raw values of one pupil for one period; empty when valid (TT27 Art. 7)."""
    reading = read_period_values(grade, period, subjects, qualities, competencies, regime=regime)
    return list(reading.errors)


def parse_period_values(
    grade: object,
    period: Period,
    subjects: object,
    qualities: object,
    competencies: object,
    *,
    regime: Regime = Regime.TT27,
) -> PeriodValues:
    """The typed values of one pupil for one period; InvalidPeriodValues when any is wrong."""
    reading = read_period_values(grade, period, subjects, qualities, competencies, regime=regime)
    if reading.values is None:
        raise InvalidPeriodValues(list(reading.errors))
    return reading.values


def check_period_values(values: PeriodValues) -> list[str]:
    """Every error in already typed values (a missing unit, a score where none is allowed…).

    The same rules as :func:`read_period_values`, for values built by code rather than read
    from input (TT27 Art. 7 cl. 1–2; D1–D4).
    """
    reading = read_period_values(
        values.grade,
        values.period,
        values.subjects,
        values.qualities,
        values.competencies,
        regime=values.regime,
    )
    return list(reading.errors)


def _shown(value: object) -> str:
    """A raw input value as the user typed it (JSON spelling, Vietnamese kept)."""
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)


def _grade_view(cat: Catalogue, grade: object, errors: list[str]) -> GradeCatalogue | None:
    if grade is None:
        errors.append("Thiếu khối lớp")
        return None
    if isinstance(grade, bool) or not isinstance(grade, int) or grade not in cat.by_grade:
        errors.append(
            f"Khối lớp {_shown(grade)} không hợp lệ "
            f"(chỉ nhận số nguyên từ {GRADES[0]} đến {GRADES[-1]})"
        )
        return None
    return cat.by_grade[grade]


def _read_subjects(
    cat: Catalogue,
    view: GradeCatalogue | None,
    period: Period,
    subjects: object,
    errors: list[str],
) -> dict[str, SubjectResult]:
    if subjects is None:
        errors.append("Thiếu kết quả các môn học và hoạt động giáo dục")
        return {}
    if not isinstance(subjects, Mapping):
        errors.append("Kết quả các môn học và hoạt động giáo dục không đúng định dạng")
        return {}
    if not subjects.keys() <= cat.subject_by_code.keys():
        errors.extend(
            f"Mã môn học không có trong danh mục: {_shown(code)}"
            for code in subjects
            if code not in cat.subject_by_code
        )
    if view is None:
        return {}
    results: dict[str, SubjectResult] = {}
    for spec, offering, tested in view.form_rows:
        entry = subjects.get(spec.code)
        if entry is None:
            if offering is Offering.COMPULSORY:
                errors.append(
                    f"{spec.name_vi}: thiếu kết quả đánh giá {period.label} "
                    f"(bắt buộc ở lớp {view.grade})"
                )
        elif offering is None:
            errors.append(f"{spec.name_vi}: không có trong chương trình lớp {view.grade}")
        else:
            result = _read_subject(cat, spec, view.grade, period, tested, entry, errors)
            if result is not None:
                results[spec.code] = result
    return results


def _read_subject(
    cat: Catalogue,
    spec: SubjectSpec,
    grade: int,
    period: Period,
    tested: frozenset[Period],
    entry: object,
    errors: list[str],
) -> SubjectResult | None:
    """One unit: its level (TT27 Art. 7 cl. 1a) and its test score (Art. 7 cl. 1b, 1d)."""
    if type(entry) is dict or isinstance(entry, Mapping):  # the exact type first: it is cheap
        raw_level, raw_score = entry.get("level"), entry.get("score")
    elif isinstance(entry, SubjectResult):  # typed values (check_period_values)
        raw_level, raw_score = entry.level, entry.score
    else:
        errors.append(
            f"{spec.name_vi}: dữ liệu không đúng định dạng (cần mức đạt được và điểm kiểm tra)"
        )
        return None
    level = SUBJECT_LEVEL_INPUT.get(raw_level) if isinstance(raw_level, str) else None
    score = (
        raw_score
        if type(raw_score) is int and cat.score_min <= raw_score <= cat.score_max
        else None
    )
    if level is not None and (score is not None if period in tested else raw_score is None):
        return _SHARED_RESULTS.get((level, score)) or SubjectResult(level, score)
    if raw_level is None:
        errors.append(f"{spec.name_vi}: thiếu mức đạt được {period.label}")
    elif level is None:
        errors.append(
            f"{spec.name_vi}: mức đạt được {_shown(raw_level)} không hợp lệ "
            f"(chỉ nhận {_SUBJECT_LEVELS_SHOWN})"
        )
    _score_errors(cat, spec, grade, period, tested, raw_score, errors)
    return None


def _score_errors(
    cat: Catalogue,
    spec: SubjectSpec,
    grade: int,
    period: Period,
    tested: frozenset[Period],
    raw: object,
    errors: list[str],
) -> None:
    """A test score: only where the unit is tested (Art. 7 cl. 1b), an integer 0–10 (cl. 1d)."""
    if period not in tested:
        if raw is None:
            return
        if tested:
            errors.append(
                f"{spec.name_vi}: không có bài kiểm tra định kì {period.label} ở lớp {grade}, "
                "không được nhập điểm"
            )
        else:
            errors.append(f"{spec.name_vi}: không có bài kiểm tra định kì, không được nhập điểm")
    elif raw is None:
        errors.append(f"{spec.name_vi}: thiếu điểm kiểm tra định kì {period.label}")
    elif type(raw) is not int or not cat.score_min <= raw <= cat.score_max:
        errors.append(
            f"{spec.name_vi}: điểm kiểm tra {_shown(raw)} không hợp lệ "
            f"(cần số nguyên từ {cat.score_min} đến {cat.score_max})"
        )


def _read_rated(
    known: Mapping[str, RatedSpec],
    specs: tuple[RatedSpec, ...],
    grade: int | None,
    period: Period,
    raw: object,
    kind: str,
    errors: list[str],
) -> dict[str, QualityLevel]:
    """Qualities or competencies: every one rated in the grade, T/Đ/C (TT27 Art. 7 cl. 2).

    ``known`` holds every code of the kind; ``specs`` those rated in ``grade``.
    """
    if raw is None:
        errors.append(f"Thiếu kết quả đánh giá {kind}")
        return {}
    if not isinstance(raw, Mapping):
        errors.append(f"Kết quả đánh giá {kind} không đúng định dạng")
        return {}
    if len(specs) == len(known) and raw.keys() == known.keys():
        # Fast path: exactly the expected codes (every one rated in this grade), all levels valid.
        try:
            return {code: QUALITY_LEVEL_INPUT[value] for code, value in raw.items()}
        except (KeyError, TypeError):  # a missing, misspelt or unhashable level: report below
            pass
    if len(raw) != len(specs) or not raw.keys() <= known.keys():
        for code in raw:
            if code not in known:
                errors.append(f"Mã {kind} không có trong danh mục: {_shown(code)}")
            elif known[code] not in specs and raw[code] is not None:
                errors.append(f"{known[code].label_vi}: không đánh giá ở lớp {grade}")
    levels: dict[str, QualityLevel] = {}
    for spec in specs:
        value = raw.get(spec.code)
        level = QUALITY_LEVEL_INPUT.get(value) if isinstance(value, str) else None
        if level is not None:
            levels[spec.code] = level
        elif value is None:
            errors.append(f"{spec.label_vi}: thiếu mức đạt được {period.label}")
        else:
            errors.append(
                f"{spec.label_vi}: mức đạt được {_shown(value)} không hợp lệ "
                f"(chỉ nhận {_QUALITY_LEVELS_SHOWN})"
            )
    return levels

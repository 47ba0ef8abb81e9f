"""Builders of raw pupil values, shaped like the input of ``evaluate_year`` (plain dicts)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from hocbaso.regulation import (
    COMPETENCIES,
    QUALITIES,
    Period,
    PeriodValues,
    compulsory_subjects,
    parse_period_values,
    subjects_tested,
)


def pupil(
    grade: int,
    *,
    period: Period = Period.CN,
    enrolled: Iterable[str] = (),
    levels: Mapping[str, Any] | None = None,
    scores: Mapping[str, Any] | None = None,
    qualities: Mapping[str, Any] | None = None,
    competencies: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A pupil of ``grade`` with every unit at T, every test at 10 and every rating at T.

    ``enrolled`` adds optional units; ``levels``/``scores`` override a unit's level/score (a
    unit named only there is added); ``qualities``/``competencies`` override ratings.
    """
    codes = [*compulsory_subjects(grade), *enrolled]
    codes += [code for code in [*(levels or {}), *(scores or {})] if code not in codes]
    tested = subjects_tested(grade, period)
    subjects: dict[str, Any] = {
        code: {"level": "T", "score": 10 if code in tested else None} for code in codes
    }
    for code, level in (levels or {}).items():
        subjects[code]["level"] = level
    for code, score in (scores or {}).items():
        subjects[code]["score"] = score
    return {
        "grade": grade,
        "subjects": subjects,
        "qualities": {code: "T" for code in QUALITIES} | dict(qualities or {}),
        "competencies": {code: "T" for code in COMPETENCIES} | dict(competencies or {}),
    }


def without(mapping: Mapping[str, Any], *codes: str) -> dict[str, Any]:
    """A copy of ``mapping`` without ``codes``."""
    return {code: value for code, value in mapping.items() if code not in codes}


def typed_pupil(grade: int, **changes: Any) -> PeriodValues:
    """:func:`pupil`, read into typed CN values."""
    raw = pupil(grade, **changes)
    return parse_period_values(
        raw["grade"], Period.CN, raw["subjects"], raw["qualities"], raw["competencies"]
    )

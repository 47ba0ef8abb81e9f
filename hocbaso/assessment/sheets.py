"""What a sheet holds: which codes (columns) for which kind, per class grade."""

from __future__ import annotations

from dataclasses import dataclass

from hocbaso.assessment.models import QC_SHEET, Entry
from hocbaso.regulation import catalogue
from hocbaso.regulation.types import Period as PeriodCode


@dataclass(frozen=True)
class Column:
    code: str
    kind: str  # Entry.Kind value
    label: str
    tested: bool  # a score is entered in this period


def sheet_keys(grade: int) -> tuple[str, ...]:
    """Subject sheets of the grade, then the qualities-and-competencies sheet."""
    return (*catalogue.subjects_for_grade(grade), QC_SHEET)


def sheet_label(key: str) -> str:
    if key == QC_SHEET:
        return "Phẩm chất và năng lực"
    return catalogue.subject_name(key)


def sheet_columns(key: str, grade: int, period_code: str) -> tuple[Column, ...]:
    if key == QC_SHEET:
        return tuple(
            Column(code, Entry.Kind.QUALITY, catalogue.quality_name(code), False)
            for code in catalogue.QUALITIES
        ) + tuple(
            Column(code, Entry.Kind.COMPETENCY, catalogue.competency_name(code), False)
            for code in catalogue.COMPETENCIES
        )
    period = PeriodCode(period_code)
    return (
        Column(
            key,
            Entry.Kind.SUBJECT,
            catalogue.subject_name(key),
            catalogue.is_tested(key, grade, period),
        ),
    )

"""Circular 27/2020/TT-BGDĐT for Vietnamese primary schools, as pure Python.

This package imports only the standard library: no Django, no other hocbaso app. Callers read
the database and pass plain values in; the rules return frozen dataclasses and enums.

- ``types``: levels, periods, results, regimes, awards and the values of one pupil's page;
- ``catalogue``: units, qualities, competencies and the test matrix, as data per regime;
- ``validation``: one pupil's values for one period, every error in Vietnamese;
- ``year_end``: result, completion and automatic commendation at the end of the year.

``docs/regulation-mapping.md`` maps each article to its function.
"""

from __future__ import annotations

from .catalogue import (
    COMPETENCIES,
    GENERAL_COMPETENCIES,
    GRADES,
    QUALITIES,
    SPECIFIC_COMPETENCIES,
    SUBJECTS,
    catalogue_for,
    competency_name,
    compulsory_subjects,
    is_tested,
    optional_subjects,
    quality_name,
    subject_name,
    subject_name_en,
    subjects_for_grade,
    subjects_tested,
)
from .types import (
    Award,
    Offering,
    Period,
    PeriodValues,
    QualityLevel,
    Regime,
    SubjectLevel,
    SubjectResult,
    YearEndOutcome,
    YearResult,
)
from .validation import (
    InvalidPeriodValues,
    check_period_values,
    parse_period_values,
    read_period_values,
    validate_period_values,
)
from .year_end import UnsupportedRegime, classify, evaluate_year_end, year_result

__all__ = [
    "COMPETENCIES",
    "GENERAL_COMPETENCIES",
    "GRADES",
    "QUALITIES",
    "SPECIFIC_COMPETENCIES",
    "SUBJECTS",
    "Award",
    "InvalidPeriodValues",
    "Offering",
    "Period",
    "PeriodValues",
    "QualityLevel",
    "Regime",
    "SubjectLevel",
    "SubjectResult",
    "UnsupportedRegime",
    "YearEndOutcome",
    "YearResult",
    "catalogue_for",
    "check_period_values",
    "classify",
    "competency_name",
    "compulsory_subjects",
    "evaluate_year_end",
    "is_tested",
    "optional_subjects",
    "parse_period_values",
    "quality_name",
    "read_period_values",
    "subject_name",
    "subject_name_en",
    "subjects_for_grade",
    "subjects_tested",
    "validate_period_values",
    "year_result",
]

"""Value types of the regulation: levels, periods, results, regimes and the values of one page.

Everything here is an enum or a frozen dataclass, so a rule can never change what it was given.
Levels and periods are those of Circular 27/2020/TT-BGDĐT (TT27), Art. 7 cl. 1a (subject levels
T/H/C), Art. 7 cl. 2 (quality and competency levels T/Đ/C) and Art. 9 cl. 2 (year-end results).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class Regime(StrEnum):
    """The regulation a (student, year, grade) page was assessed under (project decision D6)."""

    TT27 = "TT27"
    """Circular 27/2020/TT-BGDĐT, in force for every grade from 2024-25."""
    TT30_22 = "TT30_22"
    """Circulars 30/2014 and 22/2016: legacy pages, displayed and never re-classified."""


class SubjectLevel(StrEnum):
    """Level of a subject or educational activity (TT27 Art. 7 cl. 1a)."""

    T = "T"
    H = "H"
    C = "C"

    @property
    def label(self) -> str:
        """The Vietnamese name of the level, as written in the học bạ."""
        return _SUBJECT_LEVEL_LABELS[self]

    @classmethod
    def parse(cls, raw: object) -> SubjectLevel | None:
        """The level written as ``raw`` ("T", "H" or "C"), or None when it is not one."""
        if isinstance(raw, str):
            return SUBJECT_LEVEL_INPUT.get(raw)
        return None


class QualityLevel(StrEnum):
    """Level of a quality or competency (TT27 Art. 7 cl. 2); "D" is read as "Đ" (D3)."""

    T = "T"
    D = "Đ"
    C = "C"

    @property
    def label(self) -> str:
        """The Vietnamese name of the level, as written in the học bạ."""
        return _QUALITY_LEVEL_LABELS[self]

    @classmethod
    def parse(cls, raw: object) -> QualityLevel | None:
        """The level written as ``raw`` ("T", "Đ" or its alias "D", "C"), or None."""
        if isinstance(raw, str):
            return QUALITY_LEVEL_INPUT.get(raw)
        return None


class Period(StrEnum):
    """The four periodic assessment points of a school year (TT27 Art. 7 cl. 1a and cl. 2)."""

    GHKI = "GHKI"
    CHKI = "CHKI"
    GHKII = "GHKII"
    CN = "CN"

    @property
    def label(self) -> str:
        """Vietnamese phrase used after "kiểm tra định kì", e.g. "cuối năm học"."""
        return _PERIOD_LABELS[self]


class YearResult(StrEnum):
    """Year-end result of education (TT27 Art. 9 cl. 2a, four indents), best first."""

    HTXS = "HTXS"
    HTT = "HTT"
    HT = "HT"
    CHT = "CHT"

    @property
    def label(self) -> str:
        """The Vietnamese name of the result, as written in section 4 of the học bạ."""
        return _RESULT_LABELS[self]


class Award(StrEnum):
    """Year-end commendations given by the principal (TT27 Art. 13 cl. 1)."""

    HOC_SINH_XUAT_SAC = "hoc_sinh_xuat_sac"
    """Art. 13 cl. 1a, first indent: automatic for HTXS."""
    HOC_SINH_TIEU_BIEU = "hoc_sinh_tieu_bieu"
    """Art. 13 cl. 1a, second indent: HTT plus a recorded justification and the class's
    recognition; never automatic (D5)."""

    @property
    def label(self) -> str:
        """The Vietnamese title of the award."""
        return _AWARD_LABELS[self]


class Offering(StrEnum):
    """Whether a grade studies a unit: compulsory, or optional (counted only when enrolled)."""

    COMPULSORY = "compulsory"
    OPTIONAL = "optional"


_SUBJECT_LEVEL_LABELS = {
    SubjectLevel.T: "Hoàn thành tốt",
    SubjectLevel.H: "Hoàn thành",
    SubjectLevel.C: "Chưa hoàn thành",
}
SUBJECT_LEVEL_INPUT: Mapping[str, SubjectLevel] = {level.value: level for level in SubjectLevel}
"""Every accepted spelling of a subject level (TT27 Art. 7 cl. 1a)."""
_QUALITY_LEVEL_LABELS = {
    QualityLevel.T: "Tốt",
    QualityLevel.D: "Đạt",
    QualityLevel.C: "Cần cố gắng",
}
QUALITY_LEVEL_INPUT: Mapping[str, QualityLevel] = {level.value: level for level in QualityLevel} | {
    "D": QualityLevel.D
}
"""Every accepted spelling of a quality/competency level, "D" included (Art. 7 cl. 2; D3)."""
_PERIOD_LABELS = {
    Period.GHKI: "giữa học kì I",
    Period.CHKI: "cuối học kì I",
    Period.GHKII: "giữa học kì II",
    Period.CN: "cuối năm học",
}
_RESULT_LABELS = {
    YearResult.HTXS: "Hoàn thành xuất sắc",
    YearResult.HTT: "Hoàn thành tốt",
    YearResult.HT: "Hoàn thành",
    YearResult.CHT: "Chưa hoàn thành",
}
_AWARD_LABELS = {
    Award.HOC_SINH_XUAT_SAC: "Học sinh Xuất sắc",
    Award.HOC_SINH_TIEU_BIEU: "Học sinh Tiêu biểu hoàn thành tốt trong học tập và rèn luyện",
}


@dataclass(frozen=True, slots=True)
class SubjectResult:
    """One unit's level for a period and, where the unit is tested then, the test score."""

    level: SubjectLevel
    score: int | None = None


@dataclass(frozen=True, slots=True)
class PeriodValues:
    """Everything one pupil received at one period: the input of validation and classification.

    ``subjects`` holds the compulsory units of the grade and the optional ones the pupil is
    enrolled in (an optional unit's presence means enrolment). ``qualities`` and
    ``competencies`` are keyed by their own codes: subject and competency codes are separate
    namespaces (``khoa_hoc`` is both).
    """

    grade: int
    period: Period
    subjects: Mapping[str, SubjectResult]
    qualities: Mapping[str, QualityLevel]
    competencies: Mapping[str, QualityLevel]
    regime: Regime = Regime.TT27


@dataclass(frozen=True, slots=True)
class YearEndOutcome:
    """What the year end decides for one pupil (TT27 Art. 9 cl. 2, Art. 11, Art. 13).

    ``reasons`` are Vietnamese sentences: for HTXS why it was reached, otherwise each thing that
    kept the pupil from the next result up.
    """

    result: YearResult
    completed_grade: bool
    completed_primary: bool
    award: Award | None
    reasons: tuple[str, ...]

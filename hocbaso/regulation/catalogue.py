"""The catalogue of units, qualities, competencies and periodic tests, as data, per regime.

The tables below are the only place where codes, names, grades and the test matrix live, so an
official decision changes a row here and no code (project decisions D1, D2, D4, D6). The
consistency of each table is checked when this module is imported: a bad row fails at start-up,
not in the middle of a year end.

Sources: TT27 (Circular 27/2020/TT-BGDĐT) Art. 5 (qualities and competencies assessed),
Art. 7 cl. 1b (units with periodic tests); GDPT 2018 programme (Circular 32/2018/TT-BGDĐT) for the
units of each grade; spec §3, §4.4 and §4.6.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import TypeVar

from .legacy_catalogue import (
    TT30_22_COMPETENCY_TABLE,
    TT30_22_QUALITY_TABLE,
    TT30_22_SUBJECT_TABLE,
)
from .types import Offering, Period, Regime

GRADES: tuple[int, ...] = (1, 2, 3, 4, 5)

# Test columns: one character per grade G1..G5.
#   "-"  no scored periodic test
#   "S"  end of semester I and end of year (CHKI, CN)
#   "A"  all four periods (GHKI, CHKI, GHKII, CN)
_TEST_CODES: Mapping[str, frozenset[Period]] = MappingProxyType(
    {
        "-": frozenset(),
        "S": frozenset({Period.CHKI, Period.CN}),
        "A": frozenset(Period),
    }
)
# Offering columns: one character per grade G1..G5: "C" compulsory, "O" optional, "-" not offered.
_OFFERING_CODES: Mapping[str, Offering | None] = MappingProxyType(
    {"C": Offering.COMPULSORY, "O": Offering.OPTIONAL, "-": None}
)

# TT27 units (D1) and test matrix (D4).
#   code                     Vietnamese name             English name               offer  tests
_TT27_SUBJECT_TABLE: tuple[tuple[str, str, str, str, str], ...] = (
    ("tieng_viet", "Tiếng Việt", "Vietnamese", "CCCCC", "SSSAA"),
    ("toan", "Toán", "Mathematics", "CCCCC", "SSSAA"),
    ("dao_duc", "Đạo đức", "Ethics", "CCCCC", "-----"),
    ("ngoai_ngu_1", "Ngoại ngữ 1", "Foreign language 1", "OOCCC", "--SSS"),
    ("tu_nhien_xa_hoi", "Tự nhiên và Xã hội", "Nature and society", "CCC--", "-----"),
    ("lich_su_dia_li", "Lịch sử và Địa lí", "History and geography", "---CC", "---SS"),
    ("khoa_hoc", "Khoa học", "Science", "---CC", "---SS"),
    ("tin_hoc", "Tin học", "Informatics", "--CCC", "--SSS"),
    ("cong_nghe", "Công nghệ", "Technology", "--CCC", "--SSS"),
    ("giao_duc_the_chat", "Giáo dục thể chất", "Physical education", "CCCCC", "-----"),
    ("am_nhac", "Âm nhạc", "Music", "CCCCC", "-----"),
    ("mi_thuat", "Mĩ thuật", "Fine arts", "CCCCC", "-----"),
    ("hoat_dong_trai_nghiem", "Hoạt động trải nghiệm", "Experiential activities", "CCCCC", "-----"),
    ("tieng_dan_toc", "Tiếng dân tộc thiểu số", "Minority language", "OOOOO", "-----"),
)

# TT27 qualities and competencies (D2, TT27 Art. 5 cl. 2): rated in the grades listed.
#   code                          Vietnamese name                    English name      grades
_TT27_QUALITY_TABLE: tuple[tuple[str, str, str, str], ...] = (
    ("yeu_nuoc", "Yêu nước", "Patriotism", "12345"),
    ("nhan_ai", "Nhân ái", "Kindness", "12345"),
    ("cham_chi", "Chăm chỉ", "Diligence", "12345"),
    ("trung_thuc", "Trung thực", "Honesty", "12345"),
    ("trach_nhiem", "Trách nhiệm", "Responsibility", "12345"),
)
_TT27_GENERAL_COMPETENCY_TABLE: tuple[tuple[str, str, str, str], ...] = (
    ("tu_chu_tu_hoc", "Tự chủ và tự học", "Autonomy and self-learning", "12345"),
    ("giao_tiep_hop_tac", "Giao tiếp và hợp tác", "Communication and cooperation", "12345"),
    (
        "giai_quyet_van_de_sang_tao",
        "Giải quyết vấn đề và sáng tạo",
        "Problem solving and creativity",
        "12345",
    ),
)
_TT27_SPECIFIC_COMPETENCY_TABLE: tuple[tuple[str, str, str, str], ...] = (
    ("ngon_ngu", "Ngôn ngữ", "Language", "12345"),
    ("tinh_toan", "Tính toán", "Numeracy", "12345"),
    ("khoa_hoc", "Khoa học", "Science", "12345"),
    ("cong_nghe", "Công nghệ", "Technology", "12345"),
    ("tin_hoc", "Tin học", "Informatics", "12345"),
    ("tham_mi", "Thẩm mĩ", "Aesthetics", "12345"),
    ("the_chat", "Thể chất", "Physical", "12345"),
)


class RatedGroup(StrEnum):
    """Kind of a rated item other than a unit: a quality, or a general or specific competency."""

    QUALITY = "quality"
    GENERAL_COMPETENCY = "general_competency"
    SPECIFIC_COMPETENCY = "specific_competency"


_GROUP_PREFIX = {
    RatedGroup.QUALITY: "Phẩm chất",
    RatedGroup.GENERAL_COMPETENCY: "Năng lực",
    RatedGroup.SPECIFIC_COMPETENCY: "Năng lực",
}


@dataclass(frozen=True, slots=True)
class SubjectSpec:
    """One subject or educational activity ("unit") of a regime's catalogue."""

    code: str
    name_vi: str
    name_en: str
    offering: tuple[Offering | None, ...]
    """Per grade G1..G5; None when the grade does not study the unit."""
    tests: tuple[frozenset[Period], ...]
    """Per grade G1..G5, the periods with a scored periodic test."""

    def offering_in(self, grade: int) -> Offering | None:
        """Compulsory, optional, or None when grade ``grade`` does not study this unit."""
        return self.offering[grade - 1]

    def tested_periods(self, grade: int) -> frozenset[Period]:
        """The periods at which grade ``grade`` sits a scored test in this unit."""
        return self.tests[grade - 1]


@dataclass(frozen=True, slots=True)
class RatedSpec:
    """One quality or competency, rated T/Đ/C at every period."""

    code: str
    name_vi: str
    name_en: str
    group: RatedGroup
    grades: frozenset[int]
    label_vi: str
    """Unambiguous Vietnamese label, e.g. "Năng lực khoa học" (not the subject Khoa học)."""


@dataclass(frozen=True, slots=True)
class GradeCatalogue:
    """A regime's catalogue seen from one grade, with the lookups the rules need precomputed."""

    regime: Regime
    grade: int
    subjects: tuple[SubjectSpec, ...]
    compulsory: frozenset[str]
    optional: frozenset[str]
    tested: Mapping[Period, frozenset[str]]
    qualities: tuple[RatedSpec, ...]
    competencies: tuple[RatedSpec, ...]
    form_rows: tuple[tuple[SubjectSpec, Offering | None, frozenset[Period]], ...]
    """Every unit of the regime in form order, with its offering and tested periods here."""


@dataclass(frozen=True, slots=True)
class Catalogue:
    """Everything one regime assesses, with its score scale (versioned per regime, D1/D6)."""

    regime: Regime
    title: str
    subjects: tuple[SubjectSpec, ...]
    qualities: tuple[RatedSpec, ...]
    competencies: tuple[RatedSpec, ...]
    score_min: int
    score_max: int
    classifies: bool
    """Whether hocbaso computes year-end results for this regime (False: display only, D6)."""
    subject_by_code: Mapping[str, SubjectSpec]
    quality_by_code: Mapping[str, RatedSpec]
    competency_by_code: Mapping[str, RatedSpec]
    by_grade: Mapping[int, GradeCatalogue]

    def grade(self, grade: int) -> GradeCatalogue:
        """This catalogue seen from ``grade``; ValueError when it is not a primary grade."""
        view = None if isinstance(grade, bool) else self.by_grade.get(grade)
        if view is None:
            raise ValueError(f"not a primary grade: {grade!r}")
        return view


def _subjects(
    rows: tuple[tuple[str, str, str, str, str], ...], *, optional_tested: bool
) -> tuple[SubjectSpec, ...]:
    specs = []
    for code, name_vi, name_en, offer, tests in rows:
        if len(offer) != len(GRADES) or len(tests) != len(GRADES):
            raise ValueError(f"catalogue row {code}: one column per grade expected")
        offering = tuple(_OFFERING_CODES[c] for c in offer)
        periods = tuple(_TEST_CODES[c] for c in tests)
        for offered, tested in zip(offering, periods, strict=True):
            if tested and offered is None:
                raise ValueError(f"catalogue row {code}: a test in a grade without the unit")
            if tested and offered is Offering.OPTIONAL and not optional_tested:
                raise ValueError(f"catalogue row {code}: an optional unit with a test")
        specs.append(SubjectSpec(code, name_vi, name_en, offering, periods))
    return tuple(specs)


def _rated(rows: tuple[tuple[str, str, str, str], ...], group: RatedGroup) -> tuple[RatedSpec, ...]:
    prefix = _GROUP_PREFIX[group]
    return tuple(
        RatedSpec(
            code=code,
            name_vi=name_vi,
            name_en=name_en,
            group=group,
            grades=frozenset(int(g) for g in grades),
            label_vi=f"{prefix} {name_vi[0].lower()}{name_vi[1:]}",
        )
        for code, name_vi, name_en, grades in rows
    )


_Spec = TypeVar("_Spec", SubjectSpec, RatedSpec)


def _index(specs: tuple[_Spec, ...]) -> Mapping[str, _Spec]:
    index = {spec.code: spec for spec in specs}
    if len(index) != len(specs):
        raise ValueError("catalogue: duplicate code in one namespace")
    return MappingProxyType(index)


def _build(
    regime: Regime,
    title: str,
    subjects: tuple[SubjectSpec, ...],
    qualities: tuple[RatedSpec, ...],
    competencies: tuple[RatedSpec, ...],
    *,
    score_min: int,
    classifies: bool,
) -> Catalogue:
    by_grade = {}
    for grade in GRADES:
        offered = tuple(s for s in subjects if s.offering_in(grade) is not None)
        by_grade[grade] = GradeCatalogue(
            regime=regime,
            grade=grade,
            subjects=offered,
            compulsory=frozenset(
                s.code for s in offered if s.offering_in(grade) is Offering.COMPULSORY
            ),
            optional=frozenset(
                s.code for s in offered if s.offering_in(grade) is Offering.OPTIONAL
            ),
            tested=MappingProxyType(
                {
                    p: frozenset(s.code for s in offered if p in s.tested_periods(grade))
                    for p in Period
                }
            ),
            qualities=tuple(q for q in qualities if grade in q.grades),
            competencies=tuple(c for c in competencies if grade in c.grades),
            form_rows=tuple((s, s.offering_in(grade), s.tested_periods(grade)) for s in subjects),
        )
    return Catalogue(
        regime=regime,
        title=title,
        subjects=subjects,
        qualities=qualities,
        competencies=competencies,
        score_min=score_min,
        score_max=10,
        classifies=classifies,
        subject_by_code=_index(subjects),
        quality_by_code=_index(qualities),
        competency_by_code=_index(competencies),
        by_grade=MappingProxyType(by_grade),
    )


CATALOGUES: Mapping[Regime, Catalogue] = MappingProxyType(
    {
        Regime.TT27: _build(
            Regime.TT27,
            "Thông tư 27/2020/TT-BGDĐT",
            _subjects(_TT27_SUBJECT_TABLE, optional_tested=False),
            _rated(_TT27_QUALITY_TABLE, RatedGroup.QUALITY),
            _rated(_TT27_GENERAL_COMPETENCY_TABLE, RatedGroup.GENERAL_COMPETENCY)
            + _rated(_TT27_SPECIFIC_COMPETENCY_TABLE, RatedGroup.SPECIFIC_COMPETENCY),
            score_min=0,  # D3: 0 is accepted (with a warning in the UI)
            classifies=True,
        ),
        Regime.TT30_22: _build(
            Regime.TT30_22,
            "Thông tư 30/2014/TT-BGDĐT, sửa đổi bởi Thông tư 22/2016/TT-BGDĐT",
            _subjects(TT30_22_SUBJECT_TABLE, optional_tested=True),
            _rated(TT30_22_QUALITY_TABLE, RatedGroup.QUALITY),
            _rated(TT30_22_COMPETENCY_TABLE, RatedGroup.GENERAL_COMPETENCY),
            score_min=1,  # TT22 Art. 10 cl. 2 [A]: no 0
            classifies=False,
        ),
    }
)


def catalogue_for(regime: Regime = Regime.TT27) -> Catalogue:
    """The catalogue of ``regime``."""
    return CATALOGUES[regime]


def grade_catalogue(grade: int, regime: Regime = Regime.TT27) -> GradeCatalogue:
    """The catalogue of ``regime`` for ``grade``; ValueError when ``grade`` is not 1–5."""
    return CATALOGUES[regime].grade(grade)


def subjects_for_grade(grade: int, regime: Regime = Regime.TT27) -> tuple[str, ...]:
    """Codes of every unit grade ``grade`` may study (compulsory and optional), in form order."""
    return tuple(s.code for s in grade_catalogue(grade, regime).subjects)


def compulsory_subjects(grade: int, regime: Regime = Regime.TT27) -> tuple[str, ...]:
    """Codes of the units every pupil of ``grade`` studies (GDPT 2018; D1), in form order."""
    view = grade_catalogue(grade, regime)
    return tuple(s.code for s in view.subjects if s.code in view.compulsory)


def optional_subjects(grade: int, regime: Regime = Regime.TT27) -> tuple[str, ...]:
    """Codes of the units of ``grade`` that count only when the pupil is enrolled (D1, D5)."""
    view = grade_catalogue(grade, regime)
    return tuple(s.code for s in view.subjects if s.code in view.optional)


def subjects_tested(grade: int, period: Period, regime: Regime = Regime.TT27) -> tuple[str, ...]:
    """Codes of the units with a scored periodic test at ``period`` (TT27 Art. 7 cl. 1b; D4)."""
    view = grade_catalogue(grade, regime)
    return tuple(s.code for s in view.subjects if s.code in view.tested[period])


def is_tested(code: str, grade: int, period: Period, regime: Regime = Regime.TT27) -> bool:
    """Whether unit ``code`` has a scored test in ``grade`` at ``period``.

    TT27 Art. 7 cl. 1b: at CHKI and CN, tests in Tiếng Việt, Toán, Ngoại ngữ 1, Lịch sử và Địa
    lí, Khoa học, Tin học và Công nghệ (compulsory units only), and G4–5 also test Tiếng
    Việt and Toán at GHKI and GHKII. KeyError for a code not in the catalogue.
    """
    view = grade_catalogue(grade, regime)
    spec = CATALOGUES[regime].subject_by_code[code]
    return period in spec.tested_periods(view.grade)


def subject_name(code: str, regime: Regime = Regime.TT27) -> str:
    """Vietnamese name of unit ``code`` (e.g. "Tiếng Việt"); KeyError when unknown."""
    return CATALOGUES[regime].subject_by_code[code].name_vi


def subject_name_en(code: str, regime: Regime = Regime.TT27) -> str:
    """English name of unit ``code``; KeyError when unknown."""
    return CATALOGUES[regime].subject_by_code[code].name_en


def quality_name(code: str, regime: Regime = Regime.TT27) -> str:
    """Vietnamese name of quality ``code`` (e.g. "Yêu nước"); KeyError when unknown."""
    return CATALOGUES[regime].quality_by_code[code].name_vi


def competency_name(code: str, regime: Regime = Regime.TT27) -> str:
    """Vietnamese name of competency ``code`` (e.g. "Tự chủ và tự học"); KeyError when unknown."""
    return CATALOGUES[regime].competency_by_code[code].name_vi


SUBJECTS: tuple[str, ...] = tuple(s.code for s in CATALOGUES[Regime.TT27].subjects)
QUALITIES: tuple[str, ...] = tuple(q.code for q in CATALOGUES[Regime.TT27].qualities)
GENERAL_COMPETENCIES: tuple[str, ...] = tuple(
    c.code for c in CATALOGUES[Regime.TT27].competencies if c.group is RatedGroup.GENERAL_COMPETENCY
)
SPECIFIC_COMPETENCIES: tuple[str, ...] = tuple(
    c.code
    for c in CATALOGUES[Regime.TT27].competencies
    if c.group is RatedGroup.SPECIFIC_COMPETENCY
)
COMPETENCIES: tuple[str, ...] = GENERAL_COMPETENCIES + SPECIFIC_COMPETENCIES

"""Year end: result of education, completion and automatic commendation (TT27 Arts. 9, 11, 13).

Only end-of-year (CN) levels and CN test scores count (project decision D5); enrolled optional
units count like the others, because they are in the pupil's values like the others. Legacy
TT30/22 pages are displayed, never re-classified (D6).
"""

from __future__ import annotations

from dataclasses import dataclass

from .catalogue import CATALOGUES, GRADES
from .types import (
    Award,
    Period,
    PeriodValues,
    QualityLevel,
    Regime,
    SubjectLevel,
    YearEndOutcome,
    YearResult,
)
from .validation import InvalidPeriodValues, check_period_values, read_period_values


class UnsupportedRegime(ValueError):
    """The values are of a regime whose results hocbaso displays but never computes (D6)."""


@dataclass(frozen=True, slots=True)
class ResultBar:
    """What every unit, quality/competency and CN test must reach for one result."""

    result: YearResult
    clause: str
    subject_levels: frozenset[SubjectLevel]
    rated_levels: frozenset[QualityLevel]
    min_score: int
    subject_wording: str
    rated_wording: str


# TT27 Art. 9 cl. 2a, first three indents, as data: the bars of HTXS, HTT and HT, best first.
HTXS_BAR = ResultBar(
    result=YearResult.HTXS,
    clause="TT27 Art. 9 cl. 2a, first indent",
    subject_levels=frozenset({SubjectLevel.T}),
    rated_levels=frozenset({QualityLevel.T}),
    min_score=9,
    subject_wording="Hoàn thành tốt",
    rated_wording="Tốt",
)
HTT_BAR = ResultBar(
    result=YearResult.HTT,
    clause="TT27 Art. 9 cl. 2a, second indent",
    subject_levels=frozenset({SubjectLevel.T}),
    rated_levels=frozenset({QualityLevel.T}),
    min_score=7,
    subject_wording="Hoàn thành tốt",
    rated_wording="Tốt",
)
HT_BAR = ResultBar(
    result=YearResult.HT,
    clause="TT27 Art. 9 cl. 2a, third indent",
    subject_levels=frozenset({SubjectLevel.T, SubjectLevel.H}),
    rated_levels=frozenset({QualityLevel.T, QualityLevel.D}),
    min_score=5,
    subject_wording="Hoàn thành trở lên",
    rated_wording="Đạt trở lên",
)
BARS: tuple[ResultBar, ...] = (HTXS_BAR, HTT_BAR, HT_BAR)
_NEXT_BAR_UP = {
    YearResult.HTT: HTXS_BAR,
    YearResult.HT: HTT_BAR,
    YearResult.CHT: HT_BAR,
}

HTXS_REASON = (
    "Tất cả các môn học và hoạt động giáo dục đạt Hoàn thành tốt, các phẩm chất và năng lực "
    "đạt Tốt, bài kiểm tra định kì cuối năm học đạt từ 9 điểm trở lên"
)


_Summary = tuple[frozenset[SubjectLevel], frozenset[QualityLevel], int | None]
"""The worst of each kind of CN value (unit levels, ratings, lowest score): all Art. 9 cl. 2
looks at."""


def _summarise(values: PeriodValues) -> _Summary:
    subjects = values.subjects.values()
    scores = [r.score for r in subjects if r.score is not None]
    return (
        frozenset([r.level for r in subjects]),
        frozenset((*values.qualities.values(), *values.competencies.values())),
        min(scores) if scores else None,
    )


def _meets(summary: _Summary, bar: ResultBar) -> bool:
    subject_levels, rated_levels, lowest_score = summary
    return (
        subject_levels <= bar.subject_levels
        and rated_levels <= bar.rated_levels
        and (lowest_score is None or lowest_score >= bar.min_score)
    )


def meets_bar(values: PeriodValues, bar: ResultBar) -> bool:
    """Whether every CN level and every CN test score reaches ``bar`` (TT27 Art. 9 cl. 2)."""
    return _meets(_summarise(values), bar)


def is_htxs(values: PeriodValues) -> bool:
    """TT27 Art. 9 cl. 2a, first indent, Hoàn thành xuất sắc: "các môn học, hoạt động giáo
    dục đạt mức Hoàn thành tốt; các phẩm chất, năng lực đạt mức Tốt; bài kiểm tra định kì cuối
    năm học của các môn học đạt 9 điểm trở lên".
    """
    return meets_bar(values, HTXS_BAR)


def is_htt(values: PeriodValues) -> bool:
    """TT27 Art. 9 cl. 2a, second indent, Hoàn thành tốt: units at Hoàn thành tốt, qualities
    and competencies at Tốt, "bài kiểm tra định kì cuối năm học các môn học đạt 7 điểm trở
    lên". True for HTXS values too: the indent's "chưa đạt mức Hoàn thành xuất sắc" is applied
    by ``year_result``.
    """
    return meets_bar(values, HTT_BAR)


def is_ht(values: PeriodValues) -> bool:
    """TT27 Art. 9 cl. 2a, third indent, Hoàn thành: units at Hoàn thành tốt or Hoàn thành,
    qualities and competencies at Tốt or Đạt, CN tests "đạt 5 điểm trở lên". True for HTXS and
    HTT values too: the indent's "chưa đạt mức Hoàn thành xuất sắc và Hoàn thành tốt" is
    applied by ``year_result``.
    """
    return meets_bar(values, HT_BAR)


def year_result(values: PeriodValues) -> YearResult:
    """TT27 Art. 9 cl. 2a: the best of HTXS, HTT, HT (first to third indents); otherwise CHT
    (fourth indent: "những học sinh không thuộc các đối tượng trên"). The values must be
    complete and valid.
    """
    summary = _summarise(values)
    for bar in BARS:  # is_htxs, is_htt, is_ht in one pass over the values
        if _meets(summary, bar):
            return bar.result
    return YearResult.CHT


def shortfalls(values: PeriodValues, bar: ResultBar) -> tuple[str, ...]:
    """Each CN level or score below ``bar``, in form order, as a Vietnamese sentence.

    E.g. "Âm nhạc: Hoàn thành — cần Hoàn thành tốt để đạt HTT" or "Toán: điểm 8 — cần từ 9 trở
    lên để đạt HTXS" (TT27 Art. 9 cl. 2a give the bars).
    """
    cat = CATALOGUES[values.regime]
    target = bar.result.value
    found: list[str] = []
    for spec in cat.grade(values.grade).subjects:
        subject = values.subjects.get(spec.code)
        if subject is None:
            continue
        if subject.level not in bar.subject_levels:
            found.append(
                f"{spec.name_vi}: {subject.level.label} — cần {bar.subject_wording} để đạt {target}"
            )
        if subject.score is not None and subject.score < bar.min_score:
            found.append(
                f"{spec.name_vi}: điểm {subject.score} — cần từ {bar.min_score} trở lên "
                f"để đạt {target}"
            )
    for specs, levels in (
        (cat.qualities, values.qualities),
        (cat.competencies, values.competencies),
    ):
        for rated in specs:
            level = levels.get(rated.code)
            if level is not None and level not in bar.rated_levels:
                found.append(
                    f"{rated.label_vi}: {level.label} — cần {bar.rated_wording} để đạt {target}"
                )
    return tuple(found)


def result_reasons(values: PeriodValues, result: YearResult) -> tuple[str, ...]:
    """Why ``result``: for HTXS the criteria met (Art. 9 cl. 2a); otherwise every shortfall
    against the next result up (Art. 9 cl. 2a), so the family sees what was missing (the GVCN
    records comments and results in the học bạ, Art. 9 cl. 2b).
    """
    if result is YearResult.HTXS:
        return (HTXS_REASON,)
    return shortfalls(values, _NEXT_BAR_UP[result])


def completed_grade(result: YearResult) -> bool:
    """TT27 Art. 11 cl. 1: the grade programme is completed by pupils assessed HTXS, HTT or HT.

    A CHT pupil gets a help plan and a supplementary assessment (cl. 2–3), recorded later.
    """
    return result is not YearResult.CHT


def completed_primary(result: YearResult, grade: int) -> bool:
    """TT27 Art. 11 cl. 4: a pupil completing the grade-5 programme has "Hoàn thành chương trình
    tiểu học" recorded in the học bạ.
    """
    return completed_grade(result) and grade == GRADES[-1]


def completion_text(result: YearResult, grade: int) -> str:
    """Section 6 of the học bạ (TT27 Art. 11 cl. 1 and 4; spec §5.3), before any
    supplementary assessment.
    """
    if completed_primary(result, grade):
        return "Hoàn thành chương trình tiểu học"
    if completed_grade(result):
        return f"Hoàn thành chương trình lớp {grade}"
    return f"Chưa hoàn thành chương trình lớp {grade}"


def automatic_award(result: YearResult) -> Award | None:
    """TT27 Art. 13 cl. 1a, first indent: the principal awards "Học sinh Xuất sắc" to pupils
    assessed HTXS.

    The second indent ("Học sinh Tiêu biểu…") needs a recorded justification and the class's
    recognition (D5), so it is never automatic.
    """
    return Award.HOC_SINH_XUAT_SAC if result is YearResult.HTXS else None


def classify(values: PeriodValues) -> YearEndOutcome:
    """The year end of one pupil from CN values: result (TT27 Art. 9 cl. 2), completion
    (Art. 11 cl. 1, 4), automatic award (Art. 13 cl. 1a) and reasons.

    Raises InvalidPeriodValues when the values are incomplete or invalid (a year end is blocked
    until they are), UnsupportedRegime for a display-only regime, and ValueError when the values
    are not of period CN.
    """
    _ensure_classifiable(values.regime, values.period)
    errors = check_period_values(values)
    if errors:
        raise InvalidPeriodValues(errors)
    return _classify_valid(values)


def evaluate_year_end(
    grade: object,
    subjects: object,
    qualities: object,
    competencies: object,
    *,
    regime: Regime = Regime.TT27,
) -> YearEndOutcome:
    """Read raw CN values of one pupil, validate them and classify: :func:`classify` for input
    that comes straight from a file or a form (validation rules: TT27 Art. 7 cl. 1–2).

    Raises InvalidPeriodValues with every error, in Vietnamese, when the values are not valid.
    """
    _ensure_classifiable(regime, Period.CN)
    reading = read_period_values(grade, Period.CN, subjects, qualities, competencies, regime=regime)
    if reading.values is None:
        raise InvalidPeriodValues(list(reading.errors))
    return _classify_valid(reading.values)


def _classify_valid(values: PeriodValues) -> YearEndOutcome:
    result = year_result(values)
    return YearEndOutcome(
        result=result,
        completed_grade=completed_grade(result),
        completed_primary=completed_primary(result, values.grade),
        award=automatic_award(result),
        reasons=result_reasons(values, result),
    )


def _ensure_classifiable(regime: Regime, period: Period) -> None:
    if not CATALOGUES[regime].classifies:
        raise UnsupportedRegime(f"{regime} pages are displayed, never classified (D6)")
    if period is not Period.CN:
        raise ValueError(f"the year end uses CN values only (D5), not {period}")

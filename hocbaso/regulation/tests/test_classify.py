"""Year end: completion (TT27 Art. 11), commendation (Art. 13) and when classification refuses."""

from __future__ import annotations

from typing import Any

import pytest

from hocbaso.regulation import (
    Award,
    InvalidPeriodValues,
    Period,
    PeriodValues,
    Regime,
    UnsupportedRegime,
    YearResult,
    classify,
    evaluate_year_end,
    parse_period_values,
)
from hocbaso.regulation.tests.fixtures import pupil, typed_pupil
from hocbaso.regulation.year_end import (
    automatic_award,
    completed_grade,
    completed_primary,
    completion_text,
)


@pytest.mark.parametrize(
    ("_case", "values", "completed", "primary", "award"),
    [
        ("Art. 11 cl. 4, Art. 13 cl. 1a: G5 HTXS", pupil(5), True, True, Award.HOC_SINH_XUAT_SAC),
        ("Art. 11 cl. 1, Art. 13 cl. 1a: G1 HTXS", pupil(1), True, False, Award.HOC_SINH_XUAT_SAC),
        (
            "Art. 13 cl. 1a, second indent: HTT is never awarded automatically",
            pupil(3, scores={"toan": 8}),
            True,
            False,
            None,
        ),
        (
            "Art. 11 cl. 4: G5 HT completes primary",
            pupil(5, levels={"am_nhac": "H"}),
            True,
            True,
            None,
        ),
        (
            "Art. 11 cl. 2: G5 CHT completes neither",
            pupil(5, scores={"toan": 4}),
            False,
            False,
            None,
        ),
        (
            "Art. 11 cl. 2: G4 CHT",
            pupil(4, levels={"toan": "C"}),
            False,
            False,
            None,
        ),
    ],
)
def test_completion_and_award(
    _case: str, values: dict[str, Any], completed: bool, primary: bool, award: Award | None
) -> None:
    outcome = evaluate_year_end(
        values["grade"], values["subjects"], values["qualities"], values["competencies"]
    )
    assert (outcome.completed_grade, outcome.completed_primary, outcome.award) == (
        completed,
        primary,
        award,
    )


@pytest.mark.parametrize(
    ("_case", "result", "grade", "completed", "primary", "award", "text"),
    [
        (
            "Art. 11 cl. 1, 4; Art. 13 cl. 1a",
            YearResult.HTXS,
            5,
            True,
            True,
            Award.HOC_SINH_XUAT_SAC,
            "Hoàn thành chương trình tiểu học",
        ),
        (
            "Art. 11 cl. 1",
            YearResult.HTT,
            4,
            True,
            False,
            None,
            "Hoàn thành chương trình lớp 4",
        ),
        ("Art. 11 cl. 1", YearResult.HT, 1, True, False, None, "Hoàn thành chương trình lớp 1"),
        (
            "Art. 11 cl. 2",
            YearResult.CHT,
            3,
            False,
            False,
            None,
            "Chưa hoàn thành chương trình lớp 3",
        ),
        (
            "Art. 11 cl. 2, 4",
            YearResult.CHT,
            5,
            False,
            False,
            None,
            "Chưa hoàn thành chương trình lớp 5",
        ),
    ],
)
def test_completion_rules(
    _case: str,
    result: YearResult,
    grade: int,
    completed: bool,
    primary: bool,
    award: Award | None,
    text: str,
) -> None:
    assert completed_grade(result) is completed
    assert completed_primary(result, grade) is primary
    assert automatic_award(result) is award
    assert completion_text(result, grade) == text


def test_invalid_values_block_the_year_end() -> None:
    # spec §5.1: missing values raise Incomplete; every error is reported
    values = pupil(3, scores={"toan": None})
    del values["subjects"]["am_nhac"]

    with pytest.raises(InvalidPeriodValues) as caught:
        evaluate_year_end(3, values["subjects"], values["qualities"], values["competencies"])

    assert caught.value.errors == (
        "Toán: thiếu điểm kiểm tra định kì cuối năm học",
        "Âm nhạc: thiếu kết quả đánh giá cuối năm học (bắt buộc ở lớp 3)",
    )


def test_classify_takes_typed_values() -> None:
    outcome = classify(typed_pupil(2, levels={"toan": "H"}))

    assert outcome.result is YearResult.HT
    assert outcome.reasons == ("Toán: Hoàn thành — cần Hoàn thành tốt để đạt HTT",)


def test_classify_checks_typed_values_too() -> None:
    # given typed values with a compulsory unit left out
    values = typed_pupil(2)
    incomplete = PeriodValues(
        grade=2,
        period=Period.CN,
        subjects={c: r for c, r in values.subjects.items() if c != "dao_duc"},
        qualities=values.qualities,
        competencies=values.competencies,
    )

    with pytest.raises(InvalidPeriodValues) as caught:
        classify(incomplete)

    assert caught.value.errors == (
        "Đạo đức: thiếu kết quả đánh giá cuối năm học (bắt buộc ở lớp 2)",
    )


def test_classify_uses_cn_values_only() -> None:
    # D5: only CN levels and scores count
    raw = pupil(4, period=Period.CHKI)
    values = parse_period_values(
        4, Period.CHKI, raw["subjects"], raw["qualities"], raw["competencies"]
    )

    with pytest.raises(ValueError, match="CN values only"):
        classify(values)


def test_legacy_pages_are_never_classified() -> None:
    # D6: TT30/22 pages are displayed, not re-classified
    values = PeriodValues(
        grade=5,
        period=Period.CN,
        subjects={},
        qualities={},
        competencies={},
        regime=Regime.TT30_22,
    )

    with pytest.raises(UnsupportedRegime):
        classify(values)
    with pytest.raises(UnsupportedRegime):
        evaluate_year_end(5, {}, {}, {}, regime=Regime.TT30_22)

"""Year-end result and its reasons (TT27 Art. 9 cl. 2)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hocbaso.regulation import (
    COMPETENCIES,
    QUALITIES,
    Period,
    QualityLevel,
    SubjectLevel,
    SubjectResult,
    YearResult,
    compulsory_subjects,
    evaluate_year_end,
    is_tested,
    optional_subjects,
)
from hocbaso.regulation.tests.fixtures import pupil, typed_pupil
from hocbaso.regulation.year_end import (
    BARS,
    HTXS_REASON,
    is_ht,
    is_htt,
    is_htxs,
    meets_bar,
)


def _evaluate(values: dict[str, Any]) -> tuple[YearResult, tuple[str, ...]]:
    outcome = evaluate_year_end(
        values["grade"], values["subjects"], values["qualities"], values["competencies"]
    )
    return outcome.result, outcome.reasons


@pytest.mark.parametrize(
    ("_case", "values", "result", "reasons"),
    [
        (
            "Art. 9 cl. 2a: every unit T, ratings T, CN tests 10",
            pupil(5),
            YearResult.HTXS,
            (HTXS_REASON,),
        ),
        (
            "Art. 9 cl. 2a: 9 is enough for HTXS",
            pupil(3, scores={"toan": 9, "tin_hoc": 9}),
            YearResult.HTXS,
            (HTXS_REASON,),
        ),
        (
            "Art. 9 cl. 2a: an 8 (Dân trí, spec §3) gives HTT",
            pupil(4, scores={"toan": 8}),
            YearResult.HTT,
            ("Toán: điểm 8 — cần từ 9 trở lên để đạt HTXS",),
        ),
        (
            "Art. 9 cl. 2a: 7 is enough for HTT",
            pupil(5, scores={"khoa_hoc": 7}),
            YearResult.HTT,
            ("Khoa học: điểm 7 — cần từ 9 trở lên để đạt HTXS",),
        ),
        (
            "Art. 9 cl. 2a: a 6 gives HT",
            pupil(1, scores={"tieng_viet": 6}),
            YearResult.HT,
            ("Tiếng Việt: điểm 6 — cần từ 7 trở lên để đạt HTT",),
        ),
        (
            "Art. 9 cl. 2a: 5 is enough for HT",
            pupil(2, scores={"toan": 5}),
            YearResult.HT,
            ("Toán: điểm 5 — cần từ 7 trở lên để đạt HTT",),
        ),
        (
            "Art. 9 cl. 2a: a 4 gives CHT",
            pupil(3, scores={"toan": 4}),
            YearResult.CHT,
            ("Toán: điểm 4 — cần từ 5 trở lên để đạt HT",),
        ),
        (
            "Art. 9 cl. 2a, D3: a 0 gives CHT",
            pupil(3, scores={"cong_nghe": 0}),
            YearResult.CHT,
            ("Công nghệ: điểm 0 — cần từ 5 trở lên để đạt HT",),
        ),
        (
            "Art. 9 cl. 2a: one H in Âm nhạc excludes HTXS and HTT despite 10s (Dân trí)",
            pupil(4, levels={"am_nhac": "H"}),
            YearResult.HT,
            ("Âm nhạc: Hoàn thành — cần Hoàn thành tốt để đạt HTT",),
        ),
        (
            "Art. 9 cl. 2a: one Đ in a quality gives HT",
            pupil(3, qualities={"trung_thuc": "Đ"}),
            YearResult.HT,
            ("Phẩm chất trung thực: Đạt — cần Tốt để đạt HTT",),
        ),
        (
            "Art. 9 cl. 2a, D3: one Đ (typed D) in a competency gives HT",
            pupil(5, competencies={"khoa_hoc": "D"}),
            YearResult.HT,
            ("Năng lực khoa học: Đạt — cần Tốt để đạt HTT",),
        ),
        (
            "Art. 9 cl. 2a: one C in a unit gives CHT",
            pupil(2, levels={"mi_thuat": "C"}),
            YearResult.CHT,
            ("Mĩ thuật: Chưa hoàn thành — cần Hoàn thành trở lên để đạt HT",),
        ),
        (
            "Art. 9 cl. 2a: one C in a quality gives CHT",
            pupil(2, qualities={"nhan_ai": "C"}),
            YearResult.CHT,
            ("Phẩm chất nhân ái: Cần cố gắng — cần Đạt trở lên để đạt HT",),
        ),
        (
            "Art. 9 cl. 2a: one C in a competency gives CHT",
            pupil(4, competencies={"giao_tiep_hop_tac": "C"}),
            YearResult.CHT,
            ("Năng lực giao tiếp và hợp tác: Cần cố gắng — cần Đạt trở lên để đạt HT",),
        ),
        (
            "D5: an enrolled optional unit counts like the others",
            pupil(2, enrolled=["tieng_dan_toc"], levels={"tieng_dan_toc": "H"}),
            YearResult.HT,
            ("Tiếng dân tộc thiểu số: Hoàn thành — cần Hoàn thành tốt để đạt HTT",),
        ),
        (
            "D5: an enrolled optional Ngoại ngữ 1 in G1 has no score to count",
            pupil(1, enrolled=["ngoai_ngu_1", "tieng_dan_toc"]),
            YearResult.HTXS,
            (HTXS_REASON,),
        ),
        (
            "D4: G3 Tin học is tested; an 8 blocks HTXS",
            pupil(3, scores={"tin_hoc": 8}),
            YearResult.HTT,
            ("Tin học: điểm 8 — cần từ 9 trở lên để đạt HTXS",),
        ),
        (
            "D4: G5 Ngoại ngữ 1 and Lịch sử và Địa lí are tested",
            pupil(5, scores={"ngoai_ngu_1": 8, "lich_su_dia_li": 7}),
            YearResult.HTT,
            (
                "Ngoại ngữ 1: điểm 8 — cần từ 9 trở lên để đạt HTXS",
                "Lịch sử và Địa lí: điểm 7 — cần từ 9 trở lên để đạt HTXS",
            ),
        ),
        (
            "Art. 9 cl. 2a: every shortfall to HTT is listed, in form order (the 8 is none)",
            pupil(
                5,
                levels={"toan": "H", "hoat_dong_trai_nghiem": "H"},
                scores={"toan": 6, "tieng_viet": 8},
                qualities={"cham_chi": "Đ"},
                competencies={"tin_hoc": "Đ"},
            ),
            YearResult.HT,
            (
                "Toán: Hoàn thành — cần Hoàn thành tốt để đạt HTT",
                "Toán: điểm 6 — cần từ 7 trở lên để đạt HTT",
                "Hoạt động trải nghiệm: Hoàn thành — cần Hoàn thành tốt để đạt HTT",
                "Phẩm chất chăm chỉ: Đạt — cần Tốt để đạt HTT",
                "Năng lực tin học: Đạt — cần Tốt để đạt HTT",
            ),
        ),
        (
            "Art. 9 cl. 2a: only shortfalls to HT are listed for CHT (the H is not)",
            pupil(4, levels={"dao_duc": "H", "khoa_hoc": "C"}, scores={"khoa_hoc": 3}),
            YearResult.CHT,
            (
                "Khoa học: Chưa hoàn thành — cần Hoàn thành trở lên để đạt HT",
                "Khoa học: điểm 3 — cần từ 5 trở lên để đạt HT",
            ),
        ),
    ],
)
def test_year_result_and_reasons(
    _case: str, values: dict[str, Any], result: YearResult, reasons: tuple[str, ...]
) -> None:
    assert _evaluate(values) == (result, reasons)


# Art. 9 cl. 2 restated independently: each item caps the result, the worst cap wins.
_SUBJECT_CAP = {"T": YearResult.HTXS, "H": YearResult.HT, "C": YearResult.CHT}
_RATED_CAP = {"T": YearResult.HTXS, "Đ": YearResult.HT, "C": YearResult.CHT}
_ORDER = [YearResult.HTXS, YearResult.HTT, YearResult.HT, YearResult.CHT]


def _score_cap(score: int) -> YearResult:
    if score >= 9:
        return YearResult.HTXS
    if score >= 7:
        return YearResult.HTT
    if score >= 5:
        return YearResult.HT
    return YearResult.CHT


@st.composite
def _random_pupils(draw: st.DrawFn) -> dict[str, Any]:
    grade = draw(st.integers(1, 5))
    enrolled = draw(st.lists(st.sampled_from(optional_subjects(grade)), unique=True))
    subjects = {}
    for code in [*compulsory_subjects(grade), *enrolled]:
        score = draw(st.integers(0, 10)) if is_tested(code, grade, Period.CN) else None
        subjects[code] = {"level": draw(st.sampled_from("THC")), "score": score}
    rated = st.sampled_from("TĐC")
    return {
        "grade": grade,
        "subjects": subjects,
        "qualities": {code: draw(rated) for code in QUALITIES},
        "competencies": {code: draw(rated) for code in COMPETENCIES},
    }


@settings(database=None)  # no example database written into the tree
@given(_random_pupils())
def test_result_is_the_worst_cap_of_any_item(values: dict[str, Any]) -> None:
    # Art. 9 cl. 2a: HTXS needs all T and ≥ 9; HTT all T and ≥ 7; HT T/H, T/Đ and ≥ 5
    caps = [_SUBJECT_CAP[s["level"]] for s in values["subjects"].values()]
    caps += [_score_cap(s["score"]) for s in values["subjects"].values() if s["score"] is not None]
    caps += [
        _RATED_CAP[v] for v in [*values["qualities"].values(), *values["competencies"].values()]
    ]
    expected = max(caps, key=_ORDER.index)

    result, reasons = _evaluate(values)

    assert result is expected
    assert len(reasons) >= 1


def test_subject_result_defaults_to_no_score() -> None:
    assert SubjectResult(SubjectLevel.H) == SubjectResult(SubjectLevel.H, None)
    assert QualityLevel.parse("D") is QualityLevel.D


@pytest.mark.parametrize(
    ("_case", "changes", "htxs", "htt", "ht"),
    [
        ("Art. 9 cl. 2a", {}, True, True, True),
        ("Art. 9 cl. 2a: an 8", {"scores": {"toan": 8}}, False, True, True),
        ("Art. 9 cl. 2a: one H", {"levels": {"toan": "H"}}, False, False, True),
        ("Art. 9 cl. 2a: one Đ", {"competencies": {"ngon_ngu": "Đ"}}, False, False, True),
        ("Art. 9 cl. 2a: a 4", {"scores": {"toan": 4}}, False, False, False),
        ("Art. 9 cl. 2a: one C", {"qualities": {"yeu_nuoc": "C"}}, False, False, False),
    ],
)
def test_each_clause_of_art_9(
    _case: str, changes: dict[str, Any], htxs: bool, htt: bool, ht: bool
) -> None:
    values = typed_pupil(4, **changes)

    assert (is_htxs(values), is_htt(values), is_ht(values)) == (htxs, htt, ht)
    assert [meets_bar(values, bar) for bar in BARS] == [htxs, htt, ht]

"""Levels, periods, results and awards: input spellings and the học bạ wording."""

from __future__ import annotations

import pytest

from hocbaso.regulation import Award, Period, QualityLevel, SubjectLevel, YearResult


@pytest.mark.parametrize(
    ("_case", "raw", "expected"),
    [
        ("TT27 Art. 7 cl. 1a", "T", SubjectLevel.T),
        ("TT27 Art. 7 cl. 1a", "H", SubjectLevel.H),
        ("TT27 Art. 7 cl. 1a", "C", SubjectLevel.C),
        ("TT27 Art. 7 cl. 1a: no quality level", "Đ", None),
        ("TT27 Art. 7 cl. 1a: case matters", "h", None),
        ("TT27 Art. 7 cl. 1a: not a string", 1, None),
        ("TT27 Art. 7 cl. 1a: unhashable input", ["T"], None),
    ],
)
def test_subject_level_input(_case: str, raw: object, expected: SubjectLevel | None) -> None:
    assert SubjectLevel.parse(raw) is expected


@pytest.mark.parametrize(
    ("_case", "raw", "expected"),
    [
        ("TT27 Art. 7 cl. 2", "T", QualityLevel.T),
        ("TT27 Art. 7 cl. 2", "Đ", QualityLevel.D),
        ("D3: 'D' is an alias of 'Đ'", "D", QualityLevel.D),
        ("TT27 Art. 7 cl. 2", "C", QualityLevel.C),
        ("TT27 Art. 7 cl. 2: no subject level", "H", None),
        ("TT27 Art. 7 cl. 2: not a string", None, None),
        ("TT27 Art. 7 cl. 2: unhashable input", {"T": 1}, None),
    ],
)
def test_quality_level_input(_case: str, raw: object, expected: QualityLevel | None) -> None:
    assert QualityLevel.parse(raw) is expected


@pytest.mark.parametrize(
    ("_case", "member", "label"),
    [
        ("TT27 Art. 7 cl. 1a", SubjectLevel.T, "Hoàn thành tốt"),
        ("TT27 Art. 7 cl. 1a", SubjectLevel.H, "Hoàn thành"),
        ("TT27 Art. 7 cl. 1a", SubjectLevel.C, "Chưa hoàn thành"),
        ("TT27 Art. 7 cl. 2", QualityLevel.T, "Tốt"),
        ("TT27 Art. 7 cl. 2", QualityLevel.D, "Đạt"),
        ("TT27 Art. 7 cl. 2", QualityLevel.C, "Cần cố gắng"),
        ("TT27 Art. 7 cl. 1a", Period.GHKI, "giữa học kì I"),
        ("TT27 Art. 7 cl. 1a", Period.CHKI, "cuối học kì I"),
        ("TT27 Art. 7 cl. 1a", Period.GHKII, "giữa học kì II"),
        ("TT27 Art. 7 cl. 1a", Period.CN, "cuối năm học"),
        ("TT27 Art. 9 cl. 2a", YearResult.HTXS, "Hoàn thành xuất sắc"),
        ("TT27 Art. 9 cl. 2a", YearResult.HTT, "Hoàn thành tốt"),
        ("TT27 Art. 9 cl. 2a", YearResult.HT, "Hoàn thành"),
        ("TT27 Art. 9 cl. 2a", YearResult.CHT, "Chưa hoàn thành"),
        ("TT27 Art. 13 cl. 1a", Award.HOC_SINH_XUAT_SAC, "Học sinh Xuất sắc"),
        (
            "TT27 Art. 13 cl. 1a, second indent",
            Award.HOC_SINH_TIEU_BIEU,
            "Học sinh Tiêu biểu hoàn thành tốt trong học tập và rèn luyện",
        ),
    ],
)
def test_hoc_ba_wording(
    _case: str, member: SubjectLevel | QualityLevel | Period | YearResult | Award, label: str
) -> None:
    assert member.label == label


def test_machine_codes_are_stable() -> None:
    # the values stored in the database and exchanged by evaluate_year
    assert [level.value for level in QualityLevel] == ["T", "Đ", "C"]
    assert [result.value for result in YearResult] == ["HTXS", "HTT", "HT", "CHT"]
    assert Award.HOC_SINH_XUAT_SAC.value == "hoc_sinh_xuat_sac"

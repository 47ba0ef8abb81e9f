"""Validation of one pupil's values for one period: each error kind, in Vietnamese."""

from __future__ import annotations

from typing import Any

import pytest

from hocbaso.regulation import (
    Period,
    validate_period_values,
)
from hocbaso.regulation.tests.fixtures import pupil, without


def _errors(values: dict[str, Any], period: Period = Period.CN) -> list[str]:
    return validate_period_values(
        values["grade"],
        period,
        values["subjects"],
        values["qualities"],
        values["competencies"],
    )


@pytest.mark.parametrize(
    ("_case", "values", "period"),
    [
        ("TT27 Art. 7: complete G1 page at CN", pupil(1), Period.CN),
        ("TT27 Art. 7: complete G3 page at CN", pupil(3), Period.CN),
        ("TT27 Art. 7: complete G5 page at CN", pupil(5), Period.CN),
        (
            "TT27 Art. 7 cl. 1b: G4 at GHKI, TV and Toán scored",
            pupil(4, period=Period.GHKI),
            Period.GHKI,
        ),
        (
            "TT27 Art. 7 cl. 1b: G2 at GHKII, no score at all",
            pupil(2, period=Period.GHKII),
            Period.GHKII,
        ),
        (
            "D1: G1 enrolled in optional Ngoại ngữ 1 and Tiếng dân tộc, level only",
            pupil(1, enrolled=["ngoai_ngu_1", "tieng_dan_toc"]),
            Period.CN,
        ),
        ("D3: score 0 is accepted", pupil(3, scores={"toan": 0}), Period.CN),
        ("D3: 'D' is an alias of 'Đ'", pupil(3, qualities={"nhan_ai": "D"}), Period.CN),
        ("TT27 Art. 7 cl. 2: 'Đ' itself", pupil(3, competencies={"the_chat": "Đ"}), Period.CN),
        (
            "TT27 Art. 7 cl. 1a: H and C are levels",
            pupil(3, levels={"toan": "H", "am_nhac": "C"}),
            Period.CN,
        ),
    ],
)
def test_valid_pages_have_no_errors(_case: str, values: dict[str, Any], period: Period) -> None:
    assert _errors(values, period) == []


def _with_subjects(
    grade: int, subjects: dict[str, Any], period: Period = Period.CN
) -> dict[str, Any]:
    values = pupil(grade, period=period)
    values["subjects"] = subjects
    return values


_G3 = pupil(3)["subjects"]


@pytest.mark.parametrize(
    ("_case", "values", "period", "expected"),
    [
        (
            "D1: unknown unit code",
            _with_subjects(3, _G3 | {"hoa_hoc": {"level": "T"}}),
            Period.CN,
            ['Mã môn học không có trong danh mục: "hoa_hoc"'],
        ),
        (
            "D1: a unit grade 3 does not study (Khoa học is G4–5)",
            _with_subjects(3, _G3 | {"khoa_hoc": {"level": "T", "score": 9}}),
            Period.CN,
            ["Khoa học: không có trong chương trình lớp 3"],
        ),
        (
            "D1: a compulsory unit missing",
            _with_subjects(3, without(_G3, "toan")),
            Period.CN,
            ["Toán: thiếu kết quả đánh giá cuối năm học (bắt buộc ở lớp 3)"],
        ),
        (
            "TT27 Art. 7 cl. 1a: a missing level",
            _with_subjects(3, _G3 | {"toan": {"score": 9}}),
            Period.CN,
            ["Toán: thiếu mức đạt được cuối năm học"],
        ),
        (
            "TT27 Art. 7 cl. 1a: a quality level on a unit",
            pupil(3, levels={"am_nhac": "Đ"}),
            Period.CN,
            ['Âm nhạc: mức đạt được "Đ" không hợp lệ (chỉ nhận T, H, C)'],
        ),
        (
            "TT27 Art. 7 cl. 1a: lower-case level",
            pupil(3, levels={"dao_duc": "t"}),
            Period.CN,
            ['Đạo đức: mức đạt được "t" không hợp lệ (chỉ nhận T, H, C)'],
        ),
        (
            "TT27 Art. 7 cl. 1a: a number as level",
            pupil(3, levels={"dao_duc": 1}),
            Period.CN,
            ["Đạo đức: mức đạt được 1 không hợp lệ (chỉ nhận T, H, C)"],
        ),
        (
            "TT27 Art. 7 cl. 1b: a score on an untested unit",
            pupil(3, scores={"am_nhac": 9}),
            Period.CN,
            ["Âm nhạc: không có bài kiểm tra định kì, không được nhập điểm"],
        ),
        (
            "TT27 Art. 7 cl. 1b, D4: a score on optional Ngoại ngữ 1 in G1",
            pupil(1, enrolled=["ngoai_ngu_1"], scores={"ngoai_ngu_1": 8}),
            Period.CN,
            ["Ngoại ngữ 1: không có bài kiểm tra định kì, không được nhập điểm"],
        ),
        (
            "TT27 Art. 7 cl. 1b: G3 has no mid-term test in Toán",
            pupil(3, period=Period.GHKI, scores={"toan": 8}),
            Period.GHKI,
            ["Toán: không có bài kiểm tra định kì giữa học kì I ở lớp 3, không được nhập điểm"],
        ),
        (
            "TT27 Art. 7 cl. 1b: a missing score on a tested unit",
            pupil(3, scores={"toan": None}),
            Period.CN,
            ["Toán: thiếu điểm kiểm tra định kì cuối năm học"],
        ),
        (
            "TT27 Art. 7 cl. 1b: the score key left out",
            _with_subjects(3, _G3 | {"tin_hoc": {"level": "T"}}),
            Period.CN,
            ["Tin học: thiếu điểm kiểm tra định kì cuối năm học"],
        ),
        (
            "TT27 Art. 7 cl. 1b: G4 mid-term score missing",
            pupil(4, period=Period.GHKII, scores={"tieng_viet": None}),
            Period.GHKII,
            ["Tiếng Việt: thiếu điểm kiểm tra định kì giữa học kì II"],
        ),
        (
            "TT27 Art. 7 cl. 1d: no decimals",
            pupil(3, scores={"toan": 7.5}),
            Period.CN,
            ["Toán: điểm kiểm tra 7.5 không hợp lệ (cần số nguyên từ 0 đến 10)"],
        ),
        (
            "TT27 Art. 7 cl. 1d: a float, even integral, is not an integer score",
            pupil(3, scores={"toan": 9.0}),
            Period.CN,
            ["Toán: điểm kiểm tra 9.0 không hợp lệ (cần số nguyên từ 0 đến 10)"],
        ),
        (
            "TT27 Art. 7 cl. 1d: a boolean is not a score",
            pupil(3, scores={"toan": True}),
            Period.CN,
            ["Toán: điểm kiểm tra true không hợp lệ (cần số nguyên từ 0 đến 10)"],
        ),
        (
            "TT27 Art. 7 cl. 1d: a string is not a score",
            pupil(3, scores={"toan": "8"}),
            Period.CN,
            ['Toán: điểm kiểm tra "8" không hợp lệ (cần số nguyên từ 0 đến 10)'],
        ),
        (
            "TT27 Art. 7 cl. 1d: above the 10-point scale",
            pupil(3, scores={"toan": 11}),
            Period.CN,
            ["Toán: điểm kiểm tra 11 không hợp lệ (cần số nguyên từ 0 đến 10)"],
        ),
        (
            "TT27 Art. 7 cl. 1d: below 0",
            pupil(3, scores={"ngoai_ngu_1": -1}),
            Period.CN,
            ["Ngoại ngữ 1: điểm kiểm tra -1 không hợp lệ (cần số nguyên từ 0 đến 10)"],
        ),
        (
            "D1: a unit entry that is not an object",
            _with_subjects(3, _G3 | {"toan": "T"}),
            Period.CN,
            ["Toán: dữ liệu không đúng định dạng (cần mức đạt được và điểm kiểm tra)"],
        ),
        (
            "TT27 Art. 7 cl. 2: a missing quality",
            pupil(3) | {"qualities": without(pupil(3)["qualities"], "trung_thuc")},
            Period.CN,
            ["Phẩm chất trung thực: thiếu mức đạt được cuối năm học"],
        ),
        (
            "TT27 Art. 7 cl. 2: a subject level on a quality",
            pupil(3, qualities={"yeu_nuoc": "H"}),
            Period.CN,
            ['Phẩm chất yêu nước: mức đạt được "H" không hợp lệ (chỉ nhận T, Đ, C)'],
        ),
        (
            "TT27 Art. 5 cl. 2: an unknown quality code",
            pupil(3, qualities={"dung_cam": "T"}),
            Period.CN,
            ['Mã phẩm chất không có trong danh mục: "dung_cam"'],
        ),
        (
            "TT27 Art. 7 cl. 2, D2: a missing competency (namespace of competencies)",
            pupil(3) | {"competencies": without(pupil(3)["competencies"], "khoa_hoc")},
            Period.CN,
            ["Năng lực khoa học: thiếu mức đạt được cuối năm học"],
        ),
        (
            "TT27 Art. 5 cl. 2: a unit code is not a competency code",
            pupil(3, competencies={"toan": "T"}),
            Period.CN,
            ['Mã năng lực không có trong danh mục: "toan"'],
        ),
        (
            "TT27 Art. 7 cl. 2: competency level null",
            pupil(3, competencies={"tham_mi": None}),
            Period.CN,
            ["Năng lực thẩm mĩ: thiếu mức đạt được cuối năm học"],
        ),
        (
            "D1: grade missing; ratings still checked",
            pupil(3, qualities={"nhan_ai": "X"}) | {"grade": None},
            Period.CN,
            [
                "Thiếu khối lớp",
                'Phẩm chất nhân ái: mức đạt được "X" không hợp lệ (chỉ nhận T, Đ, C)',
            ],
        ),
        (
            "D1: grade 6 is not primary; unit codes still checked",
            _with_subjects(3, _G3 | {"hoa_hoc": {}}) | {"grade": 6},
            Period.CN,
            [
                "Khối lớp 6 không hợp lệ (chỉ nhận số nguyên từ 1 đến 5)",
                'Mã môn học không có trong danh mục: "hoa_hoc"',
            ],
        ),
        (
            "D1: grade as a string",
            pupil(3) | {"grade": "3"},
            Period.CN,
            ['Khối lớp "3" không hợp lệ (chỉ nhận số nguyên từ 1 đến 5)'],
        ),
        (
            "D1: grade as a boolean",
            pupil(1) | {"grade": True},
            Period.CN,
            ["Khối lớp true không hợp lệ (chỉ nhận số nguyên từ 1 đến 5)"],
        ),
        (
            "TT27 Art. 7 cl. 1a and cl. 2: containers missing or of the wrong shape",
            {"grade": 2, "subjects": None, "qualities": ["T"], "competencies": None},
            Period.CN,
            [
                "Thiếu kết quả các môn học và hoạt động giáo dục",
                "Kết quả đánh giá phẩm chất không đúng định dạng",
                "Thiếu kết quả đánh giá năng lực",
            ],
        ),
        (
            "TT27 Art. 7 cl. 1a: subjects as a list",
            pupil(2) | {"subjects": []},
            Period.CN,
            ["Kết quả các môn học và hoạt động giáo dục không đúng định dạng"],
        ),
    ],
)
def test_each_error_kind(
    _case: str, values: dict[str, Any], period: Period, expected: list[str]
) -> None:
    assert _errors(values, period) == expected


def test_every_error_is_reported_in_form_order() -> None:
    # given a G5 page with one problem of each kind
    values = pupil(
        5,
        levels={"tieng_viet": "X", "am_nhac": "H"},
        scores={"toan": 7.5, "khoa_hoc": None, "am_nhac": 9},
        qualities={"cham_chi": "A"},
        competencies={"ngon_ngu": None},
    )
    values["subjects"]["tu_nhien_xa_hoi"] = {"level": "T"}
    values["subjects"]["mon_moi"] = {"level": "T"}
    del values["subjects"]["dao_duc"]

    # when
    errors = _errors(values)

    # then: unknown codes first, then units in form order, qualities, competencies
    assert errors == [
        'Mã môn học không có trong danh mục: "mon_moi"',
        'Tiếng Việt: mức đạt được "X" không hợp lệ (chỉ nhận T, H, C)',
        "Toán: điểm kiểm tra 7.5 không hợp lệ (cần số nguyên từ 0 đến 10)",
        "Đạo đức: thiếu kết quả đánh giá cuối năm học (bắt buộc ở lớp 5)",
        "Tự nhiên và Xã hội: không có trong chương trình lớp 5",
        "Khoa học: thiếu điểm kiểm tra định kì cuối năm học",
        "Âm nhạc: không có bài kiểm tra định kì, không được nhập điểm",
        'Phẩm chất chăm chỉ: mức đạt được "A" không hợp lệ (chỉ nhận T, Đ, C)',
        "Năng lực ngôn ngữ: thiếu mức đạt được cuối năm học",
    ]

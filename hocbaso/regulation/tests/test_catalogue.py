"""The catalogue tables: units per grade (D1), ratings (D2), test matrix (D4), legacy (D6)."""

from __future__ import annotations

import pytest

import hocbaso.regulation.catalogue as catalogue_module
from hocbaso.regulation import (
    COMPETENCIES,
    GENERAL_COMPETENCIES,
    QUALITIES,
    SPECIFIC_COMPETENCIES,
    SUBJECTS,
    Offering,
    Period,
    Regime,
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

ALWAYS = ("tieng_viet", "toan", "dao_duc")
ARTS = ("giao_duc_the_chat", "am_nhac", "mi_thuat", "hoat_dong_trai_nghiem")


@pytest.mark.parametrize(
    ("_case", "grade", "compulsory", "optional"),
    [
        (
            "D1, GDPT 2018: G1 studies TN&XH; Ngoại ngữ 1 optional",
            1,
            (*ALWAYS, "tu_nhien_xa_hoi", *ARTS),
            ("ngoai_ngu_1", "tieng_dan_toc"),
        ),
        (
            "D1: G2 like G1",
            2,
            (*ALWAYS, "tu_nhien_xa_hoi", *ARTS),
            ("ngoai_ngu_1", "tieng_dan_toc"),
        ),
        (
            "D1: G3 adds Ngoại ngữ 1, Tin học, Công nghệ as compulsory",
            3,
            (*ALWAYS, "ngoai_ngu_1", "tu_nhien_xa_hoi", "tin_hoc", "cong_nghe", *ARTS),
            ("tieng_dan_toc",),
        ),
        (
            "D1: G4 replaces TN&XH with LS&ĐL and Khoa học",
            4,
            (
                *ALWAYS,
                "ngoai_ngu_1",
                "lich_su_dia_li",
                "khoa_hoc",
                "tin_hoc",
                "cong_nghe",
                *ARTS,
            ),
            ("tieng_dan_toc",),
        ),
        (
            "D1: G5 like G4",
            5,
            (
                *ALWAYS,
                "ngoai_ngu_1",
                "lich_su_dia_li",
                "khoa_hoc",
                "tin_hoc",
                "cong_nghe",
                *ARTS,
            ),
            ("tieng_dan_toc",),
        ),
    ],
)
def test_units_of_each_grade(
    _case: str, grade: int, compulsory: tuple[str, ...], optional: tuple[str, ...]
) -> None:
    assert compulsory_subjects(grade) == compulsory
    assert optional_subjects(grade) == optional
    assert set(subjects_for_grade(grade)) == set(compulsory) | set(optional)


@pytest.mark.parametrize(
    ("_case", "grade", "period", "tested"),
    [
        ("TT27 Art. 7 cl. 1b: G1 CN tests TV, Toán", 1, Period.CN, ("tieng_viet", "toan")),
        ("TT27 Art. 7 cl. 1b: G1 CHKI tests TV, Toán", 1, Period.CHKI, ("tieng_viet", "toan")),
        ("TT27 Art. 7 cl. 1b: G1 no mid-term test", 1, Period.GHKI, ()),
        ("TT27 Art. 7 cl. 1b: G2 no mid-term test", 2, Period.GHKII, ()),
        (
            "TT27 Art. 7 cl. 1b: G3 CN adds Ngoại ngữ 1, Tin học, Công nghệ",
            3,
            Period.CN,
            ("tieng_viet", "toan", "ngoai_ngu_1", "tin_hoc", "cong_nghe"),
        ),
        ("TT27 Art. 7 cl. 1b: G3 no mid-term test", 3, Period.GHKI, ()),
        (
            "TT27 Art. 7 cl. 1b: G4 CHKI adds LS&ĐL and Khoa học",
            4,
            Period.CHKI,
            (
                "tieng_viet",
                "toan",
                "ngoai_ngu_1",
                "lich_su_dia_li",
                "khoa_hoc",
                "tin_hoc",
                "cong_nghe",
            ),
        ),
        (
            "TT27 Art. 7 cl. 1b: G5 CN",
            5,
            Period.CN,
            (
                "tieng_viet",
                "toan",
                "ngoai_ngu_1",
                "lich_su_dia_li",
                "khoa_hoc",
                "tin_hoc",
                "cong_nghe",
            ),
        ),
        ("TT27 Art. 7 cl. 1b: G4 GHKI tests TV, Toán", 4, Period.GHKI, ("tieng_viet", "toan")),
        ("TT27 Art. 7 cl. 1b: G5 GHKII tests TV, Toán", 5, Period.GHKII, ("tieng_viet", "toan")),
    ],
)
def test_test_matrix(_case: str, grade: int, period: Period, tested: tuple[str, ...]) -> None:
    assert subjects_tested(grade, period) == tested
    for code in subjects_for_grade(grade):
        assert is_tested(code, grade, period) is (code in tested)


@pytest.mark.parametrize(
    ("_case", "code", "grade", "period", "expected"),
    [
        ("D4: optional Ngoại ngữ 1 in G1 is never tested", "ngoai_ngu_1", 1, Period.CN, False),
        ("D4: Ngoại ngữ 1 in G3 is tested at CN", "ngoai_ngu_1", 3, Period.CN, True),
        ("D4: optional Tiếng dân tộc is never tested", "tieng_dan_toc", 5, Period.CN, False),
        ("TT27 Art. 7 cl. 1b: Âm nhạc has no test", "am_nhac", 5, Period.CN, False),
        ("D4: a unit the grade does not study is not tested", "khoa_hoc", 3, Period.CN, False),
    ],
)
def test_is_tested(_case: str, code: str, grade: int, period: Period, expected: bool) -> None:
    assert is_tested(code, grade, period) is expected


@pytest.mark.parametrize(
    ("_case", "code", "name_vi", "name_en"),
    [
        ("spec §3", "tieng_viet", "Tiếng Việt", "Vietnamese"),
        ("spec §3", "toan", "Toán", "Mathematics"),
        ("spec §3", "dao_duc", "Đạo đức", "Ethics"),
        ("spec §3", "ngoai_ngu_1", "Ngoại ngữ 1", "Foreign language 1"),
        ("spec §3", "tu_nhien_xa_hoi", "Tự nhiên và Xã hội", "Nature and society"),
        ("spec §3", "lich_su_dia_li", "Lịch sử và Địa lí", "History and geography"),
        ("spec §3", "khoa_hoc", "Khoa học", "Science"),
        ("spec §3, D1: first part of Tin học và Công nghệ", "tin_hoc", "Tin học", "Informatics"),
        ("spec §3, D1: second part", "cong_nghe", "Công nghệ", "Technology"),
        ("spec §3", "giao_duc_the_chat", "Giáo dục thể chất", "Physical education"),
        ("spec §3, D1: Nghệ thuật, first unit", "am_nhac", "Âm nhạc", "Music"),
        ("spec §3, D1: Nghệ thuật, second unit", "mi_thuat", "Mĩ thuật", "Fine arts"),
        (
            "spec §3",
            "hoat_dong_trai_nghiem",
            "Hoạt động trải nghiệm",
            "Experiential activities",
        ),
        ("spec §3", "tieng_dan_toc", "Tiếng dân tộc thiểu số", "Minority language"),
    ],
)
def test_subject_names(_case: str, code: str, name_vi: str, name_en: str) -> None:
    assert subject_name(code) == name_vi
    assert subject_name_en(code) == name_en


def test_every_unit_of_d1_is_in_the_catalogue() -> None:
    # D1: fourteen units, in the order of the học bạ form
    assert SUBJECTS == (
        "tieng_viet",
        "toan",
        "dao_duc",
        "ngoai_ngu_1",
        "tu_nhien_xa_hoi",
        "lich_su_dia_li",
        "khoa_hoc",
        "tin_hoc",
        "cong_nghe",
        "giao_duc_the_chat",
        "am_nhac",
        "mi_thuat",
        "hoat_dong_trai_nghiem",
        "tieng_dan_toc",
    )


def test_qualities_and_competencies_of_art_5() -> None:
    # TT27 Art. 5 cl. 2, D2: 5 qualities, 3 general and 7 specific competencies
    assert QUALITIES == ("yeu_nuoc", "nhan_ai", "cham_chi", "trung_thuc", "trach_nhiem")
    assert GENERAL_COMPETENCIES == (
        "tu_chu_tu_hoc",
        "giao_tiep_hop_tac",
        "giai_quyet_van_de_sang_tao",
    )
    assert SPECIFIC_COMPETENCIES == (
        "ngon_ngu",
        "tinh_toan",
        "khoa_hoc",
        "cong_nghe",
        "tin_hoc",
        "tham_mi",
        "the_chat",
    )
    assert COMPETENCIES == GENERAL_COMPETENCIES + SPECIFIC_COMPETENCIES


@pytest.mark.parametrize("grade", [1, 2, 3, 4, 5])
def test_all_fifteen_ratings_in_every_grade(grade: int) -> None:
    # D2: all 10 competencies (and 5 qualities) are rated in every grade
    view = catalogue_for().grade(grade)
    assert tuple(q.code for q in view.qualities) == QUALITIES
    assert tuple(c.code for c in view.competencies) == COMPETENCIES


@pytest.mark.parametrize(
    ("_case", "code", "name", "label"),
    [
        ("TT27 Art. 5 cl. 2a", "yeu_nuoc", "Yêu nước", "Phẩm chất yêu nước"),
        ("TT27 Art. 5 cl. 2a", "trach_nhiem", "Trách nhiệm", "Phẩm chất trách nhiệm"),
    ],
)
def test_quality_names(_case: str, code: str, name: str, label: str) -> None:
    assert quality_name(code) == name
    assert catalogue_for().quality_by_code[code].label_vi == label


@pytest.mark.parametrize(
    ("_case", "code", "name", "label"),
    [
        ("TT27 Art. 5 cl. 2b", "tu_chu_tu_hoc", "Tự chủ và tự học", "Năng lực tự chủ và tự học"),
        ("TT27 Art. 5 cl. 2b", "tham_mi", "Thẩm mĩ", "Năng lực thẩm mĩ"),
        ("spec §3: separate namespace from the unit", "khoa_hoc", "Khoa học", "Năng lực khoa học"),
    ],
)
def test_competency_names(_case: str, code: str, name: str, label: str) -> None:
    assert competency_name(code) == name
    assert catalogue_for().competency_by_code[code].label_vi == label


@pytest.mark.parametrize(
    ("_case", "call"),
    [
        ("D1: unknown unit", lambda: subject_name("hoa_hoc")),
        ("D2: a competency code is not a unit code", lambda: subject_name("tinh_toan")),
        ("D2: a unit code is not a quality code", lambda: quality_name("toan")),
        ("D4: unknown unit in the test matrix", lambda: is_tested("hoa_hoc", 3, Period.CN)),
    ],
)
def test_unknown_codes_raise_key_error(_case: str, call: object) -> None:
    with pytest.raises(KeyError):
        call()  # type: ignore[operator]


@pytest.mark.parametrize("grade", [0, 6, -1, True])
def test_grades_outside_primary_raise_value_error(grade: int) -> None:
    with pytest.raises(ValueError, match="not a primary grade"):
        subjects_for_grade(grade)


def test_score_scale_of_tt27_accepts_zero() -> None:
    # TT27 Art. 7 cl. 1d: 10-point scale, no decimals; D3: 0 accepted
    cat = catalogue_for()
    assert (cat.score_min, cat.score_max, cat.classifies) == (0, 10, True)


def test_legacy_tt30_22_catalogue_is_display_only() -> None:
    # spec §4.6, D6: TT30/22 pages are displayed, not classified; own units and ratings
    legacy = catalogue_for(Regime.TT30_22)
    assert (legacy.score_min, legacy.score_max, legacy.classifies) == (1, 10, False)
    assert compulsory_subjects(1, Regime.TT30_22) == (
        "tieng_viet",
        "toan",
        "tu_nhien_xa_hoi",
        "dao_duc",
        "am_nhac",
        "mi_thuat",
        "thu_cong",
        "the_duc",
    )
    assert subject_name("ki_thuat", Regime.TT30_22) == "Kĩ thuật"
    assert [q.code for q in legacy.qualities] == [
        "cham_hoc_cham_lam",
        "tu_tin_trach_nhiem",
        "trung_thuc_ki_luat",
        "doan_ket_yeu_thuong",
    ]
    assert [c.code for c in legacy.competencies] == [
        "tu_phuc_vu_tu_quan",
        "hop_tac",
        "tu_hoc_giai_quyet_van_de",
    ]
    # TT22 Art. 10 cl. 2 tests optional Tin học, unlike TT27
    assert legacy.subject_by_code["tin_hoc"].offering_in(4) is Offering.OPTIONAL
    assert is_tested("tin_hoc", 4, Period.CN, Regime.TT30_22) is True


@pytest.mark.parametrize("regime", list(Regime))
def test_no_unit_is_tested_where_it_is_not_studied(regime: Regime) -> None:
    # TT27 Art. 7 cl. 1b: tests belong to units of the grade (checked again at import)
    for spec in catalogue_for(regime).subjects:
        for grade in (1, 2, 3, 4, 5):
            if spec.offering_in(grade) is None:
                assert spec.tested_periods(grade) == frozenset()


@pytest.mark.parametrize(
    ("_case", "row", "message"),
    [
        (
            "D1: one column per grade",
            ("toan", "Toán", "Mathematics", "CCCC", "SSSAA"),
            "one column per grade expected",
        ),
        (
            "TT27 Art. 7 cl. 1b: no test in a grade without the unit",
            ("khoa_hoc", "Khoa học", "Science", "---CC", "--SSS"),
            "a test in a grade without the unit",
        ),
        (
            "TT27 Art. 7 cl. 1b, D4: optional units are not tested",
            ("tieng_dan_toc", "Tiếng dân tộc thiểu số", "Minority language", "OOOOO", "SSSSS"),
            "an optional unit with a test",
        ),
    ],
)
def test_inconsistent_catalogue_rows_fail_at_import(
    _case: str, row: tuple[str, str, str, str, str], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        catalogue_module._subjects((row,), optional_tested=False)


def test_duplicate_codes_fail_at_import() -> None:
    rows = (("yeu_nuoc", "Yêu nước", "Patriotism", "12345"),) * 2
    with pytest.raises(ValueError, match="duplicate code"):
        catalogue_module._index(catalogue_module._rated(rows, catalogue_module.RatedGroup.QUALITY))

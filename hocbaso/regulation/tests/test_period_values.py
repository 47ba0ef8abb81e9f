"""Reading values into typed ones, typed values, other mappings and catalogue changes."""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType
from typing import Any

import pytest

import hocbaso.regulation.catalogue as catalogue_module
import hocbaso.regulation.validation as validation_module
from hocbaso.regulation import (
    InvalidPeriodValues,
    Period,
    PeriodValues,
    QualityLevel,
    Regime,
    SubjectLevel,
    SubjectResult,
    catalogue_for,
    check_period_values,
    parse_period_values,
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


def test_parse_returns_typed_values_with_the_d_alias_read_as_d_stroke() -> None:
    # D3: "D" is read as "Đ"; optional units present only when enrolled
    raw = pupil(2, enrolled=["tieng_dan_toc"], qualities={"nhan_ai": "D"})

    values = parse_period_values(
        raw["grade"], Period.CN, raw["subjects"], raw["qualities"], raw["competencies"]
    )

    assert values.grade == 2
    assert values.regime is Regime.TT27
    assert values.qualities["nhan_ai"] is QualityLevel.D
    assert values.subjects["tieng_dan_toc"] == SubjectResult(SubjectLevel.T, None)
    assert values.subjects["toan"] == SubjectResult(SubjectLevel.T, 10)
    assert "ngoai_ngu_1" not in values.subjects


def test_parse_raises_with_every_error() -> None:
    raw = pupil(3, scores={"toan": None, "am_nhac": 5})

    with pytest.raises(InvalidPeriodValues) as caught:
        parse_period_values(
            raw["grade"], Period.CN, raw["subjects"], raw["qualities"], raw["competencies"]
        )

    assert caught.value.errors == (
        "Toán: thiếu điểm kiểm tra định kì cuối năm học",
        "Âm nhạc: không có bài kiểm tra định kì, không được nhập điểm",
    )


def test_check_period_values_applies_the_rules_to_typed_values() -> None:
    # given values built by code, not read from input: Toán missing its CN score
    raw = pupil(4)
    values = parse_period_values(
        raw["grade"], Period.CN, raw["subjects"], raw["qualities"], raw["competencies"]
    )
    broken = PeriodValues(
        grade=4,
        period=Period.CN,
        subjects=dict(values.subjects) | {"toan": SubjectResult(SubjectLevel.T)},
        qualities=values.qualities,
        competencies=values.competencies,
    )

    assert check_period_values(values) == []
    assert check_period_values(broken) == ["Toán: thiếu điểm kiểm tra định kì cuối năm học"]


def test_legacy_regime_scores_start_at_one() -> None:
    # TT22 Art. 10 cl. 2 [A]: no 0 under TT30/22
    raw = pupil(1)
    subjects = {
        code: {"level": "T", "score": 0 if code in ("tieng_viet", "toan") else None}
        for code in (
            "tieng_viet",
            "toan",
            "tu_nhien_xa_hoi",
            "dao_duc",
            "am_nhac",
            "mi_thuat",
            "thu_cong",
            "the_duc",
        )
    }
    qualities = {"cham_hoc_cham_lam": "T", "tu_tin_trach_nhiem": "T"}
    qualities |= {"trung_thuc_ki_luat": "T", "doan_ket_yeu_thuong": "T"}
    competencies = {"tu_phuc_vu_tu_quan": "T", "hop_tac": "T", "tu_hoc_giai_quyet_van_de": "Đ"}

    errors = validate_period_values(
        raw["grade"], Period.CN, subjects, qualities, competencies, regime=Regime.TT30_22
    )

    assert errors == [
        "Tiếng Việt: điểm kiểm tra 0 không hợp lệ (cần số nguyên từ 1 đến 10)",
        "Toán: điểm kiểm tra 0 không hợp lệ (cần số nguyên từ 1 đến 10)",
    ]


def test_entries_may_be_any_mapping() -> None:
    # read-only mappings (e.g. MappingProxyType) are read like dicts
    raw = pupil(3)
    subjects = MappingProxyType(
        {code: MappingProxyType(entry) for code, entry in raw["subjects"].items()}
    )

    errors = validate_period_values(
        3, Period.CN, subjects, MappingProxyType(raw["qualities"]), raw["competencies"]
    )

    assert errors == []


def test_values_that_are_not_json_are_shown_as_python() -> None:
    raw = pupil(3, levels={"toan": {"T"}})

    assert _errors(raw) == ["Toán: mức đạt được {'T'} không hợp lệ (chỉ nhận T, H, C)"]


def test_a_catalogue_change_moves_a_rating_out_of_a_grade(monkeypatch: pytest.MonkeyPatch) -> None:
    # spec §3 [A]: if G1–2 forms rate only 5 specific competencies, only the data changes
    tt27 = catalogue_for()
    trimmed = tuple(
        replace(spec, grades=frozenset({3, 4, 5})) if spec.code == "tin_hoc" else spec
        for spec in tt27.competencies
    )
    changed = catalogue_module._build(
        Regime.TT27,
        tt27.title,
        tt27.subjects,
        tt27.qualities,
        trimmed,
        score_min=tt27.score_min,
        classifies=True,
    )
    monkeypatch.setattr(validation_module, "CATALOGUES", {Regime.TT27: changed})

    g1_rated = _errors(pupil(1))
    g1_unrated = _errors(pupil(1) | {"competencies": without(pupil(1)["competencies"], "tin_hoc")})
    g3_unrated = _errors(pupil(3) | {"competencies": without(pupil(3)["competencies"], "tin_hoc")})

    assert g1_rated == ["Năng lực tin học: không đánh giá ở lớp 1"]
    assert g1_unrated == []
    assert g3_unrated == ["Năng lực tin học: thiếu mức đạt được cuối năm học"]

"""Snapshots built without the database: one fixed sample and a hypothesis strategy of random
but valid ones (valid: they serialise to documents hocba-1.xsd accepts)."""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import replace
from typing import Any

from hypothesis import strategies as st

from hocbaso.records.snapshot import (
    AWARD_KINDS,
    AwardRow,
    IssuingUnit,
    PupilIdentity,
    RatedRow,
    RecordSnapshot,
    UnitRow,
    clean_text,
)
from hocbaso.regulation.catalogue import (
    GENERAL_COMPETENCIES,
    QUALITIES,
    SPECIFIC_COMPETENCIES,
    SUBJECTS,
    competency_name,
    quality_name,
    subject_name,
)


def sample_snapshot(**changes: Any) -> RecordSnapshot:
    snapshot = RecordSnapshot(
        record_code="HB-58-TH-DV-12-2026-2027",
        version=1,
        issued_on=dt.date(2027, 5, 28),
        regime="TT27",
        unit=IssuingUnit(
            "58",
            "Ninh Thuận",
            "Sở Giáo dục và Đào tạo Ninh Thuận",
            "Phường Đô Vinh",
            "TH-DV",
            "Trường Tiểu học Đô Vinh",
            "Phường Đô Vinh",
        ),
        pupil=PupilIdentity(
            personal_id="058216000123",
            moet_code="",
            full_name="Lê Minh An",
            gender="Nam",
            birth_date=dt.date(2016, 3, 15),
            ethnicity="Kinh",
            nationality="Việt Nam",
            birth_place="Phan Rang - Tháp Chàm, Ninh Thuận",
            hometown="Ninh Thuận",
            current_address="12 Lê Lợi, phường Đô Vinh",
            father_name="Nguyễn Văn Cha",
            mother_name="Trần Thị Mẹ",
            guardian_name="không",
        ),
        school_year="2026-2027",
        grade=4,
        class_name="4A",
        subjects=(
            UnitRow("tieng_viet", "Tiếng Việt", "T", 9, "Đọc to, rõ ràng & <diễn cảm>."),
            UnitRow("dao_duc", "Đạo đức", "H", None, ""),
        ),
        qualities=tuple(RatedRow(c, quality_name(c), "T", "") for c in QUALITIES),
        general_competencies=tuple(
            RatedRow(c, competency_name(c), "Đ", "") for c in GENERAL_COMPETENCIES
        ),
        specific_competencies=tuple(
            RatedRow(c, competency_name(c), "T", "Tốt") for c in SPECIFIC_COMPETENCIES
        ),
        result_code="HTT",
        result_name="Hoàn thành tốt",
        awards=(AwardRow("dot_xuat", "Giải Nhì hội khỏe Phù Đổng cấp xã"),),
        completed=True,
        completion="Hoàn thành chương trình lớp 4",
        promoted=True,
        supplementary="",
        homeroom_teacher="Nguyễn Thị Hoa",
        principal_name="Trần Văn Bình",
        principal_title="Hiệu trưởng",
    )
    return replace(snapshot, **changes)


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


# ---- hypothesis --------------------------------------------------------------------------------

_any_text = st.text(st.characters(blacklist_categories=["Cs"]), max_size=40)
_vietnamese = st.text(
    st.sampled_from(
        list(
            "aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíị"
            "òỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ ĐƯƠ&<>\"'\n\t"
        )
    ),
    max_size=40,
)
text = st.one_of(_any_text, _vietnamese, _vietnamese.map(nfd))
required = text.filter(lambda t: clean_text(t) != "")
codes = st.from_regex(r"[A-Z0-9]{1,4}", fullmatch=True)
dates = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2199, 12, 31))


@st.composite
def _units(draw: Any) -> tuple[UnitRow, ...]:
    chosen = draw(st.lists(st.sampled_from(SUBJECTS), min_size=1, unique=True))
    return tuple(
        UnitRow(
            code,
            subject_name(code),
            draw(st.sampled_from("THC")),
            draw(st.none() | st.integers(0, 10)),
            draw(text),
        )
        for code in chosen
    )


def _rated(codes_: tuple[str, ...], name: Any) -> Any:
    return st.tuples(
        *(
            st.builds(
                RatedRow, st.just(c), st.just(name(c)), st.sampled_from(["T", "Đ", "C"]), text
            )
            for c in codes_
        )
    )


@st.composite
def snapshots(draw: Any) -> RecordSnapshot:
    year = draw(st.integers(2000, 2099))
    return RecordSnapshot(
        record_code=(
            f"HB-{draw(codes)}-{draw(codes)}-{draw(st.integers(1, 10**9))}-{year}-{year + 1}"
        ),
        version=draw(st.integers(1, 1000)),
        issued_on=draw(dates),
        regime="TT27",
        unit=draw(st.builds(IssuingUnit, *([required] * 7))),
        pupil=draw(
            st.builds(
                PupilIdentity,
                st.from_regex(r"[0-9]{12}", fullmatch=True),
                text,
                required,
                st.sampled_from(["Nam", "Nữ"]),
                dates,
                *([required] * 8),
            )
        ),
        school_year=f"{year}-{year + 1}",
        grade=draw(st.integers(1, 5)),
        class_name=draw(required),
        subjects=draw(_units()),
        qualities=draw(_rated(QUALITIES, quality_name)),
        general_competencies=draw(_rated(GENERAL_COMPETENCIES, competency_name)),
        specific_competencies=draw(_rated(SPECIFIC_COMPETENCIES, competency_name)),
        result_code=(result := draw(st.sampled_from(["HTXS", "HTT", "HT", "CHT"]))),
        result_name={
            "HTXS": "Hoàn thành xuất sắc",
            "HTT": "Hoàn thành tốt",
            "HT": "Hoàn thành",
            "CHT": "Chưa hoàn thành",
        }[result],
        awards=tuple(
            draw(st.lists(st.builds(AwardRow, st.sampled_from(AWARD_KINDS), required), max_size=3))
        ),
        completed=draw(st.booleans()),
        completion=draw(required),
        promoted=draw(st.none() | st.booleans()),
        supplementary=draw(text),
        homeroom_teacher=draw(required),
        principal_name=draw(required),
        principal_title=draw(st.sampled_from(["Hiệu trưởng", "Phó Hiệu trưởng"])),
    )

"""Parsing identity-page values from a form or an import row: NFC normalisation, the explicit
«không», the code lists, and Vietnamese messages naming the field.

Pure functions: no database (style.md habit 11).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from hocbaso.people.profile_validation import check_personal_id, nfc, parse_date, parse_profile

TODAY = dt.date(2026, 9, 1)  # school year 2026–2027: pupils born 2010–2022 are plausible


def _complete_row(**overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "full_name": "Lê Minh An",
        "gender": "Nam",
        "birth_date": "15/03/2016",
        "ethnicity": "Kinh",
        "nationality": "VN",
        "birth_place": "Phan Rang - Tháp Chàm, Ninh Thuận",
        "hometown": "Ninh Thuận",
        "current_address": "12 Lê Lợi, phường Đô Vinh",
        "father_name": "Lê Văn Bố",
        "mother_name": "Trần Thị Mẹ",
        "guardian_name": "không",
        "policy_group": "không",
        "personal_id": "058216001234",
    }
    row.update(overrides)
    return row


# -- NFC normalisation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("_case", "raw", "expected"),
    [
        ("decomposed circumflex + tilde", "Nguye\u0302\u0303n", "Nguyễn"),
        ("decomposed breve, horn + grave", "Va\u0306n Thu\u031b\u0300a", "Văn Thừa"),
        ("already NFC is unchanged", "Nguyễn Văn Thừa", "Nguyễn Văn Thừa"),
        ("inner runs of spaces and tabs collapse", "Lê \t Minh   An", "Lê Minh An"),
        ("outer spaces and a non-breaking space trimmed", "\u00a0 Lê Minh An \n", "Lê Minh An"),
    ],
)
def test_nfc(_case: str, raw: str, expected: str) -> None:
    # when
    text = nfc(raw)
    # then
    assert text == expected


def test_decomposed_name_is_stored_composed() -> None:
    # given a name typed on a keyboard that sends combining marks
    raw = {"full_name": "Nguye\u0302\u0303n Thi\u0323 Ha\u0300"}
    # when
    parsed = parse_profile(raw, partial=True)
    # then
    assert parsed.errors == []
    assert parsed.values == {"full_name": "Nguyễn Thị Hà"}
    assert len(parsed.values["full_name"]) == len("Nguyễn Thị Hà")


# -- «không» must be written out -------------------------------------------------------------


@pytest.mark.parametrize(
    ("_case", "field", "message"),
    [
        ("father", "father_name", "Họ tên cha: không được để trống. Ghi «không» nếu không có."),
        ("mother", "mother_name", "Họ tên mẹ: không được để trống. Ghi «không» nếu không có."),
        (
            "guardian",
            "guardian_name",
            "Người giám hộ: không được để trống. Ghi «không» nếu không có.",
        ),
        (
            "policy group",
            "policy_group",
            "Đối tượng chính sách: không được để trống. Ghi «không» nếu không có.",
        ),
    ],
)
@pytest.mark.parametrize("blank", ["", "   ", None])
def test_empty_parent_name_asks_for_explicit_khong(
    _case: str, field: str, message: str, blank: str | None
) -> None:
    # when
    parsed = parse_profile({field: blank}, partial=True)
    # then
    assert parsed.errors == [message]
    assert parsed.field_errors == {field: [message]}
    assert parsed.values == {}


@pytest.mark.parametrize(
    ("_case", "raw"),
    [
        ("lower case", "không"),
        ("capitalised", "Không"),
        ("upper case", "KHÔNG"),
        ("decomposed", "kho\u0302ng"),
        ("padded", "  không "),
    ],
)
def test_khong_is_stored_in_one_spelling(_case: str, raw: str) -> None:
    # when
    parsed = parse_profile({"father_name": raw, "guardian_name": raw}, partial=True)
    # then
    assert parsed.errors == []
    assert parsed.values == {"father_name": "không", "guardian_name": "không"}


def test_empty_name_has_no_khong_hint() -> None:
    # when
    parsed = parse_profile({"full_name": "", "birth_place": " "}, partial=True)
    # then
    assert parsed.errors == ["Họ và tên: không được để trống.", "Nơi sinh: không được để trống."]


def test_text_longer_than_200_characters_is_refused() -> None:
    # when
    parsed = parse_profile({"hometown": "a" * 201, "birth_place": "b" * 200}, partial=True)
    # then
    assert parsed.errors == ["Quê quán: dài quá 200 kí tự."]
    assert parsed.values == {"birth_place": "b" * 200}


# -- gender ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("_case", "raw", "expected"),
    [
        ("QCVN 109:2017 code 1", "1", 1),
        ("QCVN 109:2017 code 2", "2", 2),
        ("Nam", "Nam", 1),
        ("NAM", "NAM", 1),
        ("Nữ", "Nữ", 2),
        ("NỮ", "NỮ", 2),
        ("nu without diacritics", "nu", 2),
        ("Nữ decomposed", "Nu\u031b\u0303", 2),
        ("integer cell from a sheet", 2, 2),
    ],
)
def test_gender_is_parsed(_case: str, raw: object, expected: int) -> None:
    # when
    parsed = parse_profile({"gender": raw}, partial=True)
    # then
    assert parsed.errors == []
    assert parsed.values == {"gender": expected}


@pytest.mark.parametrize("raw", ["male", "F", "3", "0", "Nam/Nữ"])
def test_unknown_gender_is_explained(raw: str) -> None:
    # when
    parsed = parse_profile({"gender": raw}, partial=True)
    # then
    assert parsed.errors == [f"Giới tính: chỉ nhận «Nam» hoặc «Nữ», không nhận «{raw}»."]
    assert parsed.values == {}


# -- dates -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("_case", "raw"),
    [
        ("dd/mm/yyyy", "15/03/2016"),
        ("ISO", "2016-03-15"),
        ("dd-mm-yyyy", "15-03-2016"),
        ("padded", " 15/03/2016 "),
        ("date cell", dt.date(2016, 3, 15)),
        ("datetime cell from a sheet", dt.datetime(2016, 3, 15, 0, 0)),  # noqa: DTZ001 - naive cell
    ],
)
def test_birth_date_is_parsed(_case: str, raw: object) -> None:
    # when
    parsed = parse_profile({"birth_date": raw}, partial=True, today=TODAY)
    # then
    assert parsed.errors == []
    assert parsed.values == {"birth_date": dt.date(2016, 3, 15)}


NOT_A_DATE = "Ngày sinh: «{}» không phải ngày hợp lệ (dd/mm/yyyy)."
NOT_PRIMARY_AGE = "Ngày sinh: năm sinh {} không phù hợp học sinh tiểu học."


@pytest.mark.parametrize(
    ("_case", "raw", "message"),
    [
        ("30 February", "30/02/2016", NOT_A_DATE.format("30/02/2016")),
        ("29 February of a common year", "29/02/2017", NOT_A_DATE.format("29/02/2017")),
        ("month 13", "15/13/2016", NOT_A_DATE.format("15/13/2016")),
        ("yyyy/mm/dd", "2016/03/15", NOT_A_DATE.format("2016/03/15")),
        ("words", "mười lăm", NOT_A_DATE.format("mười lăm")),
        ("born 2009: 17 this year, too old", "01/01/2009", NOT_PRIMARY_AGE.format(2009)),
        ("born 2023: 3 this year, too young", "01/01/2023", NOT_PRIMARY_AGE.format(2023)),
    ],
)
def test_bad_birth_date_is_explained(_case: str, raw: str, message: str) -> None:
    # when
    parsed = parse_profile({"birth_date": raw}, partial=True, today=TODAY)
    # then
    assert parsed.errors == [message]
    assert parsed.field_errors == {"birth_date": [message]}
    assert parsed.values == {}


@pytest.mark.parametrize(("_case", "year"), [("oldest plausible", 2010), ("youngest", 2022)])
def test_birth_year_bounds_are_inclusive(_case: str, year: int) -> None:
    # when
    parsed = parse_profile({"birth_date": f"01/06/{year}"}, partial=True, today=TODAY)
    # then
    assert parsed.values == {"birth_date": dt.date(year, 6, 1)}


def test_parse_date_returns_none_for_nonsense() -> None:
    assert parse_date("32/01/2016") is None
    assert parse_date("") is None
    assert parse_date("15/03/2016") == dt.date(2016, 3, 15)


# -- ethnicity and nationality -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("_case", "raw", "expected"),
    [
        ("code", "01", "01"),
        ("code without leading zero", "1", "01"),
        ("integer cell", 1, "01"),
        ("name", "Kinh", "01"),
        ("name, other case", "kINH", "01"),
        ("name with diacritics", "Ê Đê", "12"),
        ("name with diacritics, lower case", "ê đê", "12"),
        ("name, decomposed", "E\u0302 \u0110e\u0302", "12"),
        ("last group", "Rơ Măm", "54"),
        ("foreigners", "55", "55"),
    ],
)
def test_ethnicity_is_looked_up(_case: str, raw: object, expected: str) -> None:
    # when
    parsed = parse_profile({"ethnicity": raw}, partial=True)
    # then
    assert parsed.errors == []
    assert parsed.values == {"ethnicity": expected}


@pytest.mark.parametrize("raw", ["56", "00", "Việt", "Eskimo"])
def test_unknown_ethnicity_is_explained(raw: str) -> None:
    # when
    parsed = parse_profile({"ethnicity": raw}, partial=True)
    # then
    assert parsed.errors == [f"Dân tộc: «{raw}» không có trong danh mục dân tộc."]


@pytest.mark.parametrize(
    ("_case", "raw", "expected"),
    [
        ("ISO code", "VN", "VN"),
        ("ISO code, lower case", "vn", "VN"),
        ("name", "Việt Nam", "VN"),
        ("name, lower case", "việt nam", "VN"),
        ("another country", "Lào", "LA"),
        ("other", "khac", "khac"),
    ],
)
def test_nationality_is_looked_up(_case: str, raw: str, expected: str) -> None:
    # when
    parsed = parse_profile({"nationality": raw}, partial=True)
    # then
    assert parsed.errors == []
    assert parsed.values == {"nationality": expected}


@pytest.mark.parametrize("raw", ["Atlantis", "XX", "Viet Nam"])
def test_unknown_nationality_is_explained(raw: str) -> None:
    # when
    parsed = parse_profile({"nationality": raw}, partial=True)
    # then
    assert parsed.errors == [f"Quốc tịch: «{raw}» không có trong danh mục quốc tịch."]


# -- personal ID -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("_case", "raw", "expected"),
    [
        ("empty means not yet provided", "", None),
        ("None means not yet provided", None, None),
        ("padded", " 058216001234 ", "058216001234"),
        ("not checked by parse_profile itself", "123", "123"),
    ],
)
def test_personal_id_is_kept_as_text_or_none(
    _case: str, raw: str | None, expected: str | None
) -> None:
    # when
    parsed = parse_profile({"personal_id": raw}, partial=True)
    # then
    assert parsed.errors == []
    assert parsed.values == {"personal_id": expected}


def test_check_personal_id_adds_field_errors() -> None:
    # given a girl's number on a boy's profile
    parsed = parse_profile({"personal_id": "058316001234"}, partial=True)
    # when
    check_personal_id(parsed, birth_date=dt.date(2016, 3, 15), gender=1)
    # then
    message = "Số định danh cá nhân mã hóa giới tính khác hồ sơ (hồ sơ: nam)."
    assert parsed.errors == [message]
    assert parsed.field_errors == {"personal_id": [message]}


def test_check_personal_id_ignores_a_missing_number() -> None:
    # given
    parsed = parse_profile({"personal_id": ""}, partial=True)
    # when
    check_personal_id(parsed, birth_date=dt.date(2016, 3, 15), gender=1)
    # then
    assert parsed.errors == []


# -- partial and full parse --------------------------------------------------------------------


def test_full_parse_of_a_complete_row() -> None:
    # when
    parsed = parse_profile(_complete_row(gender="Nữ", ethnicity="Tày"), today=TODAY)
    # then
    assert parsed.errors == []
    assert parsed.values == {
        "full_name": "Lê Minh An",
        "gender": 2,
        "birth_date": dt.date(2016, 3, 15),
        "ethnicity": "02",
        "nationality": "VN",
        "birth_place": "Phan Rang - Tháp Chàm, Ninh Thuận",
        "hometown": "Ninh Thuận",
        "current_address": "12 Lê Lợi, phường Đô Vinh",
        "father_name": "Lê Văn Bố",
        "mother_name": "Trần Thị Mẹ",
        "guardian_name": "không",
        "policy_group": "không",
        "personal_id": "058216001234",
    }


def test_full_parse_requires_every_field_but_the_personal_id() -> None:
    # when
    parsed = parse_profile({}, today=TODAY)
    # then
    assert parsed.errors == [
        "Họ và tên: thiếu thông tin.",
        "Giới tính: thiếu thông tin.",
        "Ngày sinh: thiếu thông tin.",
        "Dân tộc: thiếu thông tin.",
        "Quốc tịch: thiếu thông tin.",
        "Nơi sinh: thiếu thông tin.",
        "Quê quán: thiếu thông tin.",
        "Nơi ở hiện nay: thiếu thông tin.",
        "Họ tên cha: thiếu thông tin.",
        "Họ tên mẹ: thiếu thông tin.",
        "Người giám hộ: thiếu thông tin.",
        "Đối tượng chính sách: thiếu thông tin.",
    ]
    assert "personal_id" not in parsed.field_errors
    assert parsed.values == {}


def test_full_parse_reports_the_missing_mother_only() -> None:
    # given
    row = _complete_row()
    del row["mother_name"]
    # when
    parsed = parse_profile(row, today=TODAY)
    # then
    assert parsed.errors == ["Họ tên mẹ: thiếu thông tin."]
    assert parsed.field_errors == {"mother_name": ["Họ tên mẹ: thiếu thông tin."]}
    assert "mother_name" not in parsed.values


def test_partial_parse_checks_only_the_fields_present() -> None:
    # when
    parsed = parse_profile({"mother_name": "Trần Thị Mai", "hometown": "Huế"}, partial=True)
    # then
    assert parsed.errors == []
    assert parsed.values == {"mother_name": "Trần Thị Mai", "hometown": "Huế"}


def test_partial_parse_collects_every_error_at_once() -> None:
    # when
    parsed = parse_profile(
        {"gender": "x", "birth_date": "x", "mother_name": "", "ethnicity": "x", "hometown": "Huế"},
        partial=True,
        today=TODAY,
    )
    # then: one message per bad field, in the order of the identity page
    assert parsed.errors == [
        "Giới tính: chỉ nhận «Nam» hoặc «Nữ», không nhận «x».",
        "Ngày sinh: «x» không phải ngày hợp lệ (dd/mm/yyyy).",
        "Dân tộc: «x» không có trong danh mục dân tộc.",
        "Họ tên mẹ: không được để trống. Ghi «không» nếu không có.",
    ]
    assert sorted(parsed.field_errors) == ["birth_date", "ethnicity", "gender", "mother_name"]
    assert parsed.values == {"hometown": "Huế"}


def test_unknown_keys_are_ignored() -> None:
    # given keys that are not identity-page fields (no mass assignment)
    raw = {"school_id": 99, "moet_code": "X", "is_superuser": True, "hometown": "Huế"}
    # when
    parsed = parse_profile(raw, partial=True)
    # then
    assert parsed.values == {"hometown": "Huế"}

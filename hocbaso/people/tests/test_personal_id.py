"""The 12-digit personal identification number (số định danh cá nhân): structure checks and
masking, one row per rule of Decree 137/2015/NĐ-CP Art. 7 and Circular 59/2021/TT-BCA.

Pure functions: no database (style.md habit 11).
"""

from __future__ import annotations

import datetime as dt

import pytest

from hocbaso.people.personal_id import FEMALE, MALE, mask_personal_id, personal_id_errors

LENGTH_ERROR = "Số định danh cá nhân phải gồm đúng 12 chữ số."
BORN_2016 = dt.date(2016, 3, 15)
ND137 = "Decree 137/2015/NĐ-CP Art. 7"
TT59 = "Circular 59/2021/TT-BCA Appendix"


@pytest.mark.parametrize(
    ("_case", "value", "birth_date", "gender"),
    [
        (
            f"{ND137}: boy born 2015, Hà Nội (001), digit 2",
            "001215000123",
            dt.date(2015, 1, 1),
            MALE,
        ),
        (
            f"{ND137}: girl born 2015, Hà Nội (001), digit 3",
            "001315000124",
            dt.date(2015, 12, 31),
            FEMALE,
        ),
        (f"{ND137}: boy born 2016, Ninh Thuận (058)", "058216001234", BORN_2016, MALE),
        (f"{ND137}: girl born 2016, Ninh Thuận (058)", "058316001235", BORN_2016, FEMALE),
        (f"{ND137}: boy born 2017, Hồ Chí Minh (079)", "079217004567", dt.date(2017, 6, 1), MALE),
        (
            f"{ND137}: girl born 2017, Hồ Chí Minh (079)",
            "079317004568",
            dt.date(2017, 6, 1),
            FEMALE,
        ),
        (f"{ND137}: boy born 2018, Đà Nẵng (048)", "048218000001", dt.date(2018, 2, 28), MALE),
        (f"{ND137}: girl born 2018, Đà Nẵng (048)", "048318999999", dt.date(2018, 2, 28), FEMALE),
        (f"{ND137}: boy born 2019, Cà Mau (096)", "096219123456", dt.date(2019, 9, 2), MALE),
        (f"{ND137}: girl born 2019, Cà Mau (096)", "096319654321", dt.date(2019, 9, 2), FEMALE),
        (f"{ND137}: boy born 2020, Điện Biên (011)", "011220000010", dt.date(2020, 2, 29), MALE),
        (f"{ND137}: girl born 2020, Điện Biên (011)", "011320000011", dt.date(2020, 2, 29), FEMALE),
        (f"{ND137}: 6 random digits may all be 0", "058216000000", BORN_2016, MALE),
        (
            f"{TT59}: province code checked alone when the profile has no date or gender",
            "058316001235",
            None,
            None,
        ),
    ],
)
def test_valid_numbers_have_no_errors(
    _case: str, value: str, birth_date: dt.date | None, gender: int | None
) -> None:
    # when
    errors = personal_id_errors(value, birth_date=birth_date, gender=gender)
    # then
    assert errors == []


@pytest.mark.parametrize(
    ("_case", "value", "birth_date", "gender", "expected"),
    [
        (f"{ND137}: 11 digits", "05821600123", BORN_2016, MALE, [LENGTH_ERROR]),
        (f"{ND137}: 13 digits", "0582160012345", BORN_2016, MALE, [LENGTH_ERROR]),
        (f"{ND137}: empty", "", BORN_2016, MALE, [LENGTH_ERROR]),
        (f"{ND137}: old 9-digit CMND number", "058123456", BORN_2016, MALE, [LENGTH_ERROR]),
        (f"{ND137}: a letter among 12 characters", "05821600123A", BORN_2016, MALE, [LENGTH_ERROR]),
        (f"{ND137}: a space among 12 characters", "058216 01234", BORN_2016, MALE, [LENGTH_ERROR]),
        (f"{ND137}: a sign among 12 characters", "-58216001234", BORN_2016, MALE, [LENGTH_ERROR]),
        (
            f"{ND137}: full-width digits are not ASCII digits",
            "０５８２１６００１２３４",
            BORN_2016,
            MALE,
            [LENGTH_ERROR],
        ),
        (
            f"{ND137}: Arabic-Indic digits are not ASCII digits",
            "٠٥٨٢١٦٠٠١٢٣٤",
            BORN_2016,
            MALE,
            [LENGTH_ERROR],
        ),
        (
            f"{ND137}: superscript digits are not ASCII digits",
            "05821600123³",
            BORN_2016,
            MALE,
            [LENGTH_ERROR],
        ),
        (
            f"{TT59}: 003 is no province code",
            "003216001234",
            BORN_2016,
            MALE,
            ["Số định danh cá nhân: mã tỉnh nơi đăng kí khai sinh «003» không tồn tại."],
        ),
        (
            f"{TT59}: 097 is past the last code (096 Cà Mau)",
            "097216001234",
            BORN_2016,
            MALE,
            ["Số định danh cá nhân: mã tỉnh nơi đăng kí khai sinh «097» không tồn tại."],
        ),
        (
            f"{ND137}: digit 3 (21st century, female) for a boy",
            "058316001234",
            BORN_2016,
            MALE,
            ["Số định danh cá nhân mã hóa giới tính khác hồ sơ (hồ sơ: nam)."],
        ),
        (
            f"{ND137}: digit 2 (21st century, male) for a girl",
            "058216001234",
            BORN_2016,
            FEMALE,
            ["Số định danh cá nhân mã hóa giới tính khác hồ sơ (hồ sơ: nữ)."],
        ),
        (
            f"{ND137}: digit 0 (20th century, male) encodes 1916",
            "058016001234",
            BORN_2016,
            MALE,
            ["Số định danh cá nhân mã hóa năm sinh 1916, khác năm sinh trong hồ sơ (2016)."],
        ),
        (
            f"{ND137}: digit 1 (20th century, female) encodes 1916 and a girl",
            "058116001234",
            BORN_2016,
            MALE,
            [
                "Số định danh cá nhân mã hóa năm sinh 1916, khác năm sinh trong hồ sơ (2016).",
                "Số định danh cá nhân mã hóa giới tính khác hồ sơ (hồ sơ: nam).",
            ],
        ),
        (
            f"{ND137}: digit 4 (22nd century, male) encodes 2116",
            "058416001234",
            BORN_2016,
            MALE,
            ["Số định danh cá nhân mã hóa năm sinh 2116, khác năm sinh trong hồ sơ (2016)."],
        ),
        (
            f"{ND137}: year digits 17 for a pupil born 2016",
            "058217001234",
            BORN_2016,
            MALE,
            ["Số định danh cá nhân mã hóa năm sinh 2017, khác năm sinh trong hồ sơ (2016)."],
        ),
        (
            f"{ND137}: year digits 15 for a girl born 2020",
            "058315001234",
            dt.date(2020, 1, 1),
            FEMALE,
            ["Số định danh cá nhân mã hóa năm sinh 2015, khác năm sinh trong hồ sơ (2020)."],
        ),
        (
            f"{ND137} + {TT59}: every part wrong, one message per part, in order",
            "003117001234",
            BORN_2016,
            MALE,
            [
                "Số định danh cá nhân: mã tỉnh nơi đăng kí khai sinh «003» không tồn tại.",
                "Số định danh cá nhân mã hóa năm sinh 1917, khác năm sinh trong hồ sơ (2016).",
                "Số định danh cá nhân mã hóa giới tính khác hồ sơ (hồ sơ: nam).",
            ],
        ),
    ],
)
def test_invalid_numbers_are_explained_in_vietnamese(
    _case: str, value: str, birth_date: dt.date | None, gender: int | None, expected: list[str]
) -> None:
    # when
    errors = personal_id_errors(value, birth_date=birth_date, gender=gender)
    # then
    assert errors == expected


@pytest.mark.parametrize(
    ("_case", "value", "expected"),
    [
        ("ASVS 14.2.6: only the last 3 digits are shown", "058216001234", "•••••••••234"),
        ("ASVS 14.2.6: a girl's number, same width", "001315000124", "•••••••••124"),
        ("not yet provided (NULL)", None, ""),
        ("empty", "", ""),
    ],
)
def test_mask_personal_id(_case: str, value: str | None, expected: str) -> None:
    # when
    masked = mask_personal_id(value)
    # then
    assert masked == expected


def test_masked_number_keeps_no_digit_but_the_last_three() -> None:
    # given
    value = "058216001234"
    # when
    masked = mask_personal_id(value)
    # then: the first 9 characters carry no digit at all
    assert len(masked) == 12
    assert [c for c in masked[:9] if c.isdigit()] == []
    assert masked[9:] == "234"

"""Validation of the 12-digit personal identification number (số định danh cá nhân).

Structure (Decree 137/2015/NĐ-CP Art. 7, Circular 59/2021/TT-BCA): 3 digits for the province
of birth registration, 1 digit for sex and birth century, 2 digits for the year of birth, 6
random digits. Century digit: 0/1 = 20th century male/female, 2/3 = 21st, 4/5 = 22nd, 6/7 = 23rd,
8/9 = 24th.
"""

from __future__ import annotations

import datetime as dt

from hocbaso.people.code_lists import PERSONAL_ID_PROVINCES

MALE = 1
FEMALE = 2


def personal_id_errors(value: str, *, birth_date: dt.date | None, gender: int | None) -> list[str]:
    """Vietnamese error messages for a personal ID; empty when the number is valid."""
    if len(value) != 12 or not value.isascii() or not value.isdigit():
        return ["Số định danh cá nhân phải gồm đúng 12 chữ số."]
    errors: list[str] = []
    if value[:3] not in PERSONAL_ID_PROVINCES:
        errors.append(
            f"Số định danh cá nhân: mã tỉnh nơi đăng kí khai sinh «{value[:3]}» không tồn tại."
        )
    century_digit = int(value[3])
    century = 20 + century_digit // 2  # 0,1 → 20th (19xx); 2,3 → 21st (20xx); …
    sex = FEMALE if century_digit % 2 else MALE
    if birth_date is not None:
        year_prefix = (century - 1) * 100
        encoded_year = year_prefix + int(value[4:6])
        if encoded_year != birth_date.year:
            errors.append(
                f"Số định danh cá nhân mã hóa năm sinh {encoded_year}, "
                f"khác năm sinh trong hồ sơ ({birth_date.year})."
            )
    if gender in (MALE, FEMALE) and sex != gender:
        expected = "nam" if gender == MALE else "nữ"
        errors.append(f"Số định danh cá nhân mã hóa giới tính khác hồ sơ (hồ sơ: {expected}).")
    return errors


def mask_personal_id(value: str | None) -> str:
    """Show only the last 3 digits (ASVS 14.2.6)."""
    if not value:
        return ""
    return "•" * (len(value) - 3) + value[-3:]

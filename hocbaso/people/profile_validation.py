"""Parse and check identity-page values coming from a form or an import row.

Every text is normalised to NFC (some Vietnamese keyboards send decomposed text). Errors are
Vietnamese sentences naming the field.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from hocbaso.people.code_lists import ETHNICITIES, NATIONALITIES, NOT_APPLICABLE
from hocbaso.people.personal_id import personal_id_errors
from hocbaso.people.profile_fields import FIELDS_BY_NAME, PROFILE_FIELDS

_GENDERS = {"1": 1, "nam": 1, "2": 2, "nữ": 2, "nu": 2}
_DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y")
_SPACES = re.compile(r"\s+")


def nfc(text: str) -> str:
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


@dataclass
class ProfileInput:
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    field_errors: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        self.errors.append(message)
        self.field_errors.setdefault(name, []).append(message)


def parse_date(raw: Any) -> dt.date | None:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    text = nfc(str(raw))
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a calendar date
        except ValueError:
            continue
    return None


def parse_profile(
    raw: dict[str, Any], *, partial: bool = False, today: dt.date | None = None
) -> ProfileInput:
    """Check raw values (strings from a form or cells from a sheet).

    `partial=True` checks only the fields present (an edit); otherwise every field is required.
    """
    out = ProfileInput()
    today = today or dt.date.today()  # noqa: DTZ011 - a calendar date in the school's zone
    for pf in PROFILE_FIELDS:
        if pf.name not in raw:
            if not partial and pf.name != "personal_id":
                out.add(pf.name, f"{pf.label}: thiếu thông tin.")
            continue
        value = raw[pf.name]
        text = "" if value is None else nfc(str(value))
        label = str(pf.label)
        if pf.name == "personal_id":
            out.values["personal_id"] = text or None
            continue
        if not text:
            hint = f" Ghi «{NOT_APPLICABLE}» nếu không có." if pf.allows_not_applicable else ""
            out.add(pf.name, f"{label}: không được để trống.{hint}")
            continue
        if pf.name == "gender":
            gender = _GENDERS.get(text.lower())
            if gender is None:
                out.add(pf.name, f"{label}: chỉ nhận «Nam» hoặc «Nữ», không nhận «{text}».")
            else:
                out.values["gender"] = gender
        elif pf.name == "birth_date":
            day = parse_date(value)
            if day is None:
                out.add(pf.name, f"{label}: «{text}» không phải ngày hợp lệ (dd/mm/yyyy).")
            elif not (today.year - 16 <= day.year <= today.year - 4):
                out.add(pf.name, f"{label}: năm sinh {day.year} không phù hợp học sinh tiểu học.")
            else:
                out.values["birth_date"] = day
        elif pf.name == "ethnicity":
            code = _lookup(text, ETHNICITIES)
            if code is None:
                out.add(pf.name, f"{label}: «{text}» không có trong danh mục dân tộc.")
            else:
                out.values["ethnicity"] = code
        elif pf.name == "nationality":
            code = _lookup(text, NATIONALITIES)
            if code is None:
                out.add(pf.name, f"{label}: «{text}» không có trong danh mục quốc tịch.")
            else:
                out.values["nationality"] = code
        else:
            if pf.allows_not_applicable and text.lower() == NOT_APPLICABLE:
                text = NOT_APPLICABLE
            if len(text) > 200:
                out.add(pf.name, f"{label}: dài quá 200 kí tự.")
            else:
                out.values[pf.name] = text
    return out


def check_personal_id(out: ProfileInput, *, birth_date: dt.date | None, gender: int | None) -> None:
    value = out.values.get("personal_id")
    if value:
        for message in personal_id_errors(value, birth_date=birth_date, gender=gender):
            out.add("personal_id", message)


def _lookup(text: str, table: dict[str, str]) -> str | None:
    if text in table:
        return text
    if text.upper() in table:
        return text.upper()
    if text.isdigit() and text.zfill(2) in table:
        return text.zfill(2)
    folded = text.casefold()
    for code, name in table.items():
        if name.casefold() == folded:
            return code
    return None


def field_label(name: str) -> str:
    return str(FIELDS_BY_NAME[name].label)

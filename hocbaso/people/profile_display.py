"""A profile field's value as shown to people (codes as names, dates as dd/mm/yyyy, the
personal ID masked). Also the snapshot kept with a parent's report."""

from __future__ import annotations

from hocbaso.people.code_lists import ETHNICITIES, NATIONALITIES
from hocbaso.people.models import Gender, Student
from hocbaso.people.personal_id import mask_personal_id


def display_value(student: Student, field: str) -> str:
    value = getattr(student, field)
    if value in (None, ""):
        return ""
    if field == "gender":
        return str(Gender(value).label)
    if field == "ethnicity":
        return str(ETHNICITIES.get(value, value))
    if field == "nationality":
        return str(NATIONALITIES.get(value, value))
    if field == "birth_date":
        return str(value.strftime("%d/%m/%Y"))
    if field == "personal_id":
        return mask_personal_id(value)
    return str(value)

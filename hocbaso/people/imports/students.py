"""Check every row of a pupils file and plan what an apply would create.

Field rules are `profile_validation.parse_profile` and `check_personal_id`, the same as the
edit form's. On top of them an import checks the class (of the school, in the current school
year) and duplicates, within the file and against the database. A row describing a pupil the
school already has (same personal ID, or same name, birth date and class) is reported as
"already present" and skipped, so that an export re-imported is not an error. Nothing here
writes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from hocbaso.org.models import ClassGroup, School, SchoolYear
from hocbaso.people.imports.classes import class_key, classes_by_name, current_school_year
from hocbaso.people.imports.columns import map_header, row_values, student_columns
from hocbaso.people.imports.reader import SheetRow
from hocbaso.people.imports.report import ImportReport, RowError, SkippedRow
from hocbaso.people.models import Enrolment, Student
from hocbaso.people.profile_fields import EDITABLE_FIELDS
from hocbaso.people.profile_validation import check_personal_id, nfc, parse_profile

CODE_MAX = 20
_CHUNK = 500
LOST_ZERO = (
    "Số định danh cá nhân: có thể Excel đã bỏ số 0 ở đầu; hãy định dạng cột là Văn bản (Text)."
)


@dataclass(frozen=True)
class StudentPlan:
    """A pupil an apply would create, with the enrolment in `class_group_id`."""

    row: int
    values: dict[str, Any] = field(repr=False)  # parsed profile values, personal ID included
    class_group_id: int
    class_name: str
    moet_code: str | None = field(default=None, repr=False)
    register_number: str = ""

    @property
    def full_name(self) -> str:
        return str(self.values["full_name"])

    @property
    def birth_date(self) -> dt.date:
        value = self.values["birth_date"]
        assert isinstance(value, dt.date)
        return value


@dataclass
class StudentImportReport(ImportReport):
    to_create: list[StudentPlan] = field(default_factory=list)
    created_ids: list[int] = field(default_factory=list)  # after an apply


@dataclass(frozen=True)
class _Existing:
    """What the database already holds that a row may collide with."""

    by_identity: dict[tuple[str, dt.date, int], Student]  # (name, birth date, class) → pupil
    by_personal_id: dict[str, tuple[int, int]]  # personal ID → (pupil, school)
    by_moet_code: dict[str, int]  # code → pupil


def plan_students(
    rows: list[SheetRow], school: School, *, today: dt.date, report: StudentImportReport
) -> SchoolYear | None:
    """Fill `report.errors`, `report.to_create` and `report.skipped` from the rows; returns
    the school year the pupils are enrolled in."""
    header = map_header(rows[0], student_columns())
    report.rows = len(rows) - 1
    if header.errors:
        report.errors.extend(header.errors)
        return None
    if report.rows == 0:
        report.errors.append(RowError(None, "Tệp chỉ có dòng tiêu đề, không có dòng dữ liệu nào."))
        return None
    year = current_school_year(school, today)
    if year is None:
        report.errors.append(RowError(None, "Chưa có năm học hiện tại để xếp lớp học sinh."))
        return None
    report.school_year = year.code
    report.rows_checked = True
    body = [(row.number, *row_values(row, header)) for row in rows[1:]]
    planner = _Planner(
        school=school,
        year=year,
        today=today,
        report=report,
        classes=classes_by_name(school, year),
        existing=_existing(school, year, [values for _, values, _ in body]),
    )
    for number, values, errors in body:
        planner.plan_row(number, values, errors)
    return year


@dataclass
class _Planner:
    school: School
    year: SchoolYear
    today: dt.date
    report: StudentImportReport
    classes: dict[str, ClassGroup]
    existing: _Existing
    personal_ids: dict[str, int] = field(default_factory=dict)  # seen in the file → row
    moet_codes: dict[str, int] = field(default_factory=dict)
    identities: dict[tuple[str, dt.date, int], int] = field(default_factory=dict)

    def plan_row(self, number: int, values: dict[str, str], errors: list[RowError]) -> None:
        profile_raw = {name: values[name] for name in EDITABLE_FIELDS if name in values}
        parsed = parse_profile(profile_raw, today=self.today)
        check_personal_id(
            parsed, birth_date=parsed.values.get("birth_date"), gender=parsed.values.get("gender")
        )
        messages = list(parsed.errors)
        if "personal_id" in parsed.field_errors and _looks_like_lost_zero(values):
            messages.append(LOST_ZERO)
        class_name = nfc(values.get("class_name", ""))
        class_group = self.classes.get(class_key(class_name)) if class_name else None
        if not class_name:
            messages.append("Lớp: không được để trống.")
        elif class_group is None:
            messages.append(
                f"Lớp: «{class_name}» không có trong năm học {self.year.code} của trường."
            )
        moet_code = nfc(values.get("moet_code", "")) or None
        register_number = nfc(values.get("register_number", ""))
        if moet_code and len(moet_code) > CODE_MAX:
            messages.append(f"Mã học sinh: dài quá {CODE_MAX} kí tự.")
        if len(register_number) > CODE_MAX:
            messages.append(f"Số đăng bộ: dài quá {CODE_MAX} kí tự.")
        personal_id = None
        if "personal_id" not in parsed.field_errors:
            personal_id = parsed.values.get("personal_id")
        identity = _identity(parsed.values, class_group)
        present = self._already_present(identity, personal_id)
        if present is not None:
            name = nfc(values.get("full_name", ""))
            self.report.skipped.append(SkippedRow(number, name, present))
            return
        messages.extend(self._duplicates(number, identity, personal_id, moet_code))
        self.report.errors.extend(errors)
        self.report.errors.extend(RowError(number, m) for m in messages)
        if errors or messages or class_group is None:
            return
        self.report.to_create.append(
            StudentPlan(
                row=number,
                values=parsed.values,
                class_group_id=class_group.pk,
                class_name=class_group.name,
                moet_code=moet_code,
                register_number=register_number,
            )
        )

    def _already_present(
        self, identity: tuple[str, dt.date, int] | None, personal_id: str | None
    ) -> str | None:
        if personal_id and personal_id in self.existing.by_personal_id:
            _, school_id = self.existing.by_personal_id[personal_id]
            if school_id == self.school.pk:
                return "đã có trong trường (cùng số định danh cá nhân), bỏ qua."
            return None  # another school's pupil: an error, reported by _duplicates
        pupil = self.existing.by_identity.get(identity) if identity else None
        if pupil is None:
            return None
        if personal_id and pupil.personal_id and pupil.personal_id != personal_id:
            return None  # same name and birthday, different child
        return "đã có trong lớp (cùng họ tên và ngày sinh), bỏ qua."

    def _duplicates(
        self,
        number: int,
        identity: tuple[str, dt.date, int] | None,
        personal_id: str | None,
        moet_code: str | None,
    ) -> Iterable[str]:
        if personal_id:
            if personal_id in self.existing.by_personal_id:
                yield "Số định danh cá nhân đã thuộc về một học sinh khác."
            elif personal_id in self.personal_ids:
                yield f"Số định danh cá nhân trùng với dòng {self.personal_ids[personal_id]}."
            else:
                self.personal_ids[personal_id] = number
        if moet_code:
            if moet_code in self.existing.by_moet_code:
                yield f"Mã học sinh «{moet_code}» đã thuộc về một học sinh khác."
            elif moet_code in self.moet_codes:
                yield f"Mã học sinh «{moet_code}» trùng với dòng {self.moet_codes[moet_code]}."
            else:
                self.moet_codes[moet_code] = number
        if identity:
            if identity in self.identities:
                yield f"Trùng họ tên, ngày sinh và lớp với dòng {self.identities[identity]}."
            else:
                self.identities[identity] = number


def _identity(
    values: dict[str, Any], class_group: ClassGroup | None
) -> tuple[str, dt.date, int] | None:
    name, birth_date = values.get("full_name"), values.get("birth_date")
    if not name or birth_date is None or class_group is None:
        return None
    return (str(name).casefold(), birth_date, class_group.pk)


def _looks_like_lost_zero(values: dict[str, str]) -> bool:
    text = nfc(values.get("personal_id", ""))
    return len(text) == 11 and text.isdigit()


def _existing(school: School, year: SchoolYear, rows: list[dict[str, str]]) -> _Existing:
    by_identity: dict[tuple[str, dt.date, int], Student] = {}
    enrolments = Enrolment.objects.filter(
        class_group__school=school, class_group__school_year=year, transfer_out_on__isnull=True
    ).select_related("student")
    for enrolment in enrolments:
        pupil = enrolment.student
        key = (nfc(pupil.full_name).casefold(), pupil.birth_date, enrolment.class_group_id)
        by_identity[key] = pupil
    personal_ids = sorted({nfc(r.get("personal_id", "")) for r in rows} - {""})
    moet_codes = sorted({nfc(r.get("moet_code", "")) for r in rows} - {""})
    by_personal_id: dict[str, tuple[int, int]] = {}
    for chunk in _chunks(personal_ids):
        for pk, school_id, pid in Student.objects.filter(personal_id__in=chunk).values_list(
            "pk", "school_id", "personal_id"
        ):
            by_personal_id[str(pid)] = (pk, school_id)
    by_moet_code: dict[str, int] = {}
    for chunk in _chunks(moet_codes):
        for pk, code in Student.objects.filter(moet_code__in=chunk).values_list("pk", "moet_code"):
            by_moet_code[str(code)] = pk
    return _Existing(by_identity, by_personal_id, by_moet_code)


def _chunks(items: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]

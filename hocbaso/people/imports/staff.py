"""Check every row of a staff file and plan the accounts, roles and assignments to create.

An import only creates new accounts. A row whose login already belongs to someone working in
this school is reported as "already present" and skipped (so an export re-imports cleanly); a
login used anywhere else is an error, so that a file can never take over another school's
account. The principal's role is granted by the Sở, never through a file uploaded by the
school (`may_grant_principal` is True only for a command run on the server).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import translation

from hocbaso.org.models import ClassGroup, School, SchoolYear
from hocbaso.people.imports.classes import class_key, classes_by_name, current_school_year
from hocbaso.people.imports.columns import STAFF_COLUMNS, map_header, row_values
from hocbaso.people.imports.reader import SheetRow
from hocbaso.people.imports.report import ImportReport, RowError, SkippedRow
from hocbaso.people.models import (
    SCHOOL_ROLES,
    HomeroomAssignment,
    Role,
    StaffRole,
    TeachingAssignment,
    User,
)
from hocbaso.people.profile_validation import nfc
from hocbaso.regulation.catalogue import subject_name, subjects_for_grade

# "Giáo viên": a membership row; what a teacher may touch comes from their assignments.
TEACHER = str(Role.TEACHER)
NAME_MAX = 200
_PHONE = re.compile(r"\+?\d{9,15}")
_PHONE_NOISE = re.compile(r"[\s.\-()]")
_LIST = re.compile(r"[;,]")


def role_labels() -> dict[str, str]:
    """Role value → Vietnamese label, in the order the template lists them."""
    with translation.override("vi"):
        labels = {str(value): str(label) for value, label in Role.choices if value in SCHOOL_ROLES}
    return labels


@dataclass(frozen=True)
class Teaching:
    class_group_id: int
    class_name: str
    subject_code: str


@dataclass(frozen=True)
class StaffPlan:
    row: int
    full_name: str
    username: str
    phone: str = ""
    roles: tuple[str, ...] = ()  # Role values; every imported person is at least TEACHER
    grades: tuple[int, ...] = ()
    homeroom_class_id: int | None = None
    homeroom_class_name: str = ""
    teaching: tuple[Teaching, ...] = ()


@dataclass(frozen=True)
class InitialCredential:
    """A generated first password, shown once to the importer and stored only hashed."""

    username: str
    password: str = field(repr=False)


@dataclass
class StaffImportReport(ImportReport):
    to_create: list[StaffPlan] = field(default_factory=list)
    created_ids: list[int] = field(default_factory=list)  # after an apply
    credentials: list[InitialCredential] = field(default_factory=list, repr=False)


def plan_staff(
    rows: list[SheetRow],
    school: School,
    *,
    today: dt.date,
    report: StaffImportReport,
    may_grant_principal: bool,
) -> None:
    header = map_header(rows[0], STAFF_COLUMNS)
    report.rows = len(rows) - 1
    if header.errors:
        report.errors.extend(header.errors)
        return
    if report.rows == 0:
        report.errors.append(RowError(None, "Tệp chỉ có dòng tiêu đề, không có dòng dữ liệu nào."))
        return
    year = current_school_year(school, today)
    if year is None:
        report.errors.append(RowError(None, "Chưa có năm học hiện tại để phân công."))
        return
    report.school_year = year.code
    report.rows_checked = True
    body = [(row.number, *row_values(row, header)) for row in rows[1:]]
    usernames = {nfc(values.get("username", "")).casefold() for _, values, _ in body} - {""}
    planner = _StaffPlanner(
        school=school,
        year=year,
        report=report,
        may_grant_principal=may_grant_principal,
        classes=classes_by_name(school, year),
        users=_existing_users(usernames, school),
        has_principal=StaffRole.objects.active()
        .filter(school=school, role=Role.PRINCIPAL)
        .exists(),
        homerooms=set(
            HomeroomAssignment.objects.active()
            .filter(class_group__school=school, class_group__school_year=year)
            .values_list("class_group_id", flat=True)
        ),
        taught=set(
            TeachingAssignment.objects.active()
            .filter(class_group__school=school, class_group__school_year=year)
            .values_list("class_group_id", "subject_code")
        ),
    )
    for number, values, errors in body:
        planner.plan_row(number, values, errors)


def _existing_users(usernames: set[str], school: School) -> dict[str, bool]:
    """Lower-cased login → whether that account already works in this school."""
    found = dict(
        User.objects.annotate(login=Lower("username"))
        .filter(login__in=sorted(usernames))
        .values_list("login", "pk")
    )
    in_school = set(
        User.objects.filter(pk__in=found.values())
        .filter(
            Q(roles__school=school, roles__ended_at__isnull=True)
            | Q(homerooms__class_group__school=school, homerooms__ended_at__isnull=True)
            | Q(
                teaching_assignments__class_group__school=school,
                teaching_assignments__ended_at__isnull=True,
            )
        )
        .values_list("pk", flat=True)
    )
    return {login: pk in in_school for login, pk in found.items()}


@dataclass
class _StaffPlanner:
    school: School
    year: SchoolYear
    report: StaffImportReport
    may_grant_principal: bool
    classes: dict[str, ClassGroup]
    users: dict[str, bool]
    has_principal: bool
    homerooms: set[int]  # classes that already have a homeroom teacher
    taught: set[tuple[int, str]]  # (class, subject) already assigned
    seen_logins: dict[str, int] = field(default_factory=dict)
    seen_homerooms: dict[int, int] = field(default_factory=dict)
    seen_teaching: dict[tuple[int, str], int] = field(default_factory=dict)
    principal_row: int | None = None

    def plan_row(self, number: int, values: dict[str, str], errors: list[RowError]) -> None:
        messages: list[str] = []
        full_name = nfc(values.get("full_name", ""))
        username = nfc(values.get("username", ""))
        if not full_name:
            messages.append("Họ và tên: không được để trống.")
        elif len(full_name) > NAME_MAX:
            messages.append(f"Họ và tên: dài quá {NAME_MAX} kí tự.")
        login = username.casefold()
        if login in self.users:
            if self.users[login]:
                reason = "đã có tài khoản làm việc tại trường, bỏ qua."
                self.report.skipped.append(SkippedRow(number, full_name or username, reason))
                return
            messages.append(f"Tên đăng nhập «{username}» đã được dùng cho một tài khoản khác.")
        messages.extend(self._check_username(number, username))
        phone = _PHONE_NOISE.sub("", nfc(values.get("phone", "")))
        if phone and not _PHONE.fullmatch(phone):
            messages.append(f"Số điện thoại: «{nfc(values['phone'])}» không hợp lệ.")
        roles = self._roles(number, values.get("roles", ""), messages)
        grades = _grades(values.get("grades", ""), Role.GROUP_HEAD in roles, messages)
        homeroom = self._homeroom(number, values.get("homeroom", ""), messages)
        teaching = tuple(self._teaching(number, values.get("teaching", ""), messages))
        self.report.errors.extend(errors)
        self.report.errors.extend(RowError(number, m) for m in messages)
        if errors or messages:
            return
        self.report.to_create.append(
            StaffPlan(
                row=number,
                full_name=full_name,
                username=username,
                phone=phone,
                roles=tuple(roles) or (TEACHER,),
                grades=grades,
                homeroom_class_id=homeroom.pk if homeroom else None,
                homeroom_class_name=homeroom.name if homeroom else "",
                teaching=teaching,
            )
        )

    def _check_username(self, number: int, username: str) -> Iterable[str]:
        if not username:
            yield "Tên đăng nhập: không được để trống."
            return
        try:
            User.username_validator(username)
        except ValidationError:
            yield f"Tên đăng nhập «{username}» chỉ được gồm chữ, số và các kí tự @ . + - _."
        if len(username) > 150:
            yield "Tên đăng nhập: dài quá 150 kí tự."
        login = username.casefold()
        if login in self.seen_logins:
            yield f"Tên đăng nhập «{username}» trùng với dòng {self.seen_logins[login]}."
        else:
            self.seen_logins[login] = number

    def _roles(self, number: int, raw: str, messages: list[str]) -> tuple[str, ...]:
        labels = role_labels()
        by_label = {label.casefold(): value for value, label in labels.items()}
        roles: list[str] = []
        for item in (nfc(part) for part in _LIST.split(raw)):
            if not item:
                continue
            value = by_label.get(item.casefold())
            if value is None:
                valid = ", ".join(labels.values())
                messages.append(f"Vai trò: «{item}» không hợp lệ; chọn trong: {valid}.")
            elif value not in roles:
                roles.append(value)
        if not raw.strip():
            messages.append("Vai trò: không được để trống.")
        if Role.PRINCIPAL in roles:
            label = labels[Role.PRINCIPAL]
            if not self.may_grant_principal:
                messages.append(f"Vai trò «{label}» do Sở GD&ĐT cấp, không nhập qua tệp được.")
            elif self.has_principal:
                messages.append(f"Trường đã có {label}.")
            elif self.principal_row is not None:
                messages.append(f"{label} đã được ghi ở dòng {self.principal_row}.")
            else:
                self.principal_row = number
        return tuple(roles)

    def _class(self, name: str, what: str, messages: list[str]) -> ClassGroup | None:
        class_group = self.classes.get(class_key(name))
        if class_group is None:
            messages.append(f"{what}: lớp «{name}» không có trong năm học {self.year.code}.")
        return class_group

    def _homeroom(self, number: int, raw: str, messages: list[str]) -> ClassGroup | None:
        name = nfc(raw)
        if not name:
            return None
        class_group = self._class(name, "Lớp chủ nhiệm", messages)
        if class_group is None:
            return None
        if class_group.pk in self.homerooms:
            messages.append(f"Lớp chủ nhiệm: lớp {class_group.name} đã có giáo viên chủ nhiệm.")
        elif class_group.pk in self.seen_homerooms:
            row = self.seen_homerooms[class_group.pk]
            messages.append(f"Lớp chủ nhiệm: lớp {class_group.name} trùng với dòng {row}.")
        else:
            self.seen_homerooms[class_group.pk] = number
        return class_group

    def _teaching(self, number: int, raw: str, messages: list[str]) -> Iterable[Teaching]:
        for item in (nfc(part) for part in raw.split(";")):
            if not item:
                continue
            class_name, sep, subject = (nfc(p) for p in item.partition(":"))
            if not sep or not class_name or not subject:
                messages.append(f"Phân công: «{item}» phải có dạng lớp:môn, ví dụ «4A:toan».")
                continue
            class_group = self._class(class_name, "Phân công", messages)
            if class_group is None:
                continue
            code = _subject_code(subject, class_group.grade)
            if code is None:
                messages.append(
                    f"Phân công: môn «{subject}» không có trong chương trình khối "
                    f"{class_group.grade}."
                )
                continue
            key = (class_group.pk, code)
            label = f"lớp {class_group.name} môn {subject_name(code)}"
            if key in self.taught:
                messages.append(f"Phân công: {label} đã có giáo viên.")
            elif key in self.seen_teaching:
                messages.append(f"Phân công: {label} trùng với dòng {self.seen_teaching[key]}.")
            else:
                self.seen_teaching[key] = number
                yield Teaching(class_group.pk, class_group.name, code)


def _subject_code(text: str, grade: int) -> str | None:
    folded = text.casefold()
    for code in subjects_for_grade(grade):
        if folded in (code.casefold(), subject_name(code).casefold()):
            return code
    return None


def _grades(raw: str, is_group_head: bool, messages: list[str]) -> tuple[int, ...]:
    items = [nfc(part) for part in re.split(r"[;,\s]+", raw) if nfc(part)]
    grades: set[int] = set()
    for item in items:
        if item.isdigit() and 1 <= int(item) <= 5:
            grades.add(int(item))
        else:
            messages.append(
                f"Khối phụ trách: «{item}» không hợp lệ (ghi các khối 1–5, ví dụ «4;5»)."
            )
    if is_group_head and not items:
        messages.append("Khối phụ trách: bắt buộc với Tổ trưởng chuyên môn.")
    if items and not is_group_head:
        messages.append("Khối phụ trách: chỉ ghi cho Tổ trưởng chuyên môn.")
    return tuple(sorted(grades))

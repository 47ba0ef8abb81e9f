"""Import pupils and staff from an uploaded .xlsx or .csv: a dry run, or an apply that is all
or nothing.

The file is checked and parsed (in a limited subprocess) before any transaction opens, so a
slow or hostile file never holds a lock. An apply then locks the school row (one import per
school at a time), checks every row again against the database inside the transaction, and
writes only if no row has an error: the rows, one audit event per created object and one
`import.*_applied` event with the file's name, SHA-256 and row count. A dry run writes
nothing at all, audit events included.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any, TypeVar

from django.db import IntegrityError, transaction
from django.utils import timezone

from hocbaso.audit.actors import SystemActor
from hocbaso.audit.log import EventSpec, log, log_many
from hocbaso.org.models import School, SchoolYear
from hocbaso.people.actions.assignments import assign_homeroom, assign_teacher, create_account
from hocbaso.people.actions.bulk import ensure_manages
from hocbaso.people.actions.school_roles import grant_school_role
from hocbaso.people.actions.students import _audit_value
from hocbaso.people.errors import ActionError
from hocbaso.people.imports.classes import enrolment_day
from hocbaso.people.imports.reader import SheetRow, read_upload
from hocbaso.people.imports.report import ImportRejected, ImportReport, RowError
from hocbaso.people.imports.staff import InitialCredential, StaffImportReport, plan_staff
from hocbaso.people.imports.students import StudentImportReport, plan_students
from hocbaso.people.models import Enrolment, Role, Student

Actor = Any  # a User, or a SystemActor for commands
R = TypeVar("R", bound=ImportReport)

REFUSED = "Chỉ Ban giám hiệu hoặc quản trị nhà trường của trường này được nhập danh sách."
CHANGED = (
    "Dữ liệu của trường vừa thay đổi trong lúc nhập ({reason}); không có gì được ghi. Hãy chạy lại."
)
_PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # noqa: S105 - an alphabet


def _managed_school(school_id: int, actor: Actor) -> School:
    """The school, if the actor is the system or one of its managers (a missing school is
    refused in the same words as a foreign one)."""
    school = School.objects.select_related("commune").filter(pk=school_id).first()
    if school is None:
        raise ActionError(REFUSED)
    ensure_manages(actor, school, REFUSED)
    return school


def _read(report: ImportReport, file_bytes: bytes, filename: str) -> list[SheetRow] | None:
    try:
        return read_upload(file_bytes, filename)
    except ImportRejected as rejected:
        report.errors.append(RowError(None, rejected.message))
        return None


def import_students(
    school_id: int,
    file_bytes: bytes,
    filename: str,
    *,
    acting_user: Actor,
    dry_run: bool = True,
    today: dt.date | None = None,
) -> StudentImportReport:
    """Check a pupils file for the school and, unless `dry_run`, create its new pupils and
    their enrolments. Raises ActionError if the actor may not manage the school; every
    problem with the file itself is in `report.errors`."""
    school = _managed_school(school_id, acting_user)
    today = today or timezone.localdate()
    report = StudentImportReport.for_file(file_bytes, filename, dry_run=dry_run)
    rows = _read(report, file_bytes, filename)
    if rows is None:
        return report
    if dry_run:
        plan_students(rows, school, today=today, report=report)
        return report
    try:
        with transaction.atomic():
            School.objects.select_for_update().get(pk=school.pk)
            year = plan_students(rows, school, today=today, report=report)
            if report.errors or not report.to_create or year is None:
                return report
            _create_students(report, school, year, today, acting_user)
    except IntegrityError:
        return _changed(report, "trùng số định danh hoặc mã học sinh")
    return report


def _create_students(
    report: StudentImportReport, school: School, year: SchoolYear, today: dt.date, actor: Actor
) -> None:
    plans = report.to_create
    pupils = [Student(school=school, moet_code=p.moet_code, **p.values) for p in plans]
    Student.objects.bulk_create(pupils)
    enrolled_on = enrolment_day(year, today)
    Enrolment.objects.bulk_create(
        Enrolment(
            student=pupil,
            class_group_id=plan.class_group_id,
            register_number=plan.register_number,
            enrolled_on=enrolled_on,
        )
        for pupil, plan in zip(pupils, plans, strict=True)
    )
    specs = [
        EventSpec(
            "student.created",
            subject=pupil,
            school_id=school.pk,
            data={
                "new": {
                    **{n: _audit_value(n, v) for n, v in plan.values.items()},
                    "moet_code": plan.moet_code,
                },
                "class": plan.class_name,
            },
        )
        for pupil, plan in zip(pupils, plans, strict=True)
    ]
    specs.append(_applied_event("import.students_applied", report, school, len(pupils)))
    log_many(specs, actor=actor)
    report.created_ids = [p.pk for p in pupils]
    report.applied = True


def import_staff(
    school_id: int,
    file_bytes: bytes,
    filename: str,
    *,
    acting_user: Actor,
    dry_run: bool = True,
    today: dt.date | None = None,
) -> StaffImportReport:
    """Check a staff file and, unless `dry_run`, create the accounts (each with a generated
    first password, returned once in `report.credentials`), school roles, homeroom and
    teaching assignments, through the same actions a manager uses one by one."""
    school = _managed_school(school_id, acting_user)
    today = today or timezone.localdate()
    report = StaffImportReport.for_file(file_bytes, filename, dry_run=dry_run)
    rows = _read(report, file_bytes, filename)
    if rows is None:
        return report
    may_grant_principal = isinstance(acting_user, SystemActor)
    if dry_run:
        plan_staff(
            rows, school, today=today, report=report, may_grant_principal=may_grant_principal
        )
        return report
    try:
        with transaction.atomic():
            School.objects.select_for_update().get(pk=school.pk)
            plan_staff(
                rows, school, today=today, report=report, may_grant_principal=may_grant_principal
            )
            if report.errors or not report.to_create:
                return report
            _create_staff(report, school, acting_user)
    except (IntegrityError, ActionError) as error:
        reason = "; ".join(error.messages) if isinstance(error, ActionError) else "trùng dữ liệu"
        report.credentials = []
        return _changed(report, reason)
    return report


def _create_staff(report: StaffImportReport, school: School, actor: Actor) -> None:
    for plan in report.to_create:
        password = initial_password()
        user = create_account(
            username=plan.username,
            full_name=plan.full_name,
            password=password,
            phone=plan.phone,
            school_id=school.pk,
            acting_user=actor,
        )
        for role in plan.roles:
            grades = list(plan.grades) if role == Role.GROUP_HEAD else None
            grant_school_role(user.pk, role, school.pk, acting_user=actor, grades=grades)
        if plan.homeroom_class_id is not None:
            assign_homeroom(user.pk, plan.homeroom_class_id, acting_user=actor)
        for teaching in plan.teaching:
            assign_teacher(
                user.pk, teaching.class_group_id, teaching.subject_code, acting_user=actor
            )
        report.created_ids.append(user.pk)
        report.credentials.append(InitialCredential(user.username, password))
    spec = _applied_event("import.staff_applied", report, school, len(report.to_create))
    log(spec.action, actor=actor, subject=school, school_id=school.pk, data=spec.data)
    report.applied = True


def initial_password() -> str:
    """12 characters without look-alikes (0/O, 1/l/I): about 70 bits."""
    return "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(12))


def _applied_event(action: str, report: ImportReport, school: School, created: int) -> EventSpec:
    return EventSpec(
        action,
        subject=school,
        school_id=school.pk,
        data={
            "new": {
                "file_name": report.file_name,
                "sha256": report.sha256,
                "rows": report.rows,
                "created": created,
                "skipped": len(report.skipped),
                "school_year": report.school_year,
            }
        },
    )


def _changed(report: R, reason: str) -> R:
    report.applied = False
    report.errors.append(RowError(None, CHANGED.format(reason=reason)))
    if isinstance(report, StudentImportReport | StaffImportReport):
        report.created_ids = []
    return report

"""Export the pupils of a school (or of one class) in the current school year, with exactly
the import template's columns, so an export re-imports as "already present".

The personal ID is written in clear only for pupils whose ID the actor may see
(`access.can_view_personal_id`), masked otherwise; which pupils' IDs left the system is
recorded in the audit event (never the IDs themselves, B5).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone, translation

from hocbaso.audit.actors import SystemActor
from hocbaso.audit.log import log
from hocbaso.org.models import ClassGroup, School, SchoolYear
from hocbaso.people import access
from hocbaso.people.actions.bulk import ensure_manages
from hocbaso.people.code_lists import ETHNICITIES, NATIONALITIES
from hocbaso.people.errors import ActionError
from hocbaso.people.exports.cells import ExportFile, ExportFormat, render_file
from hocbaso.people.imports.classes import current_school_year
from hocbaso.people.imports.columns import student_columns
from hocbaso.people.models import Enrolment, Gender, Student
from hocbaso.people.personal_id import mask_personal_id

Actor = Any  # a User, or a SystemActor for commands

REFUSED = "Chỉ Ban giám hiệu hoặc quản trị nhà trường của trường này được xuất danh sách."


def ensure_can_export(
    actor: Actor, school_id: int, fmt: ExportFormat | str
) -> tuple[School, ExportFormat]:
    """The school, if the actor is the system or one of its managers, and the format."""
    school = School.objects.select_related("commune").filter(pk=school_id).first()
    if school is None:
        raise ActionError(REFUSED)
    ensure_manages(actor, school, REFUSED)
    try:
        return school, ExportFormat(fmt)
    except ValueError:
        raise ActionError(f"Chỉ xuất được .xlsx hoặc .csv, không xuất được «{fmt}».") from None


def shows_personal_id(actor: Actor, pupil: Student) -> bool:
    """Commands run on the server by the operator see IDs; people as the access policy says."""
    if isinstance(actor, SystemActor):
        return True
    return access.can_view_personal_id(actor, pupil)


def pupil_cells(pupil: Student, enrolment: Enrolment, *, number: int, show_id: bool) -> list[str]:
    """One export row, in the order of `columns.student_columns()`."""
    with translation.override("vi"):
        gender = str(Gender(pupil.gender).label)
    personal_id = pupil.personal_id or ""
    return [
        str(number),
        pupil.full_name,
        gender,
        pupil.birth_date.strftime("%d/%m/%Y"),
        ETHNICITIES.get(pupil.ethnicity, pupil.ethnicity),
        NATIONALITIES.get(pupil.nationality, pupil.nationality),
        pupil.birth_place,
        pupil.hometown,
        pupil.current_address,
        pupil.father_name,
        pupil.mother_name,
        pupil.guardian_name,
        pupil.policy_group,
        personal_id if show_id else mask_personal_id(personal_id),
        pupil.moet_code or "",
        enrolment.class_group.name,
        enrolment.register_number,
    ]


def _enrolments(
    school: School, year: SchoolYear, class_group: ClassGroup | None
) -> Sequence[Enrolment]:
    enrolments = Enrolment.objects.filter(
        class_group__school=school, class_group__school_year=year, transfer_out_on__isnull=True
    )
    if class_group is not None:
        enrolments = enrolments.filter(class_group=class_group)
    return list(
        enrolments.select_related("student", "class_group").order_by(
            "class_group__grade", "class_group__name", "student__full_name", "student__pk"
        )
    )


@transaction.atomic
def export_students(
    school_id: int,
    *,
    acting_user: Actor,
    fmt: ExportFormat | str = ExportFormat.XLSX,
    class_group_id: int | None = None,
    today: dt.date | None = None,
) -> ExportFile:
    """The pupils file of the school (or of `class_group_id`) and its `export.students`
    event. Raises ActionError when the actor may not export this school's pupils."""
    school, fmt = ensure_can_export(acting_user, school_id, fmt)
    year = current_school_year(school, today or timezone.localdate())
    if year is None:
        raise ActionError("Chưa có năm học hiện tại để xuất danh sách học sinh.")
    class_group = None
    if class_group_id is not None:
        class_group = ClassGroup.objects.filter(pk=class_group_id, school=school).first()
        if class_group is None:
            raise ActionError("Lớp không thuộc trường này.")
    rows: list[list[str]] = []
    shown: list[int] = []
    for number, enrolment in enumerate(_enrolments(school, year, class_group), start=1):
        pupil = enrolment.student
        show_id = shows_personal_id(acting_user, pupil)
        if show_id and pupil.personal_id:
            shown.append(pupil.pk)
        rows.append(pupil_cells(pupil, enrolment, number=number, show_id=show_id))
    columns = student_columns()
    scope = class_group.name if class_group else school.code
    export = render_file(
        fmt,
        [c.header for c in columns],
        rows,
        basename=f"hoc-sinh-{scope}-{year.code}",
        title="Danh sách học sinh",
        widths=[c.width for c in columns],
    )
    log(
        "export.students",
        actor=acting_user,
        subject=class_group or school,
        school_id=school.pk,
        data={
            "format": fmt.value,
            "school_year": year.code,
            "class": class_group.name if class_group else None,
            "rows": len(rows),
            "file_name": export.filename,
            "personal_id_shown_for": shown,
        },
    )
    return export

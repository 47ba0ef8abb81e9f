"""Export the staff of a school: everyone holding an active role in it or an active homeroom
or teaching assignment in its classes of the current school year, with the staff import
template's columns (roles, grades, homeroom class, "4A:toan;4B:toan" assignments)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from hocbaso.audit.log import log
from hocbaso.org.models import School, SchoolYear
from hocbaso.people.errors import ActionError
from hocbaso.people.exports.cells import ExportFile, ExportFormat, render_file
from hocbaso.people.exports.students import ensure_can_export
from hocbaso.people.imports.classes import current_school_year
from hocbaso.people.imports.columns import STAFF_COLUMNS
from hocbaso.people.imports.staff import TEACHER, role_labels
from hocbaso.people.models import HomeroomAssignment, StaffRole, TeachingAssignment, User

Actor = Any


@dataclass
class _StaffLine:
    user: User
    roles: set[str] = field(default_factory=set)
    grades: set[int] = field(default_factory=set)
    homerooms: list[str] = field(default_factory=list)
    teaching: list[str] = field(default_factory=list)


def staff_lines(school: School, year: SchoolYear) -> list[_StaffLine]:
    lines: dict[int, _StaffLine] = {}
    in_year = Q(class_group__school=school, class_group__school_year=year)
    roles = StaffRole.objects.active().filter(school=school).select_related("user")
    for role in roles:
        line = lines.setdefault(role.user_id, _StaffLine(role.user))
        line.roles.add(role.role)
        line.grades.update(int(g) for g in role.grades)
    homerooms = (
        HomeroomAssignment.objects.active()
        .filter(in_year)
        .select_related("user", "class_group")
        .order_by("class_group__grade", "class_group__name")
    )
    for homeroom in homerooms:
        line = lines.setdefault(homeroom.user_id, _StaffLine(homeroom.user))
        line.homerooms.append(homeroom.class_group.name)
    teaching = (
        TeachingAssignment.objects.active()
        .filter(in_year)
        .select_related("user", "class_group")
        .order_by("class_group__grade", "class_group__name", "subject_code")
    )
    for assignment in teaching:
        line = lines.setdefault(assignment.user_id, _StaffLine(assignment.user))
        line.teaching.append(f"{assignment.class_group.name}:{assignment.subject_code}")
    for line in lines.values():
        if line.homerooms or line.teaching:
            line.roles.add(TEACHER)
    return sorted(lines.values(), key=lambda ln: (ln.user.full_name, ln.user.username))


def staff_cells(line: _StaffLine, *, number: int, labels: dict[str, str]) -> list[str]:
    """One export row, in the order of `columns.STAFF_COLUMNS`."""
    return [
        str(number),
        line.user.full_name,
        line.user.username,
        line.user.phone,
        "; ".join(label for value, label in labels.items() if value in line.roles),
        ";".join(str(g) for g in sorted(line.grades)),
        ";".join(line.homerooms),
        ";".join(line.teaching),
    ]


@transaction.atomic
def export_staff(
    school_id: int,
    *,
    acting_user: Actor,
    fmt: ExportFormat | str = ExportFormat.XLSX,
    today: dt.date | None = None,
) -> ExportFile:
    """The staff file of the school and its `export.staff` event."""
    school, fmt = ensure_can_export(acting_user, school_id, fmt)
    year = current_school_year(school, today or timezone.localdate())
    if year is None:
        raise ActionError("Chưa có năm học hiện tại để xuất danh sách cán bộ, giáo viên.")
    labels = role_labels()
    lines = staff_lines(school, year)
    rows = [staff_cells(line, number=n, labels=labels) for n, line in enumerate(lines, start=1)]
    export = render_file(
        fmt,
        [c.header for c in STAFF_COLUMNS],
        rows,
        basename=f"can-bo-giao-vien-{school.code}-{year.code}",
        title="Cán bộ, giáo viên",
        widths=[c.width for c in STAFF_COLUMNS],
    )
    log(
        "export.staff",
        actor=acting_user,
        subject=school,
        school_id=school.pk,
        data={
            "format": fmt.value,
            "school_year": year.code,
            "rows": len(rows),
            "file_name": export.filename,
            "user_ids": [line.user.pk for line in lines],
        },
    )
    return export

"""Who may read or write a sheet (one condition per line).

Read: whoever may read the class (people.access). Write: the teacher assigned to the subject
in that class; the qualities-and-competencies sheet, the class's homeroom teacher. Nobody
else writes, the principal included: entry belongs to the teachers who assess.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from hocbaso.assessment.models import QC_SHEET
from hocbaso.assessment.sheets import sheet_keys
from hocbaso.audit.actors import SystemActor
from hocbaso.org.models import ClassGroup, Period
from hocbaso.people import access as people_access
from hocbaso.people.models import HomeroomAssignment, TeachingAssignment
from hocbaso.people.scope import scope_for


@dataclass(frozen=True)
class SheetRef:
    class_group: ClassGroup
    period: Period
    key: str
    can_write: bool


def _writing_assignments(user: Any, class_id: int, key: str) -> QuerySet[Any]:
    """The user's active assignments that make them write this sheet of the class: the
    homeroom assignment for the qualities-and-competencies sheet, the subject's teaching
    assignment otherwise. The one place the write rule is stated."""
    if key == QC_SHEET:
        return HomeroomAssignment.objects.active().filter(user=user, class_group_id=class_id)
    return TeachingAssignment.objects.active().filter(
        user=user, class_group_id=class_id, subject_code=key
    )


def can_write_sheet(user: Any, class_group: ClassGroup, key: str) -> bool:
    if isinstance(user, SystemActor):
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    return _writing_assignments(user, class_group.pk, key).exists()


def _class_written_by(user: Any, class_id: int, key: str) -> ClassGroup | None:
    """The class (with school and year), if the user writes this sheet of it: one query, on
    the path of every grid save."""
    if not getattr(user, "is_authenticated", False):
        return None
    assignment = (
        _writing_assignments(user, class_id, key)
        .select_related("class_group__school", "class_group__school_year")
        .first()
    )
    return assignment.class_group if assignment is not None else None


def access_sheet_for_user(
    user: Any, class_id: int, period_code: str, key: str, *, write: bool = False
) -> SheetRef:
    # Whoever writes a sheet reads its class; only the others go through the (costlier)
    # visibility check, which also decides between 404 (hidden or missing) and 403 (read-only).
    if isinstance(user, SystemActor):
        class_group = (
            ClassGroup.objects.select_related("school", "school_year").filter(pk=class_id).first()
        )
        if class_group is None:
            raise Http404
        can_write = True
    else:
        writes = _class_written_by(user, class_id, key)
        can_write = writes is not None
        class_group = writes or people_access.access_class_for_user(user, class_id)
    if key not in sheet_keys(class_group.grade):
        raise Http404
    try:
        period = Period.objects.get(school_year=class_group.school_year, code=period_code)
    except Period.DoesNotExist:
        raise Http404 from None
    if write and not can_write:
        raise PermissionDenied
    return SheetRef(class_group, period, key, can_write)


def writable_sheets(user: Any) -> list[tuple[ClassGroup, str]]:
    """(class, key) pairs the user enters, for their 'my sheets' page."""
    pairs = [
        (a.class_group, a.subject_code)
        for a in TeachingAssignment.objects.active()
        .filter(user=user)
        .select_related("class_group__school", "class_group__school_year")
    ]
    pairs += [
        (h.class_group, QC_SHEET)
        for h in HomeroomAssignment.objects.active()
        .filter(user=user)
        .select_related("class_group__school", "class_group__school_year")
    ]
    return sorted(pairs, key=lambda p: (p[0].school_year.code, p[0].grade, p[0].name, p[1]))


def can_review_class(user: Any, class_group: ClassGroup) -> bool:
    """Reviewers (issue 4): the group heads of the class's grade, the vice-principals and the
    principal of its school."""
    scope = scope_for(user)
    school_id = class_group.school_id
    return (
        school_id in scope.principal_school_ids
        or school_id in scope.vice_principal_school_ids
        or class_group.grade in scope.group_head_grades.get(school_id, frozenset())
    )

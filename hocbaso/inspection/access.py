"""Who may read the audit trail and a pupil's history (one condition per line).

Same rule as `people.access`: an object the user cannot see answers 404 exactly like a
missing one; a visible object the user may not read here answers 403.

- A school's trail: its principal and vice-principals, the inspectors of the school or of its
  province, the Sở officers of its province, the system administrators.
- A province's trail (the chains of all its schools): Sở officers and inspectors of that
  province, the system administrators; to everyone else the province is invisible.
- A pupil's history: whoever reads the pupil as staff or oversight; never as a parent.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from hocbaso.inspection.trail import TrailScope
from hocbaso.org.models import Province, School
from hocbaso.people import access as people_access
from hocbaso.people.current_enrolment import current_enrolments
from hocbaso.people.models import Student
from hocbaso.people.scope import scope_for


def can_read_school_trail(user: Any, school: School) -> bool:
    scope = scope_for(user)
    if scope.is_system_admin:
        return True
    if school.pk in scope.principal_school_ids:
        return True
    if school.pk in scope.vice_principal_school_ids:
        return True
    if school.pk in scope.inspected_school_ids:
        return True
    return school.commune.province_id in scope.province_ids


def access_school_trail_for_user(user: Any, school_id: int) -> School:
    school = people_access.access_school_for_user(user, school_id)
    if not can_read_school_trail(user, school):
        raise PermissionDenied
    return school


def access_province_trail_for_user(user: Any, province_id: int) -> Province:
    scope = scope_for(user)
    if not (scope.is_system_admin or province_id in scope.province_ids):
        raise Http404
    try:
        return Province.objects.get(pk=province_id)
    except Province.DoesNotExist:
        raise Http404 from None


def can_read_student_history(user: Any, student: Student) -> bool:
    """`student` is one the user may read (people.access); is that as staff or oversight?"""
    scope = scope_for(user)
    if not scope.is_staff_member:
        return False
    if student.pk not in scope.guardian_student_ids:
        return True  # readable, and not through a guardianship
    if scope.reads_whole_school(student.school):
        return True
    # A teacher who is also this pupil's parent: only through their own classes.
    current = current_enrolments().filter(student=student)
    class_ids = scope.homeroom_class_ids | scope.teaching_class_ids
    if current.filter(class_group_id__in=class_ids).exists():
        return True
    for school_id, grades in scope.group_head_grades.items():
        if current.filter(class_group__school_id=school_id, class_group__grade__in=grades).exists():
            return True
    return False


def access_student_history_for_user(user: Any, student_id: int) -> Student:
    student = people_access.access_student_for_user(user, student_id)
    if not can_read_student_history(user, student):
        raise Http404
    return student


def trail_scope_for_user(user: Any, kind: str, object_id: int) -> TrailScope:
    """The trail a user asks for ("school" or "province"), once they may read it."""
    if kind == "school":
        return TrailScope.for_school(access_school_trail_for_user(user, object_id))
    if kind == "province":
        return TrailScope.for_province(access_province_trail_for_user(user, object_id))
    raise Http404

"""The one choke point deciding who may see or change schools, classes and pupils.

Every view, export, API route and admin page asks here. A hidden object answers 404 exactly
like a missing one; a visible object the user may not change answers 403. One condition per
line, so that coverage proves each branch.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from hocbaso.org.models import ClassGroup, School
from hocbaso.people.current_enrolment import current_enrolments, students_currently_in
from hocbaso.people.models import Student
from hocbaso.people.scope import Scope, scope_for


def _school_filter(scope: Scope, prefix: str = "") -> Q:
    q = Q(pk__in=[])  # matches nothing
    if scope.is_system_admin:
        return Q()
    if scope.province_ids:
        q |= Q(**{f"{prefix}commune__province_id__in": scope.province_ids})
    if scope.commune_ids:
        q |= Q(**{f"{prefix}commune_id__in": scope.commune_ids})
    if scope.inspected_school_ids:
        q |= Q(**{f"{prefix}pk__in": scope.inspected_school_ids})
    if scope.managed_school_ids:
        q |= Q(**{f"{prefix}pk__in": scope.managed_school_ids})
    if scope.group_head_grades:
        q |= Q(**{f"{prefix}pk__in": list(scope.group_head_grades)})
    return q


def schools_visible_to(user: Any) -> QuerySet[School]:
    scope = scope_for(user)
    q = _school_filter(scope)
    class_ids = scope.homeroom_class_ids | scope.teaching_class_ids
    if class_ids:
        q |= Q(classes__in=class_ids)
    return School.objects.filter(q).distinct()


def _class_filter(scope: Scope) -> Q:
    q = Q(pk__in=[])
    if scope.is_system_admin:
        return Q()
    q |= Q(school__in=School.objects.filter(_school_filter_wide(scope)))
    for school_id, grades in scope.group_head_grades.items():
        q |= Q(school_id=school_id, grade__in=grades)
    if scope.homeroom_class_ids:
        q |= Q(pk__in=scope.homeroom_class_ids)
    if scope.teaching_class_ids:
        q |= Q(pk__in=scope.teaching_class_ids)
    return q


def _school_filter_wide(scope: Scope) -> Q:
    """Schools whose every class and pupil the user may read (not group heads)."""
    q = Q(pk__in=[])
    if scope.province_ids:
        q |= Q(commune__province_id__in=scope.province_ids)
    if scope.commune_ids:
        q |= Q(commune_id__in=scope.commune_ids)
    if scope.inspected_school_ids:
        q |= Q(pk__in=scope.inspected_school_ids)
    if scope.managed_school_ids:
        q |= Q(pk__in=scope.managed_school_ids)
    return q


def classes_visible_to(user: Any) -> QuerySet[ClassGroup]:
    return ClassGroup.objects.filter(_class_filter(scope_for(user)))


def students_visible_to(user: Any) -> QuerySet[Student]:
    scope = scope_for(user)
    if scope.is_system_admin:
        return Student.objects.all()
    q = Q(pk__in=[])
    q |= Q(school__in=School.objects.filter(_school_filter_wide(scope)))
    # Through a class: only the class of the pupil's current enrolment (last year's class,
    # left open by promotion, shows its roster but no longer opens the pupil).
    for school_id, grades in scope.group_head_grades.items():
        q |= students_currently_in(class_group__school_id=school_id, class_group__grade__in=grades)
    class_ids = scope.homeroom_class_ids | scope.teaching_class_ids
    if class_ids:
        q |= students_currently_in(class_group_id__in=class_ids)
    if scope.guardian_student_ids:
        q |= Q(pk__in=scope.guardian_student_ids)
    return Student.objects.filter(q).distinct()


def access_school_for_user(user: Any, school_id: int) -> School:
    try:
        return schools_visible_to(user).get(pk=school_id)
    except School.DoesNotExist:
        raise Http404 from None


def access_class_for_user(user: Any, class_id: int) -> ClassGroup:
    try:
        return classes_visible_to(user).select_related("school", "school_year").get(pk=class_id)
    except ClassGroup.DoesNotExist:
        raise Http404 from None


def access_student_for_user(user: Any, student_id: int, *, write: bool = False) -> Student:
    try:
        student = students_visible_to(user).select_related("school").get(pk=student_id)
    except Student.DoesNotExist:
        raise Http404 from None
    if write and not can_edit_student(user, student):
        raise PermissionDenied
    return student


def can_edit_student(user: Any, student: Student) -> bool:
    """Principal, vice-principal and school admin of the pupil's school; the homeroom teacher
    of the class of the pupil's current enrolment (`people.current_enrolment`)."""
    scope = scope_for(user)
    if student.school_id in scope.managed_school_ids:
        return True
    if not scope.homeroom_class_ids:
        return False
    return (
        current_enrolments()
        .filter(student=student, class_group_id__in=scope.homeroom_class_ids)
        .exists()
    )


def can_manage_school(user: Any, school: School) -> bool:
    """Import and export of a school's pupils and staff."""
    return school.pk in scope_for(user).managed_school_ids


def access_managed_school_for_user(user: Any, school_id: int) -> School:
    school = access_school_for_user(user, school_id)
    if not can_manage_school(user, school):
        raise PermissionDenied
    return school


def can_view_personal_id(user: Any, student: Student) -> bool:
    """The unmasked personal ID: those who may edit the profile, and Sở officers/inspectors."""
    scope = scope_for(user)
    if can_edit_student(user, student):
        return True
    return bool(scope.province_ids) or student.school_id in scope.inspected_school_ids

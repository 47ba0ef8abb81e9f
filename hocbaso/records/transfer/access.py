"""Who may make, download and receive transfer packages, and read the pages received.

* make a package for a pupil leaving, download it: the principal or a vice-principal of the
  pupil's school (spec §6.2: principals confirm transfers out and in);
* receive a pupil: the principal or a vice-principal of the receiving school;
* read a pupil's transfers and the pages received: whoever reads the pupil's issued pages
  (`issuance_log.can_read_issued` for the pupil's current class), or the school's management.

A hidden pupil or school is a 404 (`people.access`), a visible one the user may not act on a
403.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from hocbaso.org.models import School
from hocbaso.people import access as people_access
from hocbaso.people.current_enrolment import current_enrolment as current_enrolment_at
from hocbaso.people.models import Enrolment, Student
from hocbaso.people.scope import scope_for
from hocbaso.records.issuance_log import can_read_issued


def is_school_leader(user: Any, school_id: int) -> bool:
    """The principal or a vice-principal of the school."""
    scope = scope_for(user)
    return school_id in scope.principal_school_ids | scope.vice_principal_school_ids


def current_enrolment(student: Student) -> Enrolment | None:
    """The pupil's current enrolment at their school (`people.current_enrolment`)."""
    return current_enrolment_at(student.pk, student.school_id)


def can_read_transfers(user: Any, student: Student) -> bool:
    if student.school_id in scope_for(user).managed_school_ids:
        return True
    enrolment = current_enrolment(student)
    return enrolment is not None and can_read_issued(user, enrolment.class_group)


def access_student_transfers(user: Any, student_id: int) -> Student:
    """The pupil's transfer page: 404 when hidden, 403 when visible but not readable."""
    student = people_access.access_student_for_user(user, student_id)
    if not can_read_transfers(user, student):
        raise PermissionDenied
    return student


def access_student_to_transfer_out(user: Any, student_id: int) -> Student:
    student = people_access.access_student_for_user(user, student_id)
    if not is_school_leader(user, student.school_id):
        raise PermissionDenied
    return student


def access_school_to_receive(user: Any, school_id: int) -> School:
    school = people_access.access_school_for_user(user, school_id)
    if not is_school_leader(user, school.pk):
        raise PermissionDenied
    return school

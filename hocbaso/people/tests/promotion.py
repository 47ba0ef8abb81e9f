"""A promoted pupil for the tests: last year (2025-2026) pupil A was in 3A, this year in 4A.

Promotion writes no date on last year's enrolment: 3A stays open, as it does in the schools'
data. Last year's 3A keeps its homeroom teacher, a subject teacher and a grade-3 group head;
3A also holds pupil Lưu, whose latest class is still 3A (not placed in a new class yet).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from hocbaso.audit.actors import SEED
from hocbaso.org import actions as org_actions
from hocbaso.org.models import ClassGroup
from hocbaso.people.actions import assignments
from hocbaso.people.actions.enrolments import enrol_student
from hocbaso.people.actions.students import create_student
from hocbaso.people.models import Enrolment, Role, Student
from hocbaso.people.tests.world import PASSWORD, World, pupil_values

LAST_YEAR_PERSONAS = ("homeroom_3a", "subject_teacher_3a", "group_head_3")


@dataclass
class Promoted:
    class_3a: ClassGroup
    last_year: Enrolment  # pupil A in 3A, never closed
    not_placed: Student  # pupil Lưu: latest class 3A


def promote_pupil_a(world: World) -> Promoted:
    year = org_actions.create_school_year(
        province=world.province, start_year=2025, acting_user=SEED
    )
    class_3a = org_actions.create_class(
        school=world.school, school_year=year, grade=3, name="3A", acting_user=SEED
    )
    last_year = enrol_student(
        world.pupil_a.pk, class_3a.pk, enrolled_on=dt.date(2025, 9, 5), acting_user=SEED
    )
    not_placed = create_student(
        pupil_values("Đỗ Văn Lưu"), class_3a.pk, enrolled_on=dt.date(2025, 9, 5), acting_user=SEED
    )
    for persona in LAST_YEAR_PERSONAS:
        world.users[persona] = assignments.create_account(
            username=persona, full_name=f"Persona {persona}", password=PASSWORD, acting_user=SEED
        )
    assignments.assign_homeroom(world.user("homeroom_3a").pk, class_3a.pk, acting_user=SEED)
    assignments.assign_teacher(
        world.user("subject_teacher_3a").pk, class_3a.pk, "tieng_viet", acting_user=SEED
    )
    assignments.grant_role(
        world.user("group_head_3").pk,
        Role.GROUP_HEAD,
        school_id=world.school.pk,
        grades=[3],
        acting_user=SEED,
    )
    return Promoted(class_3a=class_3a, last_year=last_year, not_placed=not_placed)

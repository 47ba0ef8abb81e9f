"""The load test's province: `schools` schools with `classes` grade-4 classes each, one Toán
teacher per class and 35 pupils per class, built through the actions (so every row and audit
event is the real one). Django must be set up by the caller.

The plan (what the simulated teachers need) is read back from the database, so a second run on
the same database reuses the seed and carries on from each sheet's current version.
"""

from __future__ import annotations

import datetime as dt
from typing import TypedDict

from hocbaso.audit.actors import SEED
from hocbaso.audit.context import request_context
from hocbaso.org import actions as org_actions
from hocbaso.org.models import ClassGroup
from hocbaso.people.actions import assignments, students
from hocbaso.people.tests.world import pupil_values

PASSWORD = "loadtest-password-2026"
PROVINCE_CODE = "98"
PERIOD = "CHKI"
KEY = "toan"
PUPILS_PER_CLASS = 35


class Teacher(TypedDict):
    username: str
    class_id: int
    pupils: list[int]
    version: int


def seeded() -> bool:
    return ClassGroup.objects.filter(school__code__startswith="LOAD").exists()


def seed(schools: int, classes: int) -> None:
    with request_context("command"):
        province = org_actions.create_province(
            code=PROVINCE_CODE, name="Tỉnh Tải", department_name="Sở Tải", acting_user=SEED
        )
        commune = org_actions.create_commune(
            province=province, code="98001", name="Xã Tải", kind="xa", acting_user=SEED
        )
        year = org_actions.create_school_year(province=province, start_year=2026, acting_user=SEED)
        for s in range(schools):
            school = org_actions.create_school(
                commune=commune,
                code=f"LOAD{s:03d}",
                name=f"Trường Tiểu học Tải {s}",
                valid_from=dt.date(2000, 1, 1),
                acting_user=SEED,
            )
            for c in range(classes):
                class_group = org_actions.create_class(
                    school=school, school_year=year, grade=4, name=f"4-{c}", acting_user=SEED
                )
                user = assignments.create_account(
                    username=f"tai{s:03d}_{c:02d}",
                    full_name=f"Giáo viên {s}-{c}",
                    password=PASSWORD,
                    acting_user=SEED,
                )
                assignments.assign_teacher(user.pk, class_group.pk, KEY, acting_user=SEED)
                for i in range(PUPILS_PER_CLASS):
                    students.create_student(
                        pupil_values(f"Học Sinh {s}-{c}-{i}"),
                        class_group.pk,
                        enrolled_on=dt.date(2026, 9, 5),
                        acting_user=SEED,
                    )


def plan() -> list[Teacher]:
    """Every load-test class with its Toán teacher, pupils and current sheet version."""
    from hocbaso.assessment.models import Sheet
    from hocbaso.people.models import Student, TeachingAssignment

    out: list[Teacher] = []
    classes = ClassGroup.objects.filter(school__code__startswith="LOAD").order_by("pk")
    for class_group in classes:
        assignment = TeachingAssignment.objects.select_related("user").get(
            class_group=class_group, subject_code=KEY
        )
        pupils = list(
            Student.objects.filter(enrolments__class_group=class_group)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        sheet = Sheet.objects.filter(class_group=class_group, period__code=PERIOD, key=KEY).first()
        out.append(
            {
                "username": assignment.user.username,
                "class_id": class_group.pk,
                "pupils": pupils,
                "version": sheet.version if sheet else 0,
            }
        )
    return out

"""`people.current_enrolment`: the latest year's enrolment at the school, not transferred out."""

from __future__ import annotations

import datetime as dt

import pytest

from hocbaso.audit.actors import SEED
from hocbaso.org import actions as org_actions
from hocbaso.people.actions.enrolments import enrol_student, record_transfer_out
from hocbaso.people.current_enrolment import (
    current_enrolment,
    current_enrolments,
    students_currently_in,
    studies_at,
)
from hocbaso.people.imports.classes import current_school_year
from hocbaso.people.models import Enrolment, Student

pytestmark = pytest.mark.django_db


def _class(world, start_year: int, name: str, grade: int):
    year = org_actions.create_school_year(
        province=world.province, start_year=start_year, acting_user=SEED
    )
    return org_actions.create_class(
        school=world.school, school_year=year, grade=grade, name=name, acting_user=SEED
    )


def _leave(enrolment: Enrolment, day: dt.date) -> None:
    record_transfer_out(enrolment.pk, transfer_out_on=day, destination="X", acting_user=SEED)


@pytest.mark.parametrize(
    ("history", "expected"),
    [
        # this year's class only
        ((), "4A"),
        # promoted: last year's 3A never closed, this year's 4A open
        (("last year in 3A",), "4A"),
        # promoted, then left 4A: last year's open 3A is not "studying here now"
        (("last year in 3A", "left 4A"), None),
        # left 4A, came back into 4B the same year
        (("left 4A", "back in 4B"), "4B"),
        # the next year exists but the pupil is not placed yet (the summer): still 4A
        (("next year created",), "4A"),
    ],
)
def test_the_current_enrolment_is_the_latest_years_not_transferred_out(
    world, history: tuple[str, ...], expected: str | None
) -> None:
    # given pupil A of 4A (2026-2027) and the history
    pupil = world.pupil_a
    this_year = Enrolment.objects.get(student=pupil, class_group=world.class_4a)
    for step in history:
        if step == "last year in 3A":
            enrol_student(
                pupil.pk,
                _class(world, 2025, "3A", 3).pk,
                enrolled_on=dt.date(2025, 9, 5),
                acting_user=SEED,
            )
        elif step == "left 4A":
            _leave(this_year, dt.date(2026, 11, 2))
        elif step == "back in 4B":
            class_4b = org_actions.create_class(
                school=world.school, school_year=world.year, grade=4, name="4B", acting_user=SEED
            )
            enrol_student(pupil.pk, class_4b.pk, enrolled_on=dt.date(2027, 1, 4), acting_user=SEED)
        elif step == "next year created":
            _class(world, 2027, "5A", 5)
    # when
    found = current_enrolment(pupil.pk, world.school.pk)
    # then
    assert (found.class_group.name if found else None) == expected
    assert studies_at(pupil.pk, world.school.pk) is (expected is not None)
    # and the queryset form agrees: that enrolment only, never last year's open 3A
    as_filter = current_enrolments().filter(student=pupil, class_group__school=world.school)
    assert [e.class_group.name for e in as_filter] == ([expected] if expected else [])
    in_3a_or_4a = Student.objects.filter(
        students_currently_in(class_group__name__in=["3A", "4A"]), pk=pupil.pk
    )
    assert in_3a_or_4a.exists() is (expected == "4A")


def test_in_the_summer_the_province_year_is_the_next_but_the_pupil_is_still_in_4a(world) -> None:
    # why the rule is not "the province's current school year": on 15/07/2027 that is
    # 2027-2028, where pupil A has no class yet, though no one recorded him leaving
    next_class = _class(world, 2027, "5A", 5)
    running = current_school_year(world.school, dt.date(2027, 7, 15))
    assert running is not None
    assert running.pk == next_class.school_year_id
    found = current_enrolment(world.pupil_a.pk, world.school.pk)
    assert found is not None
    assert found.class_group_id == world.class_4a.pk


def test_a_pupil_has_no_current_enrolment_at_a_school_he_never_attended(world) -> None:
    assert current_enrolment(world.pupil_a.pk, world.other_school.pk) is None
    assert studies_at(world.canary.pk, world.school.pk) is False

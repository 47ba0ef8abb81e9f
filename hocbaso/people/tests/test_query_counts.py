"""Query budgets (style.md habit 15): each list page makes the same number of queries with 3
rows and with 30, so a new N+1 fails here first."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from hocbaso.audit.actors import SEED
from hocbaso.org import actions as org_actions
from hocbaso.org.models import ClassGroup
from hocbaso.people.actions.photos import set_student_photo
from hocbaso.people.actions.students import create_student, verify_student_field
from hocbaso.people.models import Student
from hocbaso.people.tests.world import World, pupil_values, sample_photo

pytestmark = pytest.mark.django_db

ENROLLED_ON = dt.date(2026, 9, 5)
SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng")


def _fill(world: World, class_group: ClassGroup, size: int) -> list[Student]:
    """Enrol pupils until the class has `size`; every third gets a photo, every other pupil has
    two fields verified, so that each branch of the completeness board is exercised."""
    principal = world.user("principal")
    pupils = list(Student.objects.filter(enrolments__class_group=class_group))
    for n in range(len(pupils), size):
        name = f"{SURNAMES[n % len(SURNAMES)]} Học Sinh {n:02d}"
        gender = "Nam" if n % 2 else "Nữ"
        pupils.append(
            create_student(
                pupil_values(name, gender=gender),
                class_group.pk,
                enrolled_on=ENROLLED_ON,
                acting_user=SEED,
            )
        )
    for n, pupil in enumerate(pupils):
        if n % 3 == 0:
            set_student_photo(pupil.pk, sample_photo((n, 100, 200)), acting_user=SEED)
        if n % 2 == 0:
            for name in ("full_name", "birth_date"):
                verify_student_field(pupil.pk, name, "birth_certificate", acting_user=principal)
    return pupils


def _client(world: World, persona: str) -> Client:
    client = Client()
    client.force_login(world.user(persona))
    return client


# Queries per page, whatever the class size. Each includes the session and user loads, the
# fresh read of the viewer's roles and assignments (ASVS 8.3.2) and the session save.
CLASS_ROSTER = 17  # + the open parents' reports badge (issue 6), first request (1),
# and which pupils are still in the class, to link their pages (1: people/views/schools.py)
CLASS_BOARD = 11  # a second request within a minute: no session save (- 3); the links (+ 1)
SCHOOL_BOARD = 19  # with the first request's session-limits read
PUPIL_LIST = 8  # a second request within a minute: no session save (- 3)


@pytest.mark.parametrize("size", [3, 30])
def test_list_pages_do_not_grow_with_the_class(
    world: World, django_assert_num_queries: DjangoAssertNumQueries, size: int
) -> None:
    # given 4A with `size` pupils, viewed by its homeroom teacher and by the principal
    _fill(world, world.class_4a, size)
    teacher = _client(world, "homeroom_4a")
    principal = _client(world, "principal")
    # when / then
    with django_assert_num_queries(CLASS_ROSTER):
        roster = teacher.get(f"/lop/{world.class_4a.pk}/")
    with django_assert_num_queries(CLASS_BOARD):
        class_board = teacher.get(f"/lop/{world.class_4a.pk}/hoan-thien/")
    with django_assert_num_queries(SCHOOL_BOARD):
        school_board = principal.get(f"/truong/{world.school.pk}/hoan-thien/")
    with django_assert_num_queries(PUPIL_LIST):
        listing = principal.get("/hoc-sinh/")
    # and the pages show every pupil: 4A's, plus pupil 5B in the school-wide pages
    assert roster.content.decode().count('<td><a href="/hoc-sinh/') == size
    assert class_board.content.decode().count('data-testid="completeness-row"') == size
    totals = {r["class_group"].name: r["total"] for r in school_board.context["rows"]}
    assert totals == {"4A": size, "5B": 1}
    assert len(listing.context["page"]) == size + 1


@pytest.mark.parametrize("classes", [3, 30])
def test_school_board_does_not_grow_with_the_number_of_classes(
    world: World, django_assert_num_queries: DjangoAssertNumQueries, classes: int
) -> None:
    # given the school with `classes` classes (4A and 5B, plus more of one pupil each)
    for n in range(classes - 2):
        extra = org_actions.create_class(
            school=world.school,
            school_year=world.year,
            grade=1 + n % 5,
            name=f"Lớp {n:02d}",
            acting_user=SEED,
        )
        _fill(world, extra, 1)
    principal = _client(world, "principal")
    # when / then
    with django_assert_num_queries(SCHOOL_BOARD):
        board = principal.get(f"/truong/{world.school.pk}/hoan-thien/")
    assert len(board.context["rows"]) == classes

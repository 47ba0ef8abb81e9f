"""Each dashboard costs the same number of queries for 3 and 30 rows (style.md §15)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from hocbaso.audit.actors import SEED
from hocbaso.org import actions as org_actions
from hocbaso.org.models import ClassGroup, School
from hocbaso.people.actions.students import create_student
from hocbaso.people.tests.world import World, pupil_values

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 9, 5)
# Every count includes the session and user, the viewer's roles and assignments read fresh
# (ASVS 8.3.2; again for each access check on the page) and the session save. The boards then
# read: the area (schools, communes), the year and its periods (2), the classes with their sizes
# (1), pupils' counts (1), record pages (1), the entry aggregate (1), open flags (1), lock
# decisions (1), live schools (1), Quy chế (1), staff pairs (1), trained (1), certified (1),
# sheets and corrections (2).
PROVINCE_BOARD = 29  # + a session's first request reads its limits (session_limits)
COMMUNE_BOARD = 28  # + organiser and province-link checks; a second request within a
# minute does not rewrite the session (- 3: people/middleware.py)
SCHOOL_BOARD = 39  # + staff table (3), current Quy chế, link checks, first request (1)
CLASS_BOARD = 12  # with the first request's session-limits read


def _class_with_pupils(school: School, grade: int, name: str, pupils: int) -> ClassGroup:
    year = ClassGroup.objects.filter(school__commune__province=school.commune.province).first()
    assert year is not None
    group = org_actions.create_class(
        school=school, school_year=year.school_year, grade=grade, name=name, acting_user=SEED
    )
    for i in range(pupils):
        create_student(
            pupil_values(f"Học Sinh {name}-{i}"), group.pk, enrolled_on=DAY, acting_user=SEED
        )
    return group


def _schools(world: World, n: int) -> None:
    for i in range(n):
        school = org_actions.create_school(
            commune=world.commune,
            code=f"QC{i:03d}",
            name=f"Trường Tiểu học Số {i:02d}",
            valid_from=DAY,
            acting_user=SEED,
        )
        _class_with_pupils(school, 1 + i % 5, f"{1 + i % 5}A", 1)


def _client(world: World, persona: str) -> Client:
    client = Client()
    client.force_login(world.user(persona))
    return client


@pytest.mark.parametrize("schools", [3, 30])
def test_province_and_commune_boards_do_not_grow_with_schools(
    world: World, django_assert_num_queries: DjangoAssertNumQueries, schools: int
) -> None:
    # given `schools` more schools in the world's commune, one class of one pupil each
    _schools(world, schools)
    officer = _client(world, "province_officer")
    # when / then
    with django_assert_num_queries(PROVINCE_BOARD):
        province = officer.get(f"/so/{world.province.pk}/dieu-hanh/")
    with django_assert_num_queries(COMMUNE_BOARD):
        commune = officer.get(f"/xa/{world.commune.pk}/dieu-hanh/")
    rows = {r.label: r for r in province.context["board"].rows}
    assert rows[world.commune.name].schools == schools + 1
    assert len(commune.context["board"].rows) == schools + 1


@pytest.mark.parametrize("classes", [3, 30])
def test_school_board_does_not_grow_with_classes(
    world: World, django_assert_num_queries: DjangoAssertNumQueries, classes: int
) -> None:
    # given the school with `classes` classes (4A and 5B, plus more of one pupil each)
    for n in range(classes - 2):
        _class_with_pupils(world.school, 1 + n % 5, f"Lớp {n:02d}", 1)
    principal = _client(world, "principal")
    # when / then
    with django_assert_num_queries(SCHOOL_BOARD):
        response = principal.get(f"/truong/{world.school.pk}/dieu-hanh/")
    assert len(response.context["board"].rows) == classes


@pytest.mark.parametrize("pupils", [3, 30])
def test_class_board_does_not_grow_with_pupils(
    world: World, django_assert_num_queries: DjangoAssertNumQueries, pupils: int
) -> None:
    group = _class_with_pupils(world.school, 3, "3Z", pupils)
    principal = _client(world, "principal")
    with django_assert_num_queries(CLASS_BOARD):
        response = principal.get(f"/lop/{group.pk}/dieu-hanh/")
    assert len(response.context["table"]["rows"]) == pupils

"""Who sees a pupil through a class: the class of the pupil's current enrolment
(`people.current_enrolment`), not a class of an earlier year that promotion left open.

Classes stay as they were: last year's teachers keep reading last year's class.
"""

from __future__ import annotations

import pytest
from django.test import Client

from hocbaso.people import access
from hocbaso.people.models import Guardian, Student
from hocbaso.people.tests.promotion import Promoted, promote_pupil_a
from hocbaso.people.tests.world import World

pytestmark = pytest.mark.django_db

# persona: (sees promoted pupil A, now in 4A; sees pupil Lưu, whose latest class is 3A)
SEES = {
    "homeroom_3a": (False, True),
    "subject_teacher_3a": (False, True),
    "group_head_3": (False, True),
    "homeroom_4a": (True, False),
    "group_head": (True, False),  # grade 4
    "principal": (True, True),
}


@pytest.fixture
def promoted(world: World) -> Promoted:
    return promote_pupil_a(world)


def _client(world: World, persona: str) -> Client:
    client = Client()
    client.force_login(world.user(persona))
    return client


@pytest.mark.parametrize("persona", sorted(SEES))
def test_a_pupil_is_seen_through_the_class_of_the_current_enrolment(
    world: World, promoted: Promoted, persona: str
) -> None:
    sees_a, sees_luu = SEES[persona]
    visible = access.students_visible_to(world.user(persona))
    assert visible.filter(pk=world.pupil_a.pk).exists() is sees_a
    assert visible.filter(pk=promoted.not_placed.pk).exists() is sees_luu


@pytest.mark.parametrize("persona", sorted(SEES))
def test_the_pupil_page_answers_404_through_last_years_class(
    world: World, promoted: Promoted, persona: str
) -> None:
    sees_a, sees_luu = SEES[persona]
    client = _client(world, persona)
    assert client.get(f"/hoc-sinh/{world.pupil_a.pk}/").status_code == (200 if sees_a else 404)
    assert client.get(f"/hoc-sinh/{promoted.not_placed.pk}/").status_code == (
        200 if sees_luu else 404
    )


@pytest.mark.parametrize("persona", ["homeroom_3a", "subject_teacher_3a", "group_head_3"])
def test_last_years_teachers_keep_last_years_class(
    world: World, promoted: Promoted, persona: str
) -> None:
    assert access.classes_visible_to(world.user(persona)).filter(pk=promoted.class_3a.pk).exists()
    assert _client(world, persona).get(f"/lop/{promoted.class_3a.pk}/").status_code == 200


def test_last_years_homeroom_teacher_who_is_the_parent_does_not_edit_the_pupil(
    world: World, promoted: Promoted
) -> None:
    # given last year's 3A homeroom teacher is also pupil A's parent
    teacher = world.user("homeroom_3a")
    Guardian.objects.filter(student=world.pupil_a).update(user=teacher)
    pupil = Student.objects.get(pk=world.pupil_a.pk)
    # then the teacher reads the child as a parent, but edits nothing through last year's 3A
    assert access.students_visible_to(teacher).filter(pk=pupil.pk).exists()
    assert access.can_edit_student(teacher, pupil) is False
    assert access.can_view_personal_id(teacher, pupil) is False
    # while this year's homeroom teacher does, and last year's still edits pupil Lưu
    assert access.can_edit_student(world.user("homeroom_4a"), pupil) is True
    assert access.can_edit_student(teacher, promoted.not_placed) is True


@pytest.mark.parametrize("page", ["", "hoan-thien/"])
@pytest.mark.parametrize("persona", ["homeroom_3a", "principal"])
def test_last_years_roster_links_only_the_pupils_the_reader_may_open(
    world: World, promoted: Promoted, persona: str, page: str
) -> None:
    # the roster still lists pupil A (3A's history), but last year's teacher gets no dead link
    sees_a, sees_luu = SEES[persona]
    html = _client(world, persona).get(f"/lop/{promoted.class_3a.pk}/{page}").content.decode()
    assert world.pupil_a.full_name in html
    assert (f'href="/hoc-sinh/{world.pupil_a.pk}/"' in html) is sees_a
    assert (f'href="/hoc-sinh/{promoted.not_placed.pk}/"' in html) is sees_luu


def test_last_years_consent_board_offers_no_form_for_a_pupil_who_moved_up(
    world: World, promoted: Promoted
) -> None:
    # the board lists pupil A (3A's history), but recording is for the current class (4A)
    html = _client(world, "homeroom_3a").get(f"/lop/{promoted.class_3a.pk}/dong-y/")
    page = html.content.decode()
    assert world.pupil_a.full_name in page
    assert f'action="/hoc-sinh/{world.pupil_a.pk}/' not in page
    assert f'action="/hoc-sinh/{promoted.not_placed.pk}/' in page

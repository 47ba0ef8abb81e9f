"""The pupils a parent's account reaches (issue 6): linked guardians only, 404 otherwise."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.utils import timezone

from hocbaso.people.guardianship import access_child_for_parent, children_of
from hocbaso.people.models import Guardian, Student
from hocbaso.people.scope import scope_for
from hocbaso.people.tests.world import World

pytestmark = pytest.mark.django_db


def test_a_linked_parent_reaches_their_child(world: World) -> None:
    parent = world.user("parent_a")
    assert list(children_of(parent)) == [world.pupil_a]
    assert access_child_for_parent(parent, world.pupil_a.pk) == world.pupil_a


@pytest.mark.parametrize("persona", ["parent_b", "homeroom_4a", "principal", "sysadmin"])
def test_no_one_else_is_a_parent_of_the_pupil(world: World, persona: str) -> None:
    user = world.user(persona)
    assert list(children_of(user)) == []
    with pytest.raises(Http404):
        access_child_for_parent(user, world.pupil_a.pk)


def test_a_missing_and_a_hidden_pupil_answer_alike(world: World) -> None:
    parent = world.user("parent_a")
    missing = (Student.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    for student_id in (missing, world.pupil_5b.pk, world.canary.pk):
        with pytest.raises(Http404) as raised:
            access_child_for_parent(parent, student_id)
        assert raised.value.args == ()


def test_anonymous_and_inactive_accounts_reach_nobody(world: World) -> None:
    assert list(children_of(AnonymousUser())) == []
    parent = world.user("parent_a")
    parent.is_active = False
    assert list(children_of(parent)) == []


def test_an_unlinked_guardian_no_longer_reaches_the_child(world: World) -> None:
    parent = world.user("parent_a")
    Guardian.objects.filter(user=parent).update(unlinked_at=timezone.now())
    assert list(children_of(parent)) == []
    assert scope_for(parent).guardian_student_ids == frozenset()
    with pytest.raises(Http404):
        access_child_for_parent(parent, world.pupil_a.pk)


def test_two_guardian_rows_list_the_child_once(world: World) -> None:
    parent = world.user("parent_a")
    Guardian.objects.create(
        student=world.pupil_a, relation="me", full_name="Trần Thị Mẹ", user=parent
    )
    assert list(children_of(parent)) == [world.pupil_a]

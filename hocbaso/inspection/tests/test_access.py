"""Who reads the trail and a pupil's history, persona by persona (the matrix checks the same
routes end to end; these pin the access functions)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from hocbaso.audit.actors import SEED
from hocbaso.inspection import access
from hocbaso.inspection.tests.helpers import client_for
from hocbaso.people.actions.assignments import assign_teacher
from hocbaso.people.models import Guardian
from hocbaso.people.tests.promotion import promote_pupil_a
from hocbaso.people.tests.world import PERSONAS, World

pytestmark = pytest.mark.django_db

SCHOOL_TRAIL = {"principal", "vice_principal", "province_officer", "inspector", "sysadmin"}
SCHOOL_TRAIL_403 = {
    "school_admin",
    "group_head",
    "homeroom_4a",
    "subject_teacher_5b",
    "commune_officer",
}
PROVINCE_TRAIL = {"province_officer", "inspector", "sysadmin"}
HISTORY_A = {
    "principal",
    "vice_principal",
    "school_admin",
    "group_head",
    "homeroom_4a",
    "commune_officer",
    "province_officer",
    "inspector",
    "sysadmin",
}


def _outcome(call) -> str:
    try:
        call()
    except Http404:
        return "404"
    except PermissionDenied:
        return "403"
    return "ok"


@pytest.mark.parametrize("persona", PERSONAS)
def test_school_trail(world: World, persona: str) -> None:
    user = world.user(persona)
    got = _outcome(lambda: access.access_school_trail_for_user(user, world.school.pk))
    expected = "ok" if persona in SCHOOL_TRAIL else "403" if persona in SCHOOL_TRAIL_403 else "404"
    assert got == expected


@pytest.mark.parametrize("persona", PERSONAS)
def test_other_school_trail(world: World, persona: str) -> None:
    user = world.user(persona)
    got = _outcome(lambda: access.access_school_trail_for_user(user, world.other_school.pk))
    allowed = {"other_principal", "province_officer", "inspector", "sysadmin"}
    assert got == ("ok" if persona in allowed else "404")


@pytest.mark.parametrize("persona", PERSONAS)
def test_province_trail(world: World, persona: str) -> None:
    user = world.user(persona)
    got = _outcome(lambda: access.access_province_trail_for_user(user, world.province.pk))
    assert got == ("ok" if persona in PROVINCE_TRAIL else "404")


def test_a_missing_school_or_province_is_404(world: World) -> None:
    admin = world.user("sysadmin")
    assert _outcome(lambda: access.access_school_trail_for_user(admin, 999_999)) == "404"
    assert _outcome(lambda: access.access_province_trail_for_user(admin, 999_999)) == "404"
    assert _outcome(lambda: access.trail_scope_for_user(admin, "commune", 1)) == "404"


@pytest.mark.parametrize("persona", PERSONAS)
def test_pupil_history(world: World, persona: str) -> None:
    user = world.user(persona)
    got = _outcome(lambda: access.access_student_history_for_user(user, world.pupil_a.pk))
    assert got == ("ok" if persona in HISTORY_A else "404")


def test_a_teacher_who_is_also_the_parent_reads_only_through_a_class(world: World) -> None:
    # given the 5B subject teacher is also pupil A's guardian (pupil A is in 4A)
    teacher = world.user("subject_teacher_5b")
    Guardian.objects.filter(student=world.pupil_a).update(user=teacher)

    def read():
        return access.access_student_history_for_user(teacher, world.pupil_a.pk)

    # then being the parent does not open the history
    assert _outcome(read) == "404"
    # when the teacher also teaches 4A, it does
    assign_teacher(teacher.pk, world.class_4a.pk, "tin_hoc", acting_user=SEED)
    assert _outcome(read) == "ok"


def test_the_detail_page_links_the_history_for_staff_only(world: World) -> None:
    from hocbaso.inspection.tests.helpers import client_for

    url = f"/hoc-sinh/{world.pupil_a.pk}/"
    assert 'data-testid="history-link"' in client_for("homeroom_4a").get(url).content.decode()
    assert 'data-testid="history-link"' not in client_for("parent_a").get(url).content.decode()


def test_the_home_page_links_the_province_trail_for_the_province_only(world: World) -> None:
    url = f"/nhat-ki/tinh/{world.province.pk}/"
    for persona in ("province_officer", "inspector"):
        page = client_for(persona).get("/").content.decode()
        assert f'href="{url}" data-testid="province-trail"' in page
    for persona in ("commune_officer", "principal", "homeroom_4a"):
        assert 'data-testid="province-trail"' not in client_for(persona).get("/").content.decode()


@pytest.mark.parametrize("persona", ["homeroom_3a", "subject_teacher_3a", "group_head_3"])
def test_a_teacher_parent_does_not_read_the_history_through_last_years_class(
    world: World, persona: str
) -> None:
    # given pupil A, promoted from 3A to 4A, is the child of last year's 3A teacher
    promote_pupil_a(world)
    teacher = world.user(persona)
    Guardian.objects.filter(student=world.pupil_a).update(user=teacher)

    def read():
        return access.access_student_history_for_user(teacher, world.pupil_a.pk)

    # then last year's class does not open this year's pupil's history
    assert _outcome(read) == "404"
    # when the teacher also teaches this year's 4A, it does
    assign_teacher(teacher.pk, world.class_4a.pk, "tin_hoc", acting_user=SEED)
    assert _outcome(read) == "ok"

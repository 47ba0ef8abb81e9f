"""A parent's children, profile, released periods and results through the API."""

from __future__ import annotations

import datetime as dt

import pytest

from hocbaso.api.tests.fixtures import ApiWorld, client_for
from hocbaso.assessment.release import withdraw_release
from hocbaso.audit.actors import SEED
from hocbaso.org.models import Period
from hocbaso.people.actions.enrolments import record_transfer_out
from hocbaso.people.actions.students import verify_student_field
from hocbaso.people.models import Enrolment, Guardian, Student, VerificationSource
from hocbaso.people.tests.promotion import promote_pupil_a
from hocbaso.people.tests.world import World

pytestmark = pytest.mark.django_db


def test_a_parent_lists_their_linked_children_only(api_world: ApiWorld) -> None:
    w = api_world.world
    body = client_for(w.user("parent_a")).get("/api/v1/children").json()
    assert body == {
        "count": 1,
        "limit": 50,
        "offset": 0,
        "items": [
            {
                "id": w.pupil_a.pk,
                "full_name": "Lê Minh An",
                "gender": 1,
                "birth_date": "2016-03-15",
                "school": {"id": w.school.pk, "code": "TH-DV", "name": "Trường Tiểu học Đô Vinh"},
                "current_class": {
                    "id": w.class_4a.pk,
                    "name": "4A",
                    "grade": 4,
                    "school_year": "2026-2027",
                },
            }
        ],
    }
    # staff see no children here (their pupils are under /classes)
    assert client_for(w.user("principal")).get("/api/v1/children").json()["count"] == 0


def test_an_unlinked_guardian_loses_the_child_at_once(api_world: ApiWorld) -> None:
    w = api_world.world
    client = client_for(w.user("parent_a"))
    assert client.get(f"/api/v1/children/{w.pupil_a.pk}").status_code == 200
    from django.utils import timezone

    Guardian.objects.filter(user=w.user("parent_a")).update(unlinked_at=timezone.now())
    assert client.get(f"/api/v1/children/{w.pupil_a.pk}").status_code == 404
    assert client.get("/api/v1/children").json()["count"] == 0


def test_the_profile_masks_the_personal_id_and_shows_verifications(api_world: ApiWorld) -> None:
    w = api_world.world
    Student.objects.filter(pk=w.pupil_a.pk).update(personal_id="058216000123")
    verify_student_field(
        w.pupil_a.pk,
        "full_name",
        VerificationSource.BIRTH_CERTIFICATE,
        acting_user=w.user("homeroom_4a"),
    )
    body = client_for(w.user("parent_a")).get(f"/api/v1/children/{w.pupil_a.pk}").json()
    fields = {f["name"]: f for f in body["profile"]}
    assert [f["name"] for f in body["profile"]][:3] == ["full_name", "gender", "birth_date"]
    assert fields["personal_id"] == {
        "name": "personal_id",
        "label": "Số định danh cá nhân",
        "value": "•••••••••123",
        "missing": False,
        "verifiable": True,
        "verified_by": [],
    }
    assert "058216000123" not in str(body)
    assert fields["full_name"]["verified_by"] == ["birth_certificate"]
    assert (fields["birth_date"]["value"], fields["gender"]["value"]) == ("15/03/2016", "Nam")
    assert (fields["current_address"]["verifiable"], fields["current_address"]["verified_by"]) == (
        False,
        [],
    )


def test_only_released_periods_are_listed_and_readable(api_world: ApiWorld) -> None:
    w = api_world.world
    client = client_for(w.user("parent_a"))
    chki = Period.objects.get(school_year=w.year, code="CHKI")
    periods = client.get(f"/api/v1/children/{w.pupil_a.pk}/periods").json()["items"]
    assert periods == [
        {
            "id": api_world.ghki.pk,
            "code": "GHKI",
            "name": "Giữa học kì I",
            "school_year": "2026-2027",
        }
    ]
    results = client.get(f"/api/v1/children/{w.pupil_a.pk}/periods/{api_world.ghki.pk}/results")
    body = results.json()
    assert (body["student_name"], body["period_code"], body["class_name"], body["year_end"]) == (
        "Lê Minh An",
        "GHKI",
        "4A",
        None,
    )
    toan = next(u for u in body["units"] if u["code"] == "toan")
    assert (toan["level"], toan["level_label"], toan["score"]) == ("T", "Hoàn thành tốt", 10)
    # a period not released answers like a missing one
    hidden = client.get(f"/api/v1/children/{w.pupil_a.pk}/periods/{chki.pk}/results")
    missing = client.get(f"/api/v1/children/{w.pupil_a.pk}/periods/987654321/results")
    assert (hidden.status_code, hidden.content) == (404, missing.content)
    # and a withdrawn release hides the period again
    withdraw_release(w.school, api_world.ghki, reason="Nhập nhầm", acting_user=w.user("principal"))
    assert client.get(f"/api/v1/children/{w.pupil_a.pk}/periods").json()["count"] == 0
    gone = client.get(f"/api/v1/children/{w.pupil_a.pk}/periods/{api_world.ghki.pk}/results")
    assert (gone.status_code, gone.content) == (404, missing.content)


def test_pagination_limits_and_offsets(api_world: ApiWorld) -> None:
    w = api_world.world
    client = client_for(w.user("homeroom_4a"))
    url = f"/api/v1/classes/{w.class_4a.pk}/periods"
    page = client.get(url, limit="2", offset="1").json()
    assert (page["count"], page["limit"], page["offset"]) == (4, 2, 1)
    assert [p["code"] for p in page["items"]] == ["CHKI", "GHKII"]
    assert client.get(url, offset="10").json()["items"] == []


@pytest.mark.parametrize(
    ("left_4a", "expected"),
    [
        (False, "4A"),  # promoted from last year's 3A (left open, as promotion leaves it)
        (True, None),  # then transferred out of 4A: last year's 3A is not the current class
    ],
)
def test_the_current_class_is_the_current_enrolments(
    world: World, left_4a: bool, expected: str | None
) -> None:
    # given pupil A, promoted from 3A (2025-2026) to 4A (2026-2027)
    promote_pupil_a(world)
    if left_4a:
        record_transfer_out(
            Enrolment.objects.get(student=world.pupil_a, class_group=world.class_4a).pk,
            transfer_out_on=dt.date(2026, 11, 2),
            destination="Trường Tiểu học Phước Dân",
            acting_user=SEED,
        )
    client = client_for(world.user("parent_a"))
    # when the parent reads the children and the child
    listed = client.get("/api/v1/children").json()["items"][0]["current_class"]
    child = client.get(f"/api/v1/children/{world.pupil_a.pk}").json()["current_class"]
    # then both show this year's class, or none once the pupil left it
    for current in (listed, child):
        assert (current["name"] if current else None) == expected
    if expected:
        assert listed == {
            "id": world.class_4a.pk,
            "name": "4A",
            "grade": 4,
            "school_year": "2026-2027",
        }

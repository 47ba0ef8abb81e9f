"""A parent confirms or reports the child's identity page through the feedback actions."""

from __future__ import annotations

import pytest

from hocbaso.api.tests.fixtures import client_for
from hocbaso.audit.models import AuditEvent
from hocbaso.people.actions.parent_feedback import resolve_profile_report
from hocbaso.people.models import FieldVerification, ProfileReport
from hocbaso.people.tests.world import World

pytestmark = pytest.mark.django_db


def test_a_confirmation_verifies_the_current_value(world: World) -> None:
    client = client_for(world.user("parent_a"))
    url = f"/api/v1/children/{world.pupil_a.pk}/profile/confirmations"
    response = client.post(url, {"field": "birth_place"})
    assert response.status_code == 201
    verification = FieldVerification.objects.get()
    body = response.json()
    assert (body["field"], body["source"]) == ("birth_place", "parent_confirmation")
    assert body["verified_at"].startswith(verification.verified_at.strftime("%Y-%m-%dT%H:%M:%S"))
    assert (verification.student, verification.verified_by) == (
        world.pupil_a,
        world.user("parent_a"),
    )
    assert AuditEvent.objects.filter(action="student.field_confirmed_by_parent").count() == 1
    profile = client.get(f"/api/v1/children/{world.pupil_a.pk}").json()["profile"]
    assert next(f for f in profile if f["name"] == "birth_place")["verified_by"] == [
        "parent_confirmation"
    ]
    # a second confirmation is refused in Vietnamese and changes nothing
    again = client.post(url, {"field": "birth_place"})
    assert (again.status_code, again.json()) == (
        400,
        {"detail": "Nơi sinh: thông tin này đã được xác nhận.", "code": "refused"},
    )
    assert FieldVerification.objects.count() == 1


def test_a_field_that_needs_no_confirmation_is_a_422(world: World) -> None:
    response = client_for(world.user("parent_a")).post(
        f"/api/v1/children/{world.pupil_a.pk}/profile/confirmations", {"field": "current_address"}
    )
    assert (response.status_code, response.json()["errors"]) == (
        422,
        [{"field": "body.field", "message": "Giá trị không nằm trong danh sách cho phép."}],
    )
    assert FieldVerification.objects.count() == 0


def test_a_report_is_listed_with_its_decision(world: World) -> None:
    client = client_for(world.user("parent_a"))
    base = f"/api/v1/children/{world.pupil_a.pk}/profile"
    response = client.post(
        f"{base}/reports", {"field": "hometown", "comment": "Quê quán đúng là Khánh Hòa."}
    )
    assert response.status_code == 201
    created = response.json()
    assert (created["field"], created["label"], created["reported_value"], created["status"]) == (
        "hometown",
        "Quê quán",
        "Ninh Thuận",
        "open",
    )
    # while the report is open the field cannot be confirmed, nor reported again
    refused = client.post(f"{base}/confirmations", {"field": "hometown"})
    assert (refused.status_code, refused.json()["code"]) == (400, "refused")
    twice = client.post(f"{base}/reports", {"field": "hometown", "comment": "Nhắc lại"})
    assert (twice.status_code, twice.json()["detail"]) == (
        400,
        "Quê quán: đã có phản ánh đang chờ xử lí cho thông tin này.",
    )
    # the homeroom teacher resolves it; the parent reads the decision
    resolve_profile_report(
        ProfileReport.objects.get().pk,
        "Đã sửa theo giấy khai sinh.",
        acting_user=world.user("homeroom_4a"),
    )
    listed = client.get(f"{base}/reports").json()
    assert listed["count"] == 1
    assert (listed["items"][0]["status"], listed["items"][0]["resolution_note"]) == (
        "resolved",
        "Đã sửa theo giấy khai sinh.",
    )


def test_a_comment_with_a_nul_character_is_a_422(world: World) -> None:
    response = client_for(world.user("parent_a")).post(
        f"/api/v1/children/{world.pupil_a.pk}/profile/reports",
        {"field": "hometown", "comment": "sai\x00"},
    )
    assert (response.status_code, response.json()["errors"]) == (
        422,
        [{"field": "body.comment", "message": "Chứa kí tự không hợp lệ."}],
    )
    assert ProfileReport.objects.count() == 0


def test_extra_fields_in_a_body_change_nothing(world: World) -> None:
    # security.md A5: only the declared fields are read
    response = client_for(world.user("parent_a")).post(
        f"/api/v1/children/{world.pupil_a.pk}/profile/confirmations",
        {
            "field": "hometown",
            "source": "population_db",
            "student": world.pupil_5b.pk,
            "verified_by": world.user("principal").pk,
        },
    )
    assert response.status_code == 201
    verification = FieldVerification.objects.get()
    assert (verification.student, verification.source, verification.verified_by) == (
        world.pupil_a,
        "parent_confirmation",
        world.user("parent_a"),
    )

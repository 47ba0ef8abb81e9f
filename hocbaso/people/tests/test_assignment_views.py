from __future__ import annotations

import pytest
from django.test import Client

from hocbaso.audit.models import AuditEvent
from hocbaso.people.models import HomeroomAssignment, TeachingAssignment

pytestmark = pytest.mark.django_db


def _client(world, persona: str) -> Client:
    client = Client()
    client.force_login(world.user(persona))
    return client


def test_the_principal_moves_a_subject_and_the_old_teacher_loses_the_class_at_once(world) -> None:
    # given the subject teacher of 5B (tin_hoc) can open 5B
    old = _client(world, "subject_teacher_5b")
    assert old.get(f"/lop/{world.class_5b.pk}/").status_code == 200
    new_teacher = world.user("homeroom_4a")
    # when the principal gives tin_hoc of 5B to the homeroom teacher of 4A
    response = _client(world, "principal").post(
        f"/lop/{world.class_5b.pk}/phan-cong/", {"subject_tin_hoc": str(new_teacher.pk)}
    )
    # then the old assignment ended, the new one started, both audited, and access follows
    assert response.status_code == 302
    active = TeachingAssignment.objects.active().get(
        class_group=world.class_5b, subject_code="tin_hoc"
    )
    assert active.user_id == new_teacher.pk
    assert old.get(f"/lop/{world.class_5b.pk}/").status_code == 404
    assert _client(world, "homeroom_4a").get(f"/lop/{world.class_5b.pk}/").status_code == 200
    actions = list(
        AuditEvent.objects.filter(
            action__startswith="assignment.", subject_id=str(world.class_5b.pk)
        )
        .order_by("chain", "seq")
        .values_list("action", flat=True)
    )
    assert actions[-2:] == ["assignment.teaching_ended", "assignment.teaching_assigned"]


def test_a_teacher_from_another_school_cannot_be_assigned(world) -> None:
    # given the other school's principal, who is not staff of this school
    outsider = world.user("other_principal")
    before = AuditEvent.objects.count()
    # when the principal tries to make them homeroom teacher of 4A
    client = _client(world, "principal")
    response = client.post(
        f"/lop/{world.class_4a.pk}/phan-cong/", {"homeroom": str(outsider.pk)}, follow=True
    )
    # then a Vietnamese error, and nothing changed
    assert "Giáo viên được chọn không thuộc trường." in response.content.decode()
    assert HomeroomAssignment.objects.active().get(class_group=world.class_4a).user == world.user(
        "homeroom_4a"
    )
    assert AuditEvent.objects.count() == before


def test_a_failed_change_in_one_subject_rolls_back_the_whole_class_form(world) -> None:
    # given a form that changes the homeroom teacher and names a non-number for a subject
    client = _client(world, "principal")
    response = client.post(
        f"/lop/{world.class_4a.pk}/phan-cong/",
        {"homeroom": str(world.user("vice_principal").pk), "subject_toan": "abc"},
        follow=True,
    )
    # then nothing of it is applied
    assert "Giáo viên được chọn không hợp lệ." in response.content.decode()
    assert HomeroomAssignment.objects.active().get(class_group=world.class_4a).user == world.user(
        "homeroom_4a"
    )


def test_the_assignment_screen_lists_the_grade_subjects(world) -> None:
    body = _client(world, "principal").get(f"/truong/{world.school.pk}/phan-cong/").content.decode()
    assert "Lịch sử và Địa lí" in body  # grade 4 and 5 study it
    assert "Tự nhiên và Xã hội" not in body  # grades 1–3 only; this school has 4A and 5B

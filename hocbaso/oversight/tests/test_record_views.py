"""The record pages: the Quy chế upload form, the training list and attendance, the entry."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from hocbaso.oversight.models import SchoolRegulation, TrainingAttendance, TrainingSession
from hocbaso.people.tests.world import World

pytestmark = pytest.mark.django_db


def _client(world: World, persona: str) -> Client:
    client = Client()
    client.force_login(world.user(persona))
    return client


def test_a_word_file_is_refused_on_the_form_in_vietnamese(world: World) -> None:
    upload = SimpleUploadedFile("quy-che.docx", b"PK\x03\x04", "application/msword")
    response = _client(world, "principal").post(
        f"/truong/{world.school.pk}/quy-che/",
        {"title": "Quy chế", "adopted_on": "01/09/2026", "file": upload},
    )
    assert response.status_code == 200
    assert "Quy chế phải là tệp PDF." in response.content.decode()
    assert SchoolRegulation.objects.count() == 0


def test_the_principal_uploads_and_downloads_the_quy_che(world: World) -> None:
    client = _client(world, "principal")
    upload = SimpleUploadedFile("quy-che.pdf", b"%PDF-1.4 qc", "application/pdf")
    response = client.post(
        f"/truong/{world.school.pk}/quy-che/",
        {"title": "Quy chế", "adopted_on": "01/09/2026", "file": upload},
    )
    row = SchoolRegulation.objects.get()
    assert response["Location"] == f"/truong/{world.school.pk}/quy-che/"
    download = client.get(f"/truong/{world.school.pk}/quy-che/{row.pk}/tai-ve/")
    assert download.content == b"%PDF-1.4 qc"


def test_the_commune_officer_records_a_session_and_ticks_attendance(world: World) -> None:
    client = _client(world, "commune_officer")
    created = client.post(
        f"/xa/{world.commune.pk}/tap-huan/", {"held_on": "15/09/2026", "topic": "Học bạ số"}
    )
    session = TrainingSession.objects.get()
    assert created["Location"] == f"/tap-huan/{session.pk}/"
    teacher = world.user("homeroom_4a")
    client.post(f"/tap-huan/{session.pk}/", {"attended": [str(teacher.pk)]})
    marked = dict(TrainingAttendance.objects.values_list("user__username", "attended"))
    assert marked["homeroom_4a"] is True
    assert marked["principal"] is False
    assert len(marked) == 6  # every staff member of the commune's one school


@pytest.mark.parametrize(
    ("persona", "location"),
    [
        ("province_officer", "/so/{province}/dieu-hanh/"),
        ("commune_officer", "/xa/{commune}/dieu-hanh/"),
        ("principal", "/truong/{school}/dieu-hanh/"),
    ],
)
def test_the_entry_goes_to_the_only_dashboard(world: World, persona: str, location: str) -> None:
    response = _client(world, persona).get("/dieu-hanh/")
    expected = location.format(
        province=world.province.pk, commune=world.commune.pk, school=world.school.pk
    )
    assert response["Location"] == expected


def test_a_teacher_has_no_dashboard(world: World) -> None:
    response = _client(world, "homeroom_4a").get("/dieu-hanh/")
    assert response.status_code == 200
    assert response.context["links"] == []

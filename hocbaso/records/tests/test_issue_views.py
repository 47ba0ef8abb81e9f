"""The staff screens of issue 5: the class page (snapshot, verify, the homeroom teacher's
batch), the school page (the principal's batch, the seal), the batch page and its progress
endpoint, downloads of the sealed page and its issuance log."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.test import Client

from hocbaso.audit.models import AuditEvent
from hocbaso.people.models import Student
from hocbaso.people.tests.world import World
from hocbaso.records.models import RecordAccess, RecordPage, SigningBatch
from hocbaso.records.signing_access import VICE_PRINCIPAL_TITLE
from hocbaso.records.signing_chain import current_file, current_pdf
from hocbaso.records.tests.chain_world import Signers, give_signers, verified_pages

State = RecordPage.State
PIN = "123456"
IMMEDIATE = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
        "QUEUES": ["default", "signing"],
    }
}
DUMMY = {
    "default": {
        "BACKEND": "django_tasks.backends.dummy.DummyBackend",
        "QUEUES": ["default", "signing"],
    }
}


@pytest.fixture
def signers(ready: World, demo_authority: Any, settings: Any) -> Signers:
    settings.TASKS = IMMEDIATE
    return give_signers(ready, demo_authority)


def _as(world: World, persona: str) -> Client:
    client = Client()
    client.force_login(world.user(persona))
    return client


def _messages(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def _page(world: World) -> RecordPage:
    return RecordPage.objects.get(student=world.pupil_a, class_group=world.class_4a)


def _chain_to_sealed(world: World) -> RecordPage:
    """Through the screens: snapshot, verify and batch by the homeroom teacher, then the
    principal's batch and the seal."""
    teacher = _as(world, "homeroom_4a")
    base = f"/lop/{world.class_4a.pk}/hoc-ba/"
    teacher.post(f"{base}lap-ban-chot/")
    teacher.post(f"{base}xac-nhan/")
    teacher.post(f"{base}ki-so/", {"pin": PIN})
    principal = _as(world, "principal")
    school = f"/truong/{world.school.pk}/hoc-ba/"
    principal.post(f"{school}ki-so/", {"pin": PIN, "title": "Hiệu trưởng"})
    principal.post(f"{school}dong-dau/", {"pin": PIN})
    return _page(world)


def test_homeroom_teacher_snapshots_verifies_and_batch_signs_the_class(
    ready: World, signers: Signers
) -> None:
    teacher = _as(ready, "homeroom_4a")
    base = f"/lop/{ready.class_4a.pk}/hoc-ba/"
    # given the class page before anything: pupil A is ready, nothing blocks
    body = teacher.get(base).content.decode()
    assert "Học bạ số lớp 4A" in body
    assert "Sẵn sàng lập bản chốt" in body
    # when the teacher makes the snapshots
    response = teacher.post(f"{base}lap-ban-chot/", follow=True)
    assert "Đã lập bản chốt cho 1 học sinh." in _messages(response)
    assert _page(ready).state == State.DRAFT
    # and confirms the data
    response = teacher.post(f"{base}xac-nhan/", follow=True)
    assert "Đã xác nhận dữ liệu 1 trang học bạ." in _messages(response)
    assert _page(ready).state == State.VERIFIED
    # and signs the class with the PIN
    response = teacher.post(f"{base}ki-so/", {"pin": PIN})
    batch = SigningBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/ki-so/dot/{batch.pk}/"
    # then the batch ran (immediate backend) and the page carries the homeroom signature
    page = _page(ready)
    assert page.state == State.SIGNED_BY_HOMEROOM
    found = current_file(page)
    assert found is not None
    assert found.step == "homeroom"
    body = teacher.get(f"/ki-so/dot/{batch.pk}/").content.decode()
    assert 'data-percent="100"' in body
    assert "hx-trigger" not in body  # finished: the bar stops polling
    # and the class page shows the new state
    assert "Giáo viên chủ nhiệm đã ký" in teacher.get(base).content.decode()


def test_a_wrong_pin_shows_the_error_and_queues_nothing(ready: World, signers: Signers) -> None:
    verified_pages(ready, 2)
    teacher = _as(ready, "homeroom_4a")
    response = teacher.post(
        f"/lop/{ready.class_4a.pk}/hoc-ba/ki-so/", {"pin": "999999"}, follow=True
    )
    assert response.redirect_chain[-1][0] == f"/lop/{ready.class_4a.pk}/hoc-ba/"
    assert any("PIN" in m for m in _messages(response)), _messages(response)
    assert not SigningBatch.objects.exists()
    assert not AuditEvent.objects.filter(action="signing.batch_started").exists()
    assert set(RecordPage.objects.values_list("state", flat=True)) == {State.VERIFIED}


def test_a_teacher_of_another_class_gets_404_and_no_data(ready: World, signers: Signers) -> None:
    page = _chain_to_sealed(ready)
    assert page.state == State.SEALED
    other = _as(ready, "subject_teacher_5b")
    for url in (
        f"/lop/{ready.class_4a.pk}/hoc-ba/",
        f"/hoc-ba/trang/{page.pk}/tai-ve.pdf",
        f"/hoc-ba/trang/{page.pk}/nhat-ki/",
    ):
        response = other.get(url)
        assert response.status_code == 404, url
        assert ready.pupil_a.full_name not in response.content.decode()
    response = other.post(f"/lop/{ready.class_4a.pk}/hoc-ba/ki-so/", {"pin": PIN})
    assert response.status_code == 404
    # the group head sees the class but not this page: 403, no pupil data either
    response = _as(ready, "group_head").get(f"/lop/{ready.class_4a.pk}/hoc-ba/")
    assert response.status_code == 403
    assert ready.pupil_a.full_name not in response.content.decode()
    assert list(RecordAccess.objects.values_list("kind", flat=True)) == ["issue"]


def test_principal_signs_and_seals_and_each_download_is_logged(
    ready: World, signers: Signers
) -> None:
    page = _chain_to_sealed(ready)
    # given the sealed page
    assert page.state == State.SEALED
    assert AuditEvent.objects.filter(action="signing.batch_finished").count() == 3
    pdf = current_pdf(page)
    assert pdf is not None
    # when the homeroom teacher downloads it, prints it and extracts the XML
    teacher = _as(ready, "homeroom_4a")
    body = teacher.get(f"/lop/{ready.class_4a.pk}/hoc-ba/").content.decode()
    assert "Tải học bạ (PDF)" in body
    response = teacher.get(f"/hoc-ba/trang/{page.pk}/tai-ve.pdf")
    assert response.status_code == 200
    assert response.content == pdf
    assert response["Content-Disposition"].startswith("attachment;")
    assert teacher.get(f"/hoc-ba/trang/{page.pk}/in.pdf")["Content-Disposition"].startswith(
        "inline;"
    )
    xml = teacher.get(
        f"/hoc-ba/trang/{page.pk}/du-lieu.xml", {"purpose": "Chuyển trường", "recipient": "TH X"}
    ).content
    assert xml == bytes(page.xml)
    # then each is a log row (who, which version, the served file's hash) and an audit event
    issued, *rows = list(RecordAccess.objects.order_by("pk"))
    # (the seal issued the page: the log's first row, by the principal who applied it)
    assert (issued.kind, issued.actor, issued.version) == ("issue", ready.user("principal"), 1)
    assert issued.sha256 == hashlib.sha256(pdf).hexdigest()
    assert [r.kind for r in rows] == ["download", "print", "extract"]
    assert {r.actor for r in rows} == {ready.user("homeroom_4a")}
    assert {r.version for r in rows} == {page.version}
    assert rows[0].sha256 == hashlib.sha256(pdf).hexdigest()
    assert rows[2].sha256 == page.sha256
    assert (rows[2].purpose, rows[2].recipient) == ("Chuyển trường", "TH X")
    events = AuditEvent.objects.filter(subject_id=str(page.pk), action__in=[
        "record.downloaded", "record.printed", "record.extracted",
    ]).order_by("seq")  # fmt: skip
    assert [e.action for e in events] == [
        "record.downloaded",
        "record.printed",
        "record.extracted",
    ]
    assert events[0].data["new"]["file"] == rows[0].sha256
    # and the principal reads the record's log
    body = _as(ready, "principal").get(f"/hoc-ba/trang/{page.pk}/nhat-ki/").content.decode()
    assert body.count('data-kind="download"') == 1
    assert body.count('data-kind="issue"') == 1
    assert "Persona homeroom_4a" in body
    # and the school page counts the class's pages by state (one sealed)
    school = _as(ready, "principal").get(f"/truong/{ready.school.pk}/hoc-ba/")
    (row,) = [r for r in school.context["rows"] if r.class_group == ready.class_4a]
    assert (row.pupils, row.by_state) == (1, [0, 0, 0, 0, 1, 0])
    # but the homeroom teacher does not read the log
    assert teacher.get(f"/hoc-ba/trang/{page.pk}/nhat-ki/").status_code == 403


def test_a_page_not_yet_sealed_is_not_served(ready: World, signers: Signers) -> None:
    (page,) = verified_pages(ready, 1)
    response = _as(ready, "principal").get(f"/hoc-ba/trang/{page.pk}/tai-ve.pdf")
    assert response.status_code == 409
    assert "chưa được phát hành" in response.content.decode()
    assert not RecordAccess.objects.exists()
    assert not AuditEvent.objects.filter(action="record.downloaded").exists()


def test_a_vice_principal_signs_with_the_kt_title(ready: World, signers: Signers) -> None:
    pages = verified_pages(ready, 2)
    _as(ready, "homeroom_4a").post(f"/lop/{ready.class_4a.pk}/hoc-ba/ki-so/", {"pin": PIN})
    vice = _as(ready, "vice_principal")
    school = f"/truong/{ready.school.pk}/hoc-ba/"
    body = vice.get(school).content.decode()
    assert f'<option value="{VICE_PRINCIPAL_TITLE}">' in body
    assert "Đóng dấu nhà trường" not in body  # the seal is the principal's or the admin's
    # a title that is not theirs is refused, nothing queued
    response = vice.post(f"{school}ki-so/", {"pin": PIN, "title": "Hiệu trưởng"}, follow=True)
    assert any("không đúng với vai trò" in m for m in _messages(response))
    assert SigningBatch.objects.filter(role="principal").count() == 0
    vice.post(f"{school}ki-so/", {"pin": PIN, "title": VICE_PRINCIPAL_TITLE})
    batch = SigningBatch.objects.get(role="principal")
    assert (batch.title, batch.done) == (VICE_PRINCIPAL_TITLE, 2)
    assert {p.state for p in RecordPage.objects.filter(pk__in=[p.pk for p in pages])} == {
        State.SIGNED_BY_PRINCIPAL
    }
    assert vice.post(f"{school}dong-dau/", {"pin": PIN}).status_code == 403


def test_progress_endpoint_reports_counts_and_failures(ready: World, signers: Signers) -> None:
    verified_pages(ready, 2)
    # given pupil A's personal ID removed after verification: the page now fails to sign
    Student.objects.filter(pk=ready.pupil_a.pk).update(personal_id="")
    teacher = _as(ready, "homeroom_4a")
    teacher.post(f"/lop/{ready.class_4a.pk}/hoc-ba/ki-so/", {"pin": PIN})
    batch = SigningBatch.objects.get()
    data = teacher.get(f"/ki-so/dot/{batch.pk}/tien-do/").json()
    assert {k: data[k] for k in ("status", "total", "done", "failed", "skipped")} == {
        "status": "finished",
        "total": 2,
        "done": 0,
        "failed": 2,
        "skipped": 0,
    }
    assert data["percent"] == 100
    assert data["finished"] is True
    assert "số định danh cá nhân" in data["failures"][0]["error"]
    body = teacher.get(f"/ki-so/dot/{batch.pk}/").content.decode()
    assert "Các trang không kí được" in body
    assert "số định danh cá nhân" in body


def test_a_queued_batch_keeps_polling(ready: World, signers: Signers, settings: Any) -> None:
    settings.TASKS = DUMMY  # nothing runs the batch
    verified_pages(ready, 3)
    teacher = _as(ready, "homeroom_4a")
    teacher.post(f"/lop/{ready.class_4a.pk}/hoc-ba/ki-so/", {"pin": PIN})
    batch = SigningBatch.objects.get()
    data = teacher.get(f"/ki-so/dot/{batch.pk}/tien-do/").json()
    assert (data["status"], data["pending"], data["percent"], data["finished"]) == (
        "queued",
        3,
        0,
        False,
    )
    partial = teacher.get(f"/ki-so/dot/{batch.pk}/tien-do/", HTTP_HX_REQUEST="true")
    text = partial.content.decode()
    assert 'hx-trigger="every 1s"' in text
    assert "<html" not in text
    # the principal of another school sees nothing of it
    assert _as(ready, "other_principal").get(f"/ki-so/dot/{batch.pk}/").status_code == 404

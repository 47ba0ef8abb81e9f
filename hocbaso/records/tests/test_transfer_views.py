"""The transfer screens end to end: transfer out with the PIN, download, the receiving school's
upload → dry-run report → confirm, and the received page's download."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from hocbaso.audit.models import AuditEvent
from hocbaso.people.models import Student
from hocbaso.people.tests.world import World
from hocbaso.records.models import RecordFile
from hocbaso.records.storage import read_pdf
from hocbaso.records.tests.transfer_world import (
    DESTINATION,
    PIN,
    TransferWorld,
    build_transfer_world,
)
from hocbaso.records.transfer.models import ImportedPage, TransferPackage
from hocbaso.signing.demo_store import DemoAuthority


@pytest.fixture
def tw(ready: World, demo_authority: DemoAuthority) -> TransferWorld:
    return build_transfer_world(ready, demo_authority)


def _client(world: World, persona: str) -> Client:
    client = Client()
    client.force_login(world.user(persona))
    return client


def test_a_pupil_moves_between_the_two_schools_through_the_screens(tw: TransferWorld) -> None:
    world = tw.world
    pupil = world.pupil_a
    sender = _client(world, "principal")
    # when the principal makes the package on the pupil's transfer page
    page = sender.get(f"/hoc-sinh/{pupil.pk}/chuyen-truong/")
    assert "Chuyển trường: tạo hồ sơ chuyển đi" in page.content.decode()
    made = sender.post(
        f"/hoc-sinh/{pupil.pk}/chuyen-truong/tao-ho-so/",
        {"pin": PIN, "destination": DESTINATION, "decided_on": "28/05/2027"},
    )
    assert made.status_code == 302
    package = TransferPackage.objects.get(direction="out")
    body = sender.get(f"/hoc-sinh/{pupil.pk}/chuyen-truong/").content.decode()
    assert f"/chuyen-truong/ho-so/{package.pk}/tai-ve.zip" in body
    download = sender.get(f"/chuyen-truong/ho-so/{package.pk}/tai-ve.zip")
    assert (download.status_code, download["Content-Type"]) == (200, "application/zip")
    assert AuditEvent.objects.filter(action="transfer.package_downloaded").count() == 1
    # when the receiving principal uploads it
    receiver = _client(world, "other_principal")
    url = f"/truong/{world.other_school.pk}/tiep-nhan-chuyen-den/"
    upload = SimpleUploadedFile("ho-so.zip", download.content, "application/zip")
    checked = receiver.post(url, {"file": upload, "class_group": tw.class_4a_other.pk})
    text = checked.content.decode()
    # then the dry run's report, in Vietnamese, and nothing received yet
    assert "Kết quả kiểm tra: hợp lệ (chưa ghi gì)" in text
    assert "✓ Chữ kí số trên bản kê khai" in text
    assert "Lê Minh An" in text
    assert ImportedPage.objects.count() == 0
    staged = checked.context["staged"]
    # when confirmed
    done = receiver.post(url, {"staged": staged, "class_group": tw.class_4a_other.pk})
    # then the pupil is at Phước Dân with the old page, downloadable as issued
    assert done.status_code == 302
    assert Student.objects.get(pk=pupil.pk).school_id == world.other_school.pk
    imported = ImportedPage.objects.get(student=pupil)
    history = receiver.get(f"/hoc-sinh/{pupil.pk}/chuyen-truong/").content.decode()
    assert world.school.name in history
    pdf = receiver.get(f"/hoc-ba/chuyen-den/{imported.pk}/tai-ve.pdf")
    sealed = RecordFile.objects.get(page=tw.page, step="seal")
    assert pdf.content == read_pdf(sealed.sha256)


def test_a_refused_package_shows_the_reason_and_offers_no_confirmation(world: World) -> None:
    receiver = _client(world, "other_principal")
    upload = SimpleUploadedFile("ho-so.zip", b"PK\x03\x04 broken", "application/zip")
    response = receiver.post(
        f"/truong/{world.other_school.pk}/tiep-nhan-chuyen-den/",
        {"file": upload, "class_group": world.class_1a_other.pk},
    )
    text = response.content.decode()
    assert "Không tiếp nhận được: hồ sơ không hợp lệ, không có gì thay đổi" in text
    assert "Tệp .zip bị hỏng, không đọc được." in text
    assert "staged" not in response.context
    assert ImportedPage.objects.count() == 0

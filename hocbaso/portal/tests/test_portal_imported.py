"""Pages another school issued, received when the child transferred in: a linked parent sees
them on the child's page, labelled with the issuing school, and downloads them as issued
(logged); nobody else reaches them through the portal."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.test import Client

from hocbaso.audit.models import AuditEvent
from hocbaso.people.models import Enrolment, Student
from hocbaso.people.tests.world import World
from hocbaso.records.models import RecordAccess, RecordFile, RecordPage
from hocbaso.records.storage import store_pdf
from hocbaso.records.transfer.layout import PACKAGES
from hocbaso.records.transfer.models import ImportedPage, TransferPackage

pytestmark = pytest.mark.django_db
OLD_SCHOOL = "Trường Tiểu học Cũ Xa"
PDF = b"%PDF-1.7\n%issued by the old school\n%%EOF\n"


def _received(
    world: World, student: Student, *, code: str = "HB-CU-1", local: RecordPage | None = None
) -> int:
    """A page of ``student`` received from another school (rows made directly: the transfer in
    itself is tested in records)."""
    data = b"PK\x03\x04 package"
    package = TransferPackage.objects.create(
        direction="in", student=student, school=world.school,
        enrolment=Enrolment.objects.filter(student=student).earliest("pk"),
        source_school_code="TH-CU", source_school_name=OLD_SCHOOL, destination=world.school.name,
        decided_on=dt.date(2026, 8, 20), sha256=PACKAGES.store(data + code.encode()),
        size=len(data), manifest_sha256="0" * 64, seal_fingerprint="0" * 64, pages=1,
    )  # fmt: skip
    return ImportedPage.objects.create(
        package=package, student=student, record_code=code, version=1,
        issuing_school_code="TH-CU", issuing_school_name=OLD_SCHOOL, school_year="2025-2026",
        grade=3, class_name="3C", issued_on=dt.date(2026, 5, 28), xml=b"<hocba/>",
        xml_sha256="0" * 64, pdf_sha256=store_pdf(PDF), pdf_size=len(PDF), local_page=local,
    ).pk  # fmt: skip


def _client(world: World, persona: str) -> Client:
    client = Client()
    client.force_login(world.user(persona))
    return client


def _url(student_id: int, page_id: int) -> str:
    return f"/phu-huynh/con/{student_id}/hoc-ba/chuyen-den/{page_id}.pdf"


def test_a_linked_parent_sees_and_downloads_the_pages_of_the_old_school(world: World) -> None:
    # given a page of pupil A issued by the school the child came from
    page_id = _received(world, world.pupil_a)
    parent = world.user("parent_a")
    client = _client(world, "parent_a")
    # when the parent opens the child's page
    child = client.get(f"/phu-huynh/con/{world.pupil_a.pk}/").content.decode()
    # then it is listed, read-only, labelled with the school that issued it
    assert _url(world.pupil_a.pk, page_id) in child
    assert f"do {OLD_SCHOOL} phát hành" in child
    assert "Học bạ do trường cũ phát hành" in child
    assert "Chưa có trang học bạ nào được phát hành." not in child
    # and the download is the file as issued, logged before it is served
    response = client.get(_url(world.pupil_a.pk, page_id))
    assert response.status_code == 200
    assert response.content == PDF
    assert response["Content-Disposition"] == 'attachment; filename="HB-CU-1-v1.pdf"'
    assert response["X-Record-Sha256"] == hashlib.sha256(PDF).hexdigest()
    event = AuditEvent.objects.get(action="transfer.imported_page_downloaded")
    assert event.actor_id == parent.pk
    assert event.data["new"]["issued_by"] == OLD_SCHOOL
    # nothing writes through this route
    assert client.post(_url(world.pupil_a.pk, page_id)).status_code == 405


def test_nobody_else_reaches_a_received_page_through_the_portal(world: World) -> None:
    page_id = _received(world, world.pupil_a)
    other_page = _received(world, world.pupil_5b, code="HB-CU-2")
    missing = (Student.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000
    # a parent not linked to pupil A: the same 404 as for a missing child, nothing listed
    stranger = _client(world, "parent_b")
    hidden = stranger.get(_url(world.pupil_a.pk, page_id))
    gone = stranger.get(_url(missing, page_id))
    assert hidden.status_code == gone.status_code == 404
    assert hidden.content == gone.content
    # parent A with another child's received page under their own child's id: 404
    own = _client(world, "parent_a")
    assert own.get(_url(world.pupil_a.pk, other_page)).status_code == 404
    assert (
        f"chuyen-den/{other_page}.pdf"
        not in own.get(f"/phu-huynh/con/{world.pupil_a.pk}/").content.decode()
    )
    # staff use their own route, not the portal's
    assert _client(world, "principal").get(_url(world.pupil_a.pk, page_id)).status_code == 404
    assert not AuditEvent.objects.filter(action="transfer.imported_page_downloaded").exists()


def test_a_received_page_linked_to_the_register_is_read_as_the_register_s_page(
    world: World,
) -> None:
    # given a page the child's earlier school in this installation issued (linked on receipt)
    xml = b"<hocba/>"
    local = RecordPage.objects.create(
        record_code="HB-LOCAL", student=world.pupil_a, class_group=world.class_1a_other, version=1,
        state="sealed", xml=xml, sha256=hashlib.sha256(xml).hexdigest(),
    )  # fmt: skip
    RecordFile.objects.create(page=local, step="seal", sha256=store_pdf(PDF), size=len(PDF))
    linked = _received(world, world.pupil_a, code="HB-LOCAL", local=local)
    client = _client(world, "parent_a")
    child = client.get(f"/phu-huynh/con/{world.pupil_a.pk}/").content.decode()
    # then it is listed once, as an issued page of the register, not as a received copy
    assert f"/hoc-ba/{local.pk}.pdf" in child
    assert f"do {world.other_school.name} phát hành" in child  # labelled with its school
    assert f"chuyen-den/{linked}.pdf" not in child
    assert client.get(_url(world.pupil_a.pk, linked)).status_code == 404
    assert client.get(f"/phu-huynh/con/{world.pupil_a.pk}/hoc-ba/{local.pk}.pdf").status_code == 200
    assert RecordAccess.objects.filter(page=local).count() == 1

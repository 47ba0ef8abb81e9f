"""Transfer out of Đô Vinh, transfer in at Phước Dân: one signed package, verified, applied."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from hocbaso.audit.actors import SEED
from hocbaso.audit.log import chain_for_school
from hocbaso.audit.models import AuditEvent
from hocbaso.org import actions as org_actions
from hocbaso.org.models import School
from hocbaso.people.actions.enrolments import enrol_student
from hocbaso.people.errors import ActionError
from hocbaso.people.models import Enrolment, Student
from hocbaso.people.tests.world import World
from hocbaso.records.models import RecordAccess, RecordFile, RecordPage
from hocbaso.records.storage import read_pdf
from hocbaso.records.tests.conftest import PUPIL_A_PERSONAL_ID
from hocbaso.records.tests.transfer_world import (
    DESTINATION,
    PIN,
    TransferWorld,
    build_transfer_world,
)
from hocbaso.records.transfer import layout
from hocbaso.records.transfer.export import export_transfer_package
from hocbaso.records.transfer.models import ImportedPage, TransferPackage
from hocbaso.records.transfer.receive import import_transfer_package
from hocbaso.signing.demo_store import DemoAuthority


@pytest.fixture
def tw(ready: World, demo_authority: DemoAuthority) -> TransferWorld:
    return build_transfer_world(ready, demo_authority)


def _export(tw: TransferWorld) -> TransferPackage:
    world = tw.world
    return export_transfer_package(
        world.pupil_a, acting_user=world.user("principal"), pin=PIN, destination=DESTINATION
    )


def test_the_package_has_the_fixed_layout_and_records_the_transfer_out(tw: TransferWorld) -> None:
    # when
    package = _export(tw)
    # then
    data = layout.PACKAGES.read(package.sha256)
    code = tw.page.record_code
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
        sealed = RecordFile.objects.get(page=tw.page, step="seal")
        pdf = archive.read(f"records/{code}-v1.pdf")
        xml = archive.read(f"records/{code}-v1.xml")
    assert [i.filename for i in infos] == [
        "manifest.json", "manifest.json.p7s", "profile.json",
        f"records/{code}-v1.pdf", f"records/{code}-v1.xml",
    ]  # fmt: skip
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert hashlib.sha256(pdf).hexdigest() == sealed.sha256
    assert xml == bytes(tw.page.xml)
    enrolment = Enrolment.objects.get(student=tw.world.pupil_a, class_group=tw.world.class_4a)
    assert (enrolment.transfer_out_on is not None, enrolment.transfer_out_to) == (True, DESTINATION)
    issued = RecordAccess.objects.get(page=tw.page, kind="issue", recipient=DESTINATION)
    assert (issued.purpose, issued.sha256) == ("Hồ sơ chuyển trường", sealed.sha256)
    assert (package.direction, package.pages) == ("out", 1)
    assert AuditEvent.objects.filter(action="transfer.package_created").count() == 1


def test_a_wrong_pin_or_a_teacher_makes_no_package(tw: TransferWorld) -> None:
    world = tw.world
    events = AuditEvent.objects.count()
    for persona, pin, reason in (
        ("principal", "999999", "Mã PIN không đúng hoặc tệp khóa bị hỏng."),
        ("homeroom_4a", PIN, "Chỉ Hiệu trưởng hoặc Phó hiệu trưởng được lập hồ sơ chuyển trường."),
    ):
        with pytest.raises(ActionError) as refused:
            export_transfer_package(
                world.pupil_a, acting_user=world.user(persona), pin=pin, destination=DESTINATION
            )
        assert refused.value.messages == [reason]
    assert TransferPackage.objects.count() == 0
    assert AuditEvent.objects.count() == events
    enrolment = Enrolment.objects.get(class_group=world.class_4a, student=world.pupil_a)
    assert enrolment.transfer_out_on is None


def test_the_receiving_school_verifies_then_receives_the_pupil(tw: TransferWorld) -> None:
    # given the package made at Đô Vinh
    world = tw.world
    data = layout.PACKAGES.read(_export(tw).sha256)
    receiver = world.user("other_principal")
    events = AuditEvent.objects.count()
    # when the dry run
    dry = import_transfer_package(
        data, school=world.other_school, class_group=tw.class_4a_other, acting_user=receiver,
        dry_run=True,
    )  # fmt: skip
    # then everything checked, nothing written
    assert dry.report.ok, dry.report.problems
    assert [c.ok for c in dry.report.checks] == [True] * len(dry.report.checks)
    assert dry.report.match is not None
    assert dry.report.match.mode == "move"
    assert (dry.report.signer["common_name"], dry.report.signer["timestamped"]) == (
        world.school.name, True,
    )  # fmt: skip
    assert [c.label for c in dry.report.checks] == [
        "Tệp hồ sơ an toàn, đúng cấu trúc", "Bản kê khai", "Chữ kí số trên bản kê khai",
        "Con dấu của trường chuyển đi", "Các tệp khớp mã băm trong bản kê khai",
        "Hồ sơ cá nhân của học sinh",
        f"Trang học bạ {tw.page.record_code} v1 ({world.school.name})", "Tiếp nhận tại trường",
    ]  # fmt: skip
    assert AuditEvent.objects.count() == events
    assert TransferPackage.objects.filter(direction="in").count() == 0
    # when applied
    result = import_transfer_package(
        data, school=world.other_school, class_group=tw.class_4a_other, acting_user=receiver,
        dry_run=False,
    )  # fmt: skip
    # then the pupil moved, with the old page linked, not copied
    pupil = Student.objects.get(pk=world.pupil_a.pk)
    assert pupil.school_id == world.other_school.pk
    enrolment = Enrolment.objects.get(student=pupil, class_group=tw.class_4a_other)
    assert (enrolment.transfer_in_from, enrolment.transfer_in_on is not None) == (
        world.school.name, True,
    )  # fmt: skip
    imported = ImportedPage.objects.get(student=pupil)
    assert (imported.local_page_id, imported.issuing_school_name) == (tw.page.pk, world.school.name)
    assert imported.pdf_sha256 == RecordFile.objects.get(page=tw.page, step="seal").sha256
    assert result.package is not None
    assert result.package.sha256 == hashlib.sha256(data).hexdigest()
    assert list(
        AuditEvent.objects.filter(pk__gt=0).order_by("-pk").values_list("action", flat=True)[:3]
    ) == ["transfer.received", "student.enrolled", "student.transferred_in"]
    moved = AuditEvent.objects.get(action="student.transferred_in")
    assert (moved.subject_id, moved.chain) == (
        str(pupil.pk), chain_for_school(world.other_school.pk),
    )  # fmt: skip


def test_a_package_from_another_installation_creates_the_pupil_and_keeps_the_pages(
    tw: TransferWorld,
) -> None:
    # given a package of pupil A, received where neither the pupil, the old school nor the
    # record is known (simulated: the rows this installation holds are renamed away)
    world = tw.world
    data = layout.PACKAGES.read(_export(tw).sha256)
    sealed = RecordFile.objects.get(page=tw.page, step="seal")
    Student.objects.filter(pk=world.pupil_a.pk).update(personal_id=None)
    School.objects.filter(pk=world.school.pk).update(code="TH-XA")
    RecordPage.objects.filter(pk=tw.page.pk).update(record_code="HB-DI-CHUYEN")
    # when
    result = import_transfer_package(
        data, school=world.other_school, class_group=tw.class_4a_other,
        acting_user=world.user("other_principal"), dry_run=False,
    )  # fmt: skip
    # then a new pupil at Phước Dân, with the page stored byte-identical and unlinked
    assert result.report.match is not None
    assert result.report.match.mode == "create"
    pupil = result.student
    assert pupil is not None
    assert pupil.pk != world.pupil_a.pk
    assert (pupil.school_id, pupil.full_name, pupil.personal_id) == (
        world.other_school.pk, "Lê Minh An", PUPIL_A_PERSONAL_ID,
    )  # fmt: skip
    imported = ImportedPage.objects.get(student=pupil)
    assert (imported.local_page_id, imported.pdf_sha256) == (None, sealed.sha256)
    assert read_pdf(imported.pdf_sha256) == read_pdf(sealed.sha256)
    assert bytes(imported.xml) == bytes(tw.page.xml)
    # and the people events of its creation and enrolment at Phước Dân, before the receipt
    events = AuditEvent.objects.filter(subject_type="people.student", subject_id=str(pupil.pk))
    assert list(events.order_by("pk").values_list("action", "chain")) == [
        ("student.created", chain_for_school(world.other_school.pk)),
        ("student.enrolled", chain_for_school(world.other_school.pk)),
        ("transfer.received", chain_for_school(world.other_school.pk)),
    ]
    created = events.get(action="student.created")
    assert (created.data["transfer_in_from"], created.data["class"]) == (
        world.school.name, tw.class_4a_other.name,
    )  # fmt: skip


def test_a_pupil_still_enrolled_at_the_old_school_is_not_received(tw: TransferWorld) -> None:
    # given a package, but the old school's enrolment reopened (no transfer out recorded)
    world = tw.world
    data = layout.PACKAGES.read(_export(tw).sha256)
    Enrolment.objects.filter(student=world.pupil_a).update(transfer_out_on=None)
    # when
    report = import_transfer_package(
        data, school=world.other_school, class_group=tw.class_4a_other,
        acting_user=world.user("other_principal"), dry_run=True,
    ).report  # fmt: skip
    # then
    assert report.ok is False
    assert report.problems == ["Trường chuyển đi chưa ghi nhận học sinh chuyển đi."]


def test_the_command_prints_the_report_and_exits_by_the_verdict(
    tw: TransferWorld, tmp_path: Path
) -> None:
    # given the package on disk, and a copy with a byte changed
    good = tmp_path / "ho-so.zip"
    good.write_bytes(layout.PACKAGES.read(_export(tw).sha256))
    bad = tmp_path / "hong.zip"
    bad.write_bytes(good.read_bytes()[:-30] + b"\x00" * 30)
    out = io.StringIO()
    # when
    call_command("transfer_package", "verify", str(good), "--school", "TH-PD", stdout=out)
    with pytest.raises(CommandError) as failed:
        call_command("transfer_package", "verify", str(bad), stdout=io.StringIO())
    # then
    report = json.loads(out.getvalue())
    assert report["ok"] is True
    assert report["source_school"]["code"] == "TH-DV"
    assert [p["ok"] for p in report["pages"]] == [True]
    assert failed.value.returncode == 1


# ---- a pupil with last year's enrolment at the old school (one enrolment per school year) -----


def _give_last_year(world: World) -> Enrolment:
    """Pupil A was in 3A at Đô Vinh in 2025-2026 before 4A: that enrolment was never closed
    (a new year's class is a new enrolment; nothing ends the old one)."""
    last_year = org_actions.create_school_year(
        province=world.province, start_year=2025, acting_user=SEED
    )
    class_3a = org_actions.create_class(
        school=world.school, school_year=last_year, grade=3, name="3A", acting_user=SEED
    )
    return enrol_student(
        world.pupil_a.pk, class_3a.pk, enrolled_on=dt.date(2025, 9, 5), acting_user=SEED
    )


def test_a_pupil_promoted_from_last_year_moves_once_this_years_class_is_left(
    tw: TransferWorld,
) -> None:
    # given pupil A of 3A last year, now of 4A, transferred out of 4A by the package
    world = tw.world
    last_year = _give_last_year(world)
    data = layout.PACKAGES.read(_export(tw).sha256)
    # when Phước Dân receives the package
    result = import_transfer_package(
        data, school=world.other_school, class_group=tw.class_4a_other,
        acting_user=world.user("other_principal"), dry_run=False,
    )  # fmt: skip
    # then the pupil moved; last year's enrolment is left as it was (history, not "current")
    assert result.report.match is not None
    assert result.report.match.mode == "move"
    assert Student.objects.get(pk=world.pupil_a.pk).school_id == world.other_school.pk
    assert Enrolment.objects.get(pk=last_year.pk).transfer_out_on is None


def test_a_second_package_is_refused_once_the_pupil_left_this_years_class(
    tw: TransferWorld,
) -> None:
    # given pupil A of 3A last year, 4A this year, already transferred out of 4A
    world = tw.world
    last_year = _give_last_year(world)
    _export(tw)
    # when the principal makes a package again
    with pytest.raises(ActionError) as refused:
        _export(tw)
    # then refused: last year's class is not where the pupil studies now
    assert refused.value.messages == [
        "Học sinh không còn đang học tại trường: không lập được hồ sơ chuyển đi."
    ]
    assert TransferPackage.objects.filter(direction="out").count() == 1
    assert Enrolment.objects.get(pk=last_year.pk).transfer_out_on is None


def test_a_pupil_who_left_and_comes_back_is_returning_despite_last_years_class(
    tw: TransferWorld,
) -> None:
    # given pupil A (3A last year, 4A this year) transferred out of Đô Vinh, coming back with
    # a package from another installation (simulated: the package's school code is unknown)
    world = tw.world
    _give_last_year(world)
    data = layout.PACKAGES.read(_export(tw).sha256)
    School.objects.filter(pk=world.school.pk).update(code="TH-DV-MOI")
    RecordPage.objects.filter(pk=tw.page.pk).update(record_code="HB-DI-CHUYEN")
    # when Đô Vinh verifies it
    report = import_transfer_package(
        data, school=world.school, class_group=world.class_5b,
        acting_user=world.user("principal"), dry_run=True,
    ).report  # fmt: skip
    # then the pupil is returning, not "still studying here"
    assert report.match is not None
    assert (report.match.problems, report.match.mode) == ([], "returning")


def test_a_pupil_who_left_comes_back_to_the_same_class_by_a_package(tw: TransferWorld) -> None:
    # given pupil A transferred out of 4A by the package, coming back to Đô Vinh the same year
    # with a package from another installation (simulated: its school code is unknown here)
    world = tw.world
    data = layout.PACKAGES.read(_export(tw).sha256)
    left = Enrolment.objects.get(student=world.pupil_a, class_group=world.class_4a)
    School.objects.filter(pk=world.school.pk).update(code="TH-DV-MOI")
    RecordPage.objects.filter(pk=tw.page.pk).update(record_code="HB-DI-CHUYEN")
    # when Đô Vinh receives the pupil into 4A, the class the pupil left
    result = import_transfer_package(
        data, school=world.school, class_group=world.class_4a,
        acting_user=world.user("principal"), dry_run=False, enrolled_on=dt.date(2027, 1, 4),
    )  # fmt: skip
    # then the pupil is returning, with a new open enrolment in 4A; the old one kept closed
    assert result.report.match is not None
    assert result.report.match.mode == "returning"
    assert result.student is not None
    assert result.student.pk == world.pupil_a.pk
    assert result.package is not None
    rows = Enrolment.objects.filter(student=world.pupil_a, class_group=world.class_4a)
    assert list(rows.order_by("pk").values_list("pk", "transfer_out_on", "transfer_in_on")) == [
        (left.pk, left.transfer_out_on, None),
        (result.package.enrolment_id, None, dt.date(2027, 1, 4)),
    ]  # fmt: skip
    assert list(AuditEvent.objects.order_by("-pk").values_list("action", flat=True)[:2]) == [
        "transfer.received",
        "student.enrolled",
    ]

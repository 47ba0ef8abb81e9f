"""The indicators count what the plan asks: issued records, complete profiles (photo and
personal ID included), Quy chế, trained staff, valid certificates with expiry warnings, live
schools, and correction rates."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from hocbaso.audit.actors import SEED
from hocbaso.oversight import actions, boards, columns
from hocbaso.oversight.staff_table import staff_lines
from hocbaso.people.actions.photos import set_student_photo
from hocbaso.people.models import Student
from hocbaso.people.tests.world import World, sample_photo
from hocbaso.records.models import RecordPage
from hocbaso.signing.models import CertificateKind, SigningCertificate

pytestmark = pytest.mark.django_db


def _certificate(world: World, persona: str, days_left: int, fingerprint: str) -> None:
    now = timezone.now()
    SigningCertificate.objects.create(
        user=world.user(persona),
        kind=CertificateKind.PERSONAL,
        subject_cn=persona,
        subject=f"CN={persona}",
        serial=fingerprint[:8],
        issuer="CN=DEMO",
        not_before=now - dt.timedelta(days=10),
        not_after=now + dt.timedelta(days=days_left),
        fingerprint_sha256=fingerprint * 64,
        der=b"x",
    )


def test_the_school_board_counts_the_plans_indicators(world: World) -> None:
    # given pupil A with a photo and a personal ID and a sealed page, a Quy chế, a training
    # attended by the homeroom teacher, and two certificates (one expiring within 30 days)
    pupil = world.pupil_a
    Student.objects.filter(pk=pupil.pk).update(personal_id="001234567890")
    set_student_photo(pupil.pk, sample_photo((1, 2, 3)), acting_user=SEED)
    RecordPage.objects.create(
        record_code="HB-1", student=pupil, class_group=world.class_4a, version=1,
        state=RecordPage.State.SEALED, xml=b"<x/>", sha256="0" * 64,
    )  # fmt: skip
    actions.upload_regulation(
        world.school,
        title="Quy chế",
        adopted_on=dt.date(2026, 9, 1),
        data=b"%PDF-1.4",
        acting_user=world.user("principal"),
    )
    officer = world.user("commune_officer")
    session = actions.create_training_session(
        held_on=dt.date(2026, 9, 2), topic="T", commune=world.commune, acting_user=officer
    )
    actions.mark_attendance(session, {world.user("homeroom_4a").pk: True}, acting_user=officer)
    _certificate(world, "principal", 200, "a")
    _certificate(world, "homeroom_4a", 10, "b")
    # when
    board, own = boards.school_board(world.school)
    # then
    rows = {r.label: r for r in board.rows}
    a = rows["4A"]
    assert (a.pupils, a.photo, a.personal_id, a.complete, a.issued) == (1, 1, 1, 1, 1)
    assert (rows["5B"].pupils, rows["5B"].issued, rows["5B"].complete) == (1, 0, 0)
    assert (own.regulations, own.regulation) == (1, "Quy chế (01/09/2026)")
    assert own.staff == 6  # principal, vice-principal, admin, group head, two teachers
    assert (own.trained, own.certified, own.expiring) == (1, 2, 1)
    lines = {line.username: line for line in staff_lines(world.school)}
    assert lines["homeroom_4a"].code == "expiring"
    assert lines["homeroom_4a"].certificate.startswith("Sắp hết hạn (còn ")
    assert lines["principal"].code == "valid"
    assert lines["vice_principal"].certificate == "Chưa đăng kí chứng thư số"
    assert [g.label for g in board.grades] == ["4", "5"]


def test_the_province_board_adds_schools_up_by_commune(world: World) -> None:
    board = boards.province_board(world.province)
    rows = {r.label: r for r in board.rows}
    mine, other = rows[world.commune.name], rows[world.other_commune.name]
    assert (mine.schools, mine.pupils, mine.classes) == (1, 2, 2)
    assert (other.schools, other.pupils, other.grade1) == (1, 1, 1)
    assert board.total.pupils == 3
    assert board.total.live == 0  # nothing entered yet


def test_the_boards_count_pages_submitted_to_the_kho(world: World) -> None:
    # given in 4A a submitted page and a sealed page waiting for delivery (v2 of a corrected
    # record whose v1 was submitted, now superseded; counted per class, whoever's page)
    def page(code: str, version: int, state: str, pupil: Student) -> RecordPage:
        return RecordPage.objects.create(
            record_code=code, student=pupil, class_group=world.class_4a, version=version,
            state=state, xml=b"<x/>", sha256=str(version) * 64,
        )  # fmt: skip

    page("HB-A", 1, RecordPage.State.SUBMITTED, world.pupil_a)
    old = page("HB-B", 1, RecordPage.State.SUPERSEDED, world.pupil_a)
    new = page("HB-B", 2, RecordPage.State.SEALED, world.pupil_a)
    RecordPage.objects.filter(pk=new.pk).update(supersedes=old)
    # when
    board, _own = boards.school_board(world.school)
    province = boards.province_board(world.province)
    # then sealed counts both current pages, submitted only the delivered one
    a = {r.label: r for r in board.rows}["4A"]
    assert (a.sealed, a.submitted) == (2, 1)
    assert (province.total.sealed, province.total.submitted) == (2, 1)
    headers = [str(c.label) for c in columns.SCHOOL_COLUMNS]
    assert "Trang đã gửi lên Kho" in headers
    column = next(c for c in columns.SCHOOL_COLUMNS if str(c.label) == "Trang đã gửi lên Kho")
    assert column.value(a) == "1/2 (50 %)"

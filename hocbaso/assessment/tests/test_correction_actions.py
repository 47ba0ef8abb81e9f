"""Corrections after the lock (issue 4; security.md A3, ASVS 2.3.5), at the action level: the
teacher files with a biên bản, the principal approves (fresh re-authentication, never their own
request) exactly the approved cells as a new sheet version, or rejects; nothing else writes to a
locked sheet, and every refusal leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from hocbaso.assessment.actions.corrections import (
    ReauthenticationRequired,
    Upload,
    approve_correction,
    attach_bien_ban,
    current_bien_ban,
    file_correction,
    reject_correction,
    withdraw_correction,
)
from hocbaso.assessment.actions.locks import (
    LockScope,
    SheetLocked,
    lock_entry,
    lock_state,
    unlock_entry,
)
from hocbaso.assessment.actions.save_sheet import CellInput, save_sheet
from hocbaso.assessment.bien_ban_files import MSG_NOT_ACCEPTED, read_bien_ban
from hocbaso.assessment.models import (
    BienBan,
    CorrectionCell,
    CorrectionRequest,
    Entry,
    Sheet,
    SheetSave,
)
from hocbaso.audit.actors import SEED
from hocbaso.audit.models import AuditEvent
from hocbaso.people.actions.accounts import reauthenticate, reauthenticated_at
from hocbaso.people.actions.assignments import assign_teacher
from hocbaso.people.actions.students import create_student
from hocbaso.people.errors import ActionError
from hocbaso.people.models import User
from hocbaso.people.testing import enrol_second_factor, next_code
from hocbaso.people.tests.world import PASSWORD, World, pupil_values, sample_photo
from hocbaso.signing.demo_store import DemoAuthority
from hocbaso.signing.testing import give_certificate
from hocbaso.signing.trust import trust_roots
from hocbaso.signing.verify_pdf import verify_pdf

pytestmark = pytest.mark.django_db

PERIOD = "CHKI"  # open on the test calendar day (deadline 20/01/2027)


# -- helpers -------------------------------------------------------------------------------------


@pytest.fixture
def binh(world: World) -> int:
    """A second pupil of 4A."""
    return create_student(
        pupil_values("Nguyễn Văn Bình"), world.class_4a.pk, enrolled_on=dt.date(2026, 9, 5),
        acting_user=SEED,
    ).pk  # fmt: skip


def _sheet(world: World, key: str = "toan") -> Sheet:
    return Sheet.objects.get(class_group=world.class_4a, period__code=PERIOD, key=key)


def _save(world: World, cells: list[CellInput], *, key: str = "toan",
          persona: str | User = "homeroom_4a") -> None:  # fmt: skip
    user = persona if isinstance(persona, User) else world.user(persona)
    version = (
        Sheet.objects.filter(class_group=world.class_4a, period__code=PERIOD, key=key)
        .values_list("version", flat=True)
        .first()
    ) or 0
    save_sheet(
        world.class_4a.pk, PERIOD, key, cells, base_version=version,
        idempotency_key=f"save-{key}-{version}", acting_user=user,
    )  # fmt: skip


def _class_scope(world: World) -> LockScope:
    return LockScope(school_id=world.school.pk, period_code=PERIOD, class_id=world.class_4a.pk)


def _lock(world: World) -> None:
    lock_entry(_class_scope(world), reason="Hết kì", acting_user=world.user("principal"))


def _unlock(world: World) -> None:
    unlock_entry(
        _class_scope(world),
        reason="Sửa sai sót",
        acting_user=world.user("principal"),
        reauthenticated_at=timezone.now(),
    )


PIN = "123456"  # settings.SIGNING_DEMO_PIN


@pytest.fixture
def signers(world: World, demo_authority: DemoAuthority) -> World:
    """DEMO certificates (server-held keys, PIN 123456) for 4A's teacher and the principal."""
    for persona in ("homeroom_4a", "principal"):
        give_certificate(demo_authority, world.user(persona), now=timezone.now())
    return world


@pytest.fixture
def locked(signers: World, binh: int) -> World:
    """4A's maths saved (A: T 9, Bình: H 7) then the class locked; the teacher and the
    principal hold DEMO certificates."""
    world = signers
    _save(world, [CellInput(world.pupil_a.pk, "toan", "T", 9, "Giỏi"),
                  CellInput(binh, "toan", "H", 7)])  # fmt: skip
    _lock(world)
    return world


def _file(world: World, cells: list[CellInput], *, persona: str | User = "homeroom_4a",
          reason: str = "Nhập nhầm điểm", key: str = "toan",
          upload: Upload | None = None, pin: str = PIN) -> CorrectionRequest:  # fmt: skip
    """File, signing the generated biên bản with the DEMO PIN unless a scan is uploaded."""
    user = persona if isinstance(persona, User) else world.user(persona)
    return file_correction(
        world.class_4a.pk, PERIOD, key, cells, reason=reason, acting_user=user, upload=upload,
        pin="" if upload else pin,
    )  # fmt: skip


def _approve(world: World, request: CorrectionRequest, *, persona: str | User = "principal",
             at: dt.datetime | None = None, cell_ids: list[int] | None = None,
             note: str = "", pin: str = PIN) -> CorrectionRequest:  # fmt: skip
    user = persona if isinstance(persona, User) else world.user(persona)
    return approve_correction(
        request.pk, acting_user=user, reauthenticated_at=at or timezone.now(),
        cell_ids=cell_ids, note=note, pin=pin,
    )  # fmt: skip


def _current(world: World) -> dict[tuple[int, str], tuple[str, int | None, str]]:
    return {
        (e.student_id, e.code): (e.level, e.score, e.comment)
        for e in Entry.objects.current().filter(sheet__class_group=world.class_4a)
    }


Counts = tuple[int, ...]


def _counts() -> Counts:
    return (
        Entry.objects.count(),
        Entry.objects.filter(voided_at__isnull=False).count(),
        SheetSave.objects.count(),
        CorrectionRequest.objects.count(),
        CorrectionCell.objects.count(),
        BienBan.objects.count(),
        AuditEvent.objects.count(),
    )


def _state(request: CorrectionRequest) -> tuple[str, int | None, int | None]:
    request.refresh_from_db()
    return request.status, request.decided_by_id, request.applied_save_id


# -- filing --------------------------------------------------------------------------------------


def test_filing_on_an_open_sheet_is_refused(world: World, binh: int) -> None:
    _save(world, [CellInput(world.pupil_a.pk, "toan", "T", 9)])
    counts = _counts()
    with pytest.raises(ActionError) as refused:
        _file(world, [CellInput(world.pupil_a.pk, "toan", "H", 7)])
    assert refused.value.messages == [
        "Sổ đang mở: hãy sửa trực tiếp trên sổ. Đề nghị sửa chỉ dùng khi sổ đã khóa."
    ]
    assert _counts() == counts


def test_the_writer_files_with_a_generated_bien_ban(locked: World, binh: int) -> None:
    world = locked
    old_a = Entry.objects.current().get(student=world.pupil_a, code="toan")
    before = AuditEvent.objects.count()
    request = _file(world, [CellInput(world.pupil_a.pk, "toan", "H", 8, "Khá"),
                            CellInput(binh, "toan", "T", 9)], reason="  Cộng nhầm điểm  ")  # fmt: skip
    assert (request.status, request.reason, request.requested_by_id) == (
        CorrectionRequest.Status.PENDING,
        "Cộng nhầm điểm",
        world.user("homeroom_4a").pk,
    )
    assert request.school_id == world.school.pk
    cells = {c.student_id: c for c in request.cells.all()}
    assert set(cells) == {world.pupil_a.pk, binh}
    a = cells[world.pupil_a.pk]
    assert (a.old_entry_id, a.old_level, a.old_score, a.old_comment) == (old_a.pk, "T", 9, "Giỏi")
    assert (a.new_level, a.new_score, a.new_comment, a.approved) == ("H", 8, "Khá", None)
    assert cells[binh].old_entry is not None
    assert (cells[binh].old_level, cells[binh].old_score) == ("H", 7)

    bien_ban = BienBan.objects.get(request=request)
    assert (bien_ban.source, bien_ban.content_type) == (BienBan.Source.GENERATED, "application/pdf")
    data = read_bien_ban(bien_ban.sha256)
    assert data.startswith(b"%PDF-")
    assert hashlib.sha256(data).hexdigest() == bien_ban.sha256
    assert bien_ban.size == len(data)
    assert bien_ban.created_by_id == world.user("homeroom_4a").pk

    events = list(AuditEvent.objects.order_by("pk")[before:])
    assert [(e.action, e.subject_id, e.bien_ban_id) for e in events] == [
        ("correction.requested", str(request.pk), str(bien_ban.pk))
    ]
    assert events[0].data["bien_ban"]["sha256"] == bien_ban.sha256
    assert sorted((c["student"], c["old"]["score"], c["new"]["score"])
                  for c in events[0].data["cells"]) == sorted(
        [(world.pupil_a.pk, 9, 8), (binh, 7, 9)]
    )  # fmt: skip
    # filing changes no value and keeps the sheet locked
    assert _current(world)[(world.pupil_a.pk, "toan")] == ("T", 9, "Giỏi")
    assert _sheet(world).version == 1


def test_an_empty_cell_may_be_corrected(locked: World) -> None:
    world = locked
    # a pupil who joined after the maths sheet was saved: their cell has no row yet
    newcomer = create_student(
        pupil_values("Trần Mới Đến"), world.class_4a.pk, enrolled_on=dt.date(2026, 11, 1),
        acting_user=SEED,
    )  # fmt: skip
    request = _file(world, [CellInput(newcomer.pk, "toan", "H", 6)])
    cell = request.cells.get()
    assert (cell.old_entry_id, cell.old_level, cell.old_score) == (None, "", None)
    _approve(world, request)
    entry = Entry.objects.current().get(student=newcomer, code="toan")
    assert (entry.level, entry.score, entry.replaces_id) == ("H", 6, None)


@pytest.mark.parametrize(
    ("cells", "reason", "message"),
    [
        ("same", "Nhầm", "Lê Minh An — Toán: giá trị mới giống giá trị đang ghi."),
        ("none", "Nhầm", "Hãy chọn ít nhất một ô cần sửa."),
        ("ok", "   ", "Hãy ghi lí do cần sửa."),
        ("ok", "r" * 1001, "Nội dung dài quá 1000 kí tự."),
        ("bad", "Nhầm", "Lê Minh An — Toán: mức đạt được «X» không hợp lệ (chỉ nhận T, H, C)"),
    ],
)
def test_a_refused_filing_says_why_and_writes_nothing(
    locked: World, cells: str, reason: str, message: str
) -> None:
    world = locked
    pupil = world.pupil_a.pk
    given = {
        "same": [CellInput(pupil, "toan", "T", 9, "Giỏi")],
        "none": [],
        "ok": [CellInput(pupil, "toan", "H", 8)],
        "bad": [CellInput(pupil, "toan", "X", 8)],
    }[cells]
    counts = _counts()
    with pytest.raises(ActionError) as refused:
        _file(world, given, reason=reason)
    assert message in refused.value.messages[0]
    assert _counts() == counts


def test_a_second_pending_request_for_the_same_cell_is_refused(locked: World, binh: int) -> None:
    world = locked
    first = _file(world, [CellInput(world.pupil_a.pk, "toan", "H", 8)])
    counts = _counts()
    with pytest.raises(ActionError) as refused:
        _file(world, [CellInput(binh, "toan", "T", 9), CellInput(world.pupil_a.pk, "toan", "C", 4)])
    assert refused.value.messages == [
        f"Lê Minh An — Toán: đã có đề nghị số {first.pk} đang chờ duyệt."
    ]
    assert _counts() == counts
    # another cell is fine, and once the first is decided the cell is free again
    _file(world, [CellInput(binh, "toan", "T", 9)])
    withdraw_correction(first.pk, acting_user=world.user("homeroom_4a"))
    _file(world, [CellInput(world.pupil_a.pk, "toan", "C", 4)])


@pytest.mark.parametrize(
    ("persona", "error"),
    [
        ("principal", PermissionDenied),  # reads the class, writes no sheet
        ("group_head", PermissionDenied),
        ("subject_teacher_5b", Http404),
        ("parent_a", Http404),
        ("other_principal", Http404),
    ],
)
def test_only_the_writer_of_the_sheet_files(
    locked: World, persona: str, error: type[Exception]
) -> None:
    counts = _counts()
    with pytest.raises(error):
        _file(locked, [CellInput(locked.pupil_a.pk, "toan", "H", 8)], persona=persona)
    assert _counts() == counts


def test_an_uploaded_png_bien_ban_is_accepted(locked: World) -> None:
    world = locked
    photo = sample_photo()
    request = _file(world, [CellInput(world.pupil_a.pk, "toan", "H", 8)],
                    upload=Upload(photo, "bien-ban-đã-kí.png"))  # fmt: skip
    bien_ban = BienBan.objects.get(request=request)
    assert (bien_ban.source, bien_ban.content_type, bien_ban.original_name) == (
        BienBan.Source.UPLOADED,
        "image/png",
        "bien-ban-đã-kí.png",
    )
    stored = read_bien_ban(bien_ban.sha256)
    assert stored.startswith(b"\x89PNG")
    assert bien_ban.size == len(stored)
    event = AuditEvent.objects.get(action="correction.requested")
    assert event.bien_ban_id == str(bien_ban.pk)
    assert event.data["bien_ban"]["source"] == "uploaded"


@pytest.mark.parametrize(
    "data",
    [b"<html><script>alert(1)</script></html>", b"%PDF-1.7\nnot a pdf at all", b""],
)
def test_a_bogus_bien_ban_is_refused_with_nothing_written(locked: World, data: bytes) -> None:
    counts = _counts()
    with pytest.raises(ActionError):
        _file(locked, [CellInput(locked.pupil_a.pk, "toan", "H", 8)], upload=Upload(data, "bb.pdf"))
    assert _counts() == counts
    assert not CorrectionRequest.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="correction.").exists()


def test_an_html_page_named_png_is_not_accepted(locked: World) -> None:
    with pytest.raises(ActionError) as refused:
        _file(locked, [CellInput(locked.pupil_a.pk, "toan", "H", 8)],
              upload=Upload(b"<html></html>", "bb.png"))  # fmt: skip
    assert refused.value.messages == [MSG_NOT_ACCEPTED]


# -- approval ------------------------------------------------------------------------------------


def test_approval_applies_exactly_the_approved_cells(locked: World, binh: int) -> None:
    world = locked
    principal = world.user("principal")
    old_a = Entry.objects.current().get(student=world.pupil_a, code="toan")
    old_b = Entry.objects.current().get(student_id=binh, code="toan")
    request = _file(world, [CellInput(world.pupil_a.pk, "toan", "H", 8, "Khá"),
                            CellInput(binh, "toan", "T", 10)])  # fmt: skip
    bien_ban = current_bien_ban(request)
    assert bien_ban is not None
    cell_a = request.cells.get(student=world.pupil_a)
    version = _sheet(world).version
    before = AuditEvent.objects.count()
    _approve(world, request, cell_ids=[cell_a.pk], note="Đồng ý ô của An")

    # the approved cell: voided and replaced, never edited
    old_a.refresh_from_db()
    new_a = Entry.objects.current().get(student=world.pupil_a, code="toan")
    assert (new_a.level, new_a.score, new_a.comment) == ("H", 8, "Khá")
    assert old_a.voided_at is not None
    assert old_a.voided_by_id == principal.pk
    assert old_a.void_reason == f"Sửa theo biên bản {request.number}"
    assert request.number.endswith("/BB-ĐC")
    assert (old_a.level, old_a.score) == ("T", 9)
    assert new_a.replaces_id == old_a.pk
    assert new_a.created_by_id == principal.pk
    # the other cell is untouched
    assert Entry.objects.current().get(student_id=binh, code="toan").pk == old_b.pk
    old_b.refresh_from_db()
    assert old_b.voided_at is None
    # the new version, as a SheetSave of source "correction"
    sheet = _sheet(world)
    assert sheet.version == version + 1
    record = new_a.save_record
    assert record is not None
    assert (record.source, record.version, record.changed, record.created_by_id) == (
        "correction",
        version + 1,
        1,
        principal.pk,
    )
    assert new_a.sheet_version == version + 1
    status, decided_by, applied = _state(request)
    assert (status, decided_by, applied) == (
        CorrectionRequest.Status.APPROVED,
        principal.pk,
        record.pk,
    )
    assert request.decision_note == "Đồng ý ô của An"
    cells = {c.student_id: c for c in request.cells.all()}
    assert (cells[world.pupil_a.pk].approved, cells[world.pupil_a.pk].applied_entry_id) == (
        True,
        new_a.pk,
    )
    assert (cells[binh].approved, cells[binh].applied_entry_id) == (False, None)
    # the principal countersigned the teacher's signed biên bản: a new row, the old one kept
    countersigned = current_bien_ban(request)
    assert countersigned is not None
    assert countersigned.pk != bien_ban.pk
    assert (countersigned.signing, countersigned.signs_id) == ("complete", bien_ban.pk)
    assert BienBan.objects.get(pk=bien_ban.pk).signing == "requester"
    report = verify_pdf(read_bien_ban(countersigned.sha256), trust_roots=trust_roots())
    assert report.valid, report.problems
    assert [(s.field, s.title) for s in report.signatures] == [
        ("NguoiDeNghi", "Giáo viên môn Toán"),
        ("HieuTruong", "Hiệu trưởng"),
    ]
    assert all(s.timestamp_valid for s in report.signatures)
    # one event, naming the countersigned biên bản, with the cells' before and after
    events = list(AuditEvent.objects.order_by("pk")[before:])
    assert [(e.action, e.subject_id, e.bien_ban_id) for e in events] == [
        ("correction.approved", str(request.pk), str(countersigned.pk))
    ]
    assert events[0].data["bien_ban"]["signs"] == bien_ban.pk
    data = events[0].data
    assert data["cells"] == [
        {
            "student": world.pupil_a.pk,
            "code": "toan",
            "old": {"level": "T", "score": 9, "comment": "Giỏi"},
            "new": {"level": "H", "score": 8, "comment": "Khá"},
        }
    ]
    assert data["not_approved"] == [{"student": binh, "code": "toan"}]
    assert data["version"] == version + 1
    # no general unlock: the sheet stays locked and a normal save is refused
    assert lock_state(sheet).locked is True
    counts = _counts()
    with pytest.raises(SheetLocked):
        _save(world, [CellInput(world.pupil_a.pk, "toan", "C", 3)])
    assert _counts() == counts


def test_approval_of_all_cells_after_reauthenticate(locked: World, binh: int) -> None:
    world = locked
    principal = world.user("principal")
    request = _file(world, [CellInput(world.pupil_a.pk, "toan", "H", 8),
                            CellInput(binh, "toan", "T", 10)])  # fmt: skip
    session: dict[str, str] = {}
    enrol_second_factor(principal)  # principals always have one (security.md F5)
    code = next_code(principal)
    # the right password with a wrong code does not make the session fresh: nothing is approved
    wrong = reauthenticate(
        principal, PASSWORD, code="000000" if code != "000000" else "1", session=session
    )
    assert wrong.ok is False
    with pytest.raises(ReauthenticationRequired):
        approve_correction(
            request.pk,
            acting_user=principal,
            reauthenticated_at=reauthenticated_at(session),
            pin=PIN,
        )
    assert _current(world)[(binh, "toan")][:2] != ("T", 10)
    assert reauthenticate(principal, PASSWORD, code=code, session=session).ok is True
    approve_correction(
        request.pk, acting_user=principal, reauthenticated_at=reauthenticated_at(session), pin=PIN
    )
    assert _current(world) == {
        (world.pupil_a.pk, "toan"): ("H", 8, ""),
        (binh, "toan"): ("T", 10, ""),
    }
    assert set(request.cells.values_list("approved", flat=True)) == {True}
    event = AuditEvent.objects.get(action="correction.approved")
    assert len(event.data["cells"]) == 2
    assert event.data["not_approved"] == []


def test_a_stale_reauthentication_changes_nothing(locked: World) -> None:
    world = locked
    request = _file(world, [CellInput(world.pupil_a.pk, "toan", "H", 8)])
    at = timezone.now()
    counts = _counts()
    with time_machine.travel(at + dt.timedelta(minutes=6), tick=False):
        with pytest.raises(ReauthenticationRequired) as refused:
            _approve(world, request, at=at)
        with pytest.raises(ReauthenticationRequired):
            reject_correction(request.pk, acting_user=world.user("principal"),
                              reauthenticated_at=at, note="Không đồng ý")  # fmt: skip
    assert "nhập lại mật khẩu" in refused.value.messages[0]
    assert _counts() == counts
    assert _state(request) == (CorrectionRequest.Status.PENDING, None, None)
    # 4 minutes later it still counts
    at = timezone.now()
    with time_machine.travel(at + dt.timedelta(minutes=4), tick=False):
        _approve(world, request, at=at)
    assert _state(request)[0] == CorrectionRequest.Status.APPROVED


def test_no_reauthentication_at_all_is_refused(locked: World) -> None:
    request = _file(locked, [CellInput(locked.pupil_a.pk, "toan", "H", 8)])
    counts = _counts()
    with pytest.raises(ReauthenticationRequired):
        approve_correction(
            request.pk, acting_user=locked.user("principal"), reauthenticated_at=None
        )
    assert _counts() == counts


@pytest.mark.parametrize(
    ("persona", "error"),
    [
        ("vice_principal", PermissionDenied),
        ("group_head", PermissionDenied),
        ("homeroom_4a", PermissionDenied),  # the requester
        ("school_admin", PermissionDenied),
        ("other_principal", Http404),
        ("parent_a", Http404),
    ],
)
def test_only_the_principal_of_the_school_decides(
    locked: World, persona: str, error: type[Exception]
) -> None:
    world = locked
    request = _file(world, [CellInput(world.pupil_a.pk, "toan", "H", 8)])
    counts = _counts()
    with pytest.raises(error):
        _approve(world, request, persona=persona)
    with pytest.raises(error):
        reject_correction(request.pk, acting_user=world.user(persona),
                          reauthenticated_at=timezone.now(), note="Không")  # fmt: skip
    assert _counts() == counts
    assert _state(request) == (CorrectionRequest.Status.PENDING, None, None)


def test_the_principal_never_approves_their_own_request(signers: World) -> None:
    world = signers
    principal = world.user("principal")
    assign_teacher(principal.pk, world.class_4a.pk, "tieng_viet", acting_user=SEED)
    _save(world, [CellInput(world.pupil_a.pk, "tieng_viet", "H", 7)], key="tieng_viet",
          persona=principal)  # fmt: skip
    _lock(world)
    request = _file(world, [CellInput(world.pupil_a.pk, "tieng_viet", "T", 9)], key="tieng_viet",
                    persona=principal)  # fmt: skip
    counts = _counts()
    with pytest.raises(ActionError) as refused:
        _approve(world, request)
    assert refused.value.messages == [
        "Người duyệt không được là người đề nghị: đề nghị này cần người khác duyệt."
    ]
    with pytest.raises(ActionError, match="Người duyệt không được là người đề nghị"):
        reject_correction(request.pk, acting_user=principal, reauthenticated_at=timezone.now(),
                          note="Tự từ chối")  # fmt: skip
    assert _counts() == counts
    assert _state(request) == (CorrectionRequest.Status.PENDING, None, None)


def test_approving_a_cell_changed_since_filing_is_refused_as_stale(locked: World) -> None:
    world = locked
    request = _file(world, [CellInput(world.pupil_a.pk, "toan", "H", 8)])
    _unlock(world)
    _save(world, [CellInput(world.pupil_a.pk, "toan", "T", 10)])
    _lock(world)
    counts = _counts()
    version = _sheet(world).version
    with pytest.raises(ActionError) as refused:
        _approve(world, request)
    assert refused.value.messages == [
        "Lê Minh An — Toán: giá trị đã thay đổi kể từ khi lập đề nghị.",
        "Hãy từ chối đề nghị này; giáo viên lập đề nghị mới theo giá trị hiện tại.",
    ]
    assert _counts() == counts
    assert _sheet(world).version == version
    assert _current(world)[(world.pupil_a.pk, "toan")] == ("T", 10, "")
    assert _state(request) == (CorrectionRequest.Status.PENDING, None, None)
    # it can still be rejected
    reject_correction(request.pk, acting_user=world.user("principal"),
                      reauthenticated_at=timezone.now(), note="Đã sửa khi mở sổ")  # fmt: skip
    assert _state(request)[0] == CorrectionRequest.Status.REJECTED


def test_a_decided_request_is_never_decided_again(locked: World, binh: int) -> None:
    world = locked
    request = _file(world, [CellInput(world.pupil_a.pk, "toan", "H", 8)])
    _approve(world, request)
    counts = _counts()
    with pytest.raises(ActionError, match="Đề nghị đã được xử lí"):
        _approve(world, request)
    with pytest.raises(ActionError, match="Đề nghị đã được xử lí"):
        reject_correction(request.pk, acting_user=world.user("principal"),
                          reauthenticated_at=timezone.now(), note="Muộn")  # fmt: skip
    with pytest.raises(ActionError, match="Chỉ rút được đề nghị đang chờ duyệt."):
        withdraw_correction(request.pk, acting_user=world.user("homeroom_4a"))
    assert _counts() == counts


@pytest.mark.parametrize(
    ("cell_ids", "message"),
    [
        ([], "Hãy chọn ít nhất một ô để duyệt; không duyệt ô nào thì hãy từ chối."),
        ([987654], "Có ô không thuộc đề nghị này."),
    ],
)
def test_approving_no_cell_or_a_foreign_cell_is_refused(
    locked: World, cell_ids: list[int], message: str
) -> None:
    request = _file(locked, [CellInput(locked.pupil_a.pk, "toan", "H", 8)])
    counts = _counts()
    with pytest.raises(ActionError) as refused:
        _approve(locked, request, cell_ids=cell_ids)
    assert refused.value.messages == [message]
    assert _counts() == counts


def test_an_unknown_request_is_not_found(locked: World) -> None:
    with pytest.raises(Http404):
        _approve(locked, CorrectionRequest(pk=987654))


# -- rejection and withdrawal --------------------------------------------------------------------


def test_rejection_needs_a_note_and_changes_no_entry(locked: World) -> None:
    world = locked
    principal = world.user("principal")
    request = _file(world, [CellInput(world.pupil_a.pk, "toan", "H", 8)])
    bien_ban = current_bien_ban(request)
    assert bien_ban is not None
    values = _current(world)
    counts = _counts()
    with pytest.raises(ActionError) as refused:
        reject_correction(request.pk, acting_user=principal, reauthenticated_at=timezone.now(),
                          note="   ")  # fmt: skip
    assert refused.value.messages == ["Hãy ghi lí do từ chối."]
    assert _counts() == counts
    reject_correction(request.pk, acting_user=principal, reauthenticated_at=timezone.now(),
                      note="Không có căn cứ")  # fmt: skip
    request.refresh_from_db()
    assert (request.status, request.decided_by_id, request.decision_note) == (
        CorrectionRequest.Status.REJECTED,
        principal.pk,
        "Không có căn cứ",
    )
    assert request.applied_save_id is None
    assert list(request.cells.values_list("approved", flat=True)) == [False]
    assert _current(world) == values
    after = _counts()
    assert after[:3] == counts[:3]  # no Entry, no void, no SheetSave
    assert after[-1] == counts[-1] + 1
    event = AuditEvent.objects.get(action="correction.rejected")
    assert (event.subject_id, event.bien_ban_id) == (str(request.pk), str(bien_ban.pk))
    assert event.data["note"] == "Không có căn cứ"


@pytest.mark.parametrize(
    ("persona", "error"),
    [("principal", PermissionDenied), ("group_head", PermissionDenied), ("parent_a", Http404)],
)
def test_only_the_requester_withdraws(locked: World, persona: str, error: type[Exception]) -> None:
    world = locked
    request = _file(world, [CellInput(world.pupil_a.pk, "toan", "H", 8)])
    counts = _counts()
    with pytest.raises(error):
        withdraw_correction(request.pk, acting_user=world.user(persona))
    assert _counts() == counts
    before = AuditEvent.objects.count()
    withdraw_correction(request.pk, acting_user=world.user("homeroom_4a"))
    assert _state(request) == (CorrectionRequest.Status.WITHDRAWN, None, None)
    assert list(AuditEvent.objects.order_by("pk")[before:].values_list("action", "subject_id")) == [
        ("correction.withdrawn", str(request.pk))
    ]
    with pytest.raises(ActionError, match="Đề nghị đã được xử lí"):
        _approve(world, request)


def test_every_correction_event_names_the_bien_ban(locked: World, binh: int) -> None:
    """docs/review-and-corrections.md §3.4: each correction event carries the biên bản id."""
    world = locked
    principal, teacher = world.user("principal"), world.user("homeroom_4a")
    withdrawn = _file(world, [CellInput(world.pupil_a.pk, "toan", "H", 8)])
    withdraw_correction(withdrawn.pk, acting_user=teacher)
    rejected = _file(world, [CellInput(world.pupil_a.pk, "toan", "H", 8)])
    reject_correction(rejected.pk, acting_user=principal, reauthenticated_at=timezone.now(),
                      note="Không")  # fmt: skip
    approved = _file(world, [CellInput(binh, "toan", "T", 10)])
    attach_bien_ban(approved.pk, Upload(sample_photo(), "bb.png"), acting_user=teacher)
    _approve(world, approved)
    bien_bans = {
        r.pk: {str(pk) for pk in r.bien_bans.values_list("pk", flat=True)}
        for r in (withdrawn, rejected, approved)
    }
    events = AuditEvent.objects.filter(action__startswith="correction.").order_by("pk")
    assert [e.action for e in events] == [
        "correction.requested", "correction.withdrawn",
        "correction.requested", "correction.rejected",
        "correction.requested", "correction.bien_ban_attached", "correction.approved",
    ]  # fmt: skip
    for event in events:
        assert event.bien_ban_id in bien_bans[int(event.subject_id)], (event, event.bien_ban_id)


def test_a_later_uploaded_bien_ban_is_the_one_the_approval_names(locked: World) -> None:
    world = locked
    request = _file(world, [CellInput(world.pupil_a.pk, "toan", "H", 8)])
    generated = current_bien_ban(request)
    with pytest.raises(PermissionDenied):
        attach_bien_ban(request.pk, Upload(sample_photo(), "bb.png"),
                        acting_user=world.user("principal"))  # fmt: skip
    signed = attach_bien_ban(request.pk, Upload(sample_photo((10, 20, 30)), "bb.png"),
                             acting_user=world.user("homeroom_4a"))  # fmt: skip
    assert generated is not None
    assert signed.pk != generated.pk
    assert current_bien_ban(request) == signed
    _approve(world, request)
    event = AuditEvent.objects.get(action="correction.approved")
    assert event.bien_ban_id == str(signed.pk)
    assert AuditEvent.objects.get(action="correction.bien_ban_attached").bien_ban_id == str(
        signed.pk
    )

"""The biên bản of a correction is signed before anything is applied (issue 4): the teacher
certifies the generated PDF at filing (or later), the principal countersigns it at approval;
an unsigned biên bản, a wrong PIN, a missing certificate or a signature by someone else is
refused and changes nothing. A signed paper scan needs no digital signature."""

from __future__ import annotations

import pytest
from django.utils import timezone

from hocbaso.assessment.actions.corrections import (
    Upload,
    approve_correction,
    current_bien_ban,
    file_correction,
    sign_bien_ban,
)
from hocbaso.assessment.actions.save_sheet import CellInput
from hocbaso.assessment.bien_ban_files import read_bien_ban, store_bien_ban
from hocbaso.assessment.bien_ban_signing import REQUESTER_FIELD, sign_as_requester
from hocbaso.assessment.models import BienBan, CorrectionRequest, Entry
from hocbaso.assessment.tests.test_correction_actions import (
    PERIOD,
    PIN,
    _counts,
    _current,
    _lock,
    _save,
    _state,
)
from hocbaso.audit.models import AuditEvent
from hocbaso.people.errors import ActionError
from hocbaso.people.tests.world import World, sample_photo
from hocbaso.signing.demo_store import DemoAuthority
from hocbaso.signing.pdf_signers import signer_fingerprints
from hocbaso.signing.testing import give_certificate
from hocbaso.signing.trust import trust_roots
from hocbaso.signing.verify_pdf import verify_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready(world: World, demo_authority: DemoAuthority) -> World:
    """4A's maths saved and locked; the teacher, the principal and the group head of grade 4 hold
    DEMO certificates."""
    for persona in ("homeroom_4a", "principal", "group_head"):
        give_certificate(demo_authority, world.user(persona), now=timezone.now())
    _save(world, [CellInput(world.pupil_a.pk, "toan", "T", 9, "Giỏi")])
    _lock(world)
    return world


def _file(world: World, *, pin: str = "") -> CorrectionRequest:
    return file_correction(
        world.class_4a.pk, PERIOD, "toan", [CellInput(world.pupil_a.pk, "toan", "H", 8)],
        reason="Nhập nhầm điểm", acting_user=world.user("homeroom_4a"), pin=pin,
    )  # fmt: skip


def _approve(world: World, request: CorrectionRequest, *, pin: str = PIN) -> CorrectionRequest:
    return approve_correction(
        request.pk, acting_user=world.user("principal"), reauthenticated_at=timezone.now(),
        pin=pin,
    )  # fmt: skip


def test_a_biên_bản_filed_with_the_pin_is_certified_by_the_teacher(ready: World) -> None:
    request = _file(ready, pin=PIN)
    bien_ban = current_bien_ban(request)
    assert bien_ban is not None
    assert bien_ban.signing == "requester"
    pdf = read_bien_ban(bien_ban.sha256)
    report = verify_pdf(pdf, trust_roots=trust_roots(), require_all_fields_signed=False)
    assert report.valid, report.problems
    (signature,) = report.signatures
    assert (signature.field, signature.certification, signature.title) == (
        REQUESTER_FIELD, True, "Giáo viên môn Toán",
    )  # fmt: skip
    assert report.unsigned_fields == ["HieuTruong"]
    own = ready.user("homeroom_4a").signing_certificates.get()
    assert signer_fingerprints(pdf) == {REQUESTER_FIELD: own.fingerprint_sha256}
    # and, with everything required, the principal's empty field is reported
    assert not verify_pdf(pdf, trust_roots=trust_roots()).valid


def test_an_unsigned_biên_bản_blocks_approval_until_the_teacher_signs(ready: World) -> None:
    request = _file(ready)
    unsigned = current_bien_ban(request)
    assert unsigned is not None
    assert unsigned.signing == "unsigned"
    counts, values = _counts(), _current(ready)
    with pytest.raises(ActionError, match="Biên bản chưa được kí"):
        _approve(ready, request)
    assert (_counts(), _current(ready)) == (counts, values)
    assert _state(request) == (CorrectionRequest.Status.PENDING, None, None)

    signed = sign_bien_ban(request.pk, pin=PIN, acting_user=ready.user("homeroom_4a"))
    assert (signed.signing, signed.signs_id) == ("requester", unsigned.pk)
    event = AuditEvent.objects.filter(action="correction.bien_ban_signed").get()
    assert event.bien_ban_id == str(signed.pk)
    with pytest.raises(ActionError, match="đã được kí"):
        sign_bien_ban(request.pk, pin=PIN, acting_user=ready.user("homeroom_4a"))
    _approve(ready, request)
    assert _current(ready)[(ready.pupil_a.pk, "toan")] == ("H", 8, "")
    final = current_bien_ban(request)
    assert final is not None
    assert (final.signing, final.signs_id) == ("complete", signed.pk)


def test_a_wrong_pin_at_filing_writes_nothing(ready: World) -> None:
    counts = _counts()
    before = CorrectionRequest.objects.count(), BienBan.objects.count(), AuditEvent.objects.count()
    with pytest.raises(ActionError, match="Mã PIN không đúng"):
        _file(ready, pin="000000")
    after = CorrectionRequest.objects.count(), BienBan.objects.count(), AuditEvent.objects.count()
    assert (before, counts) == (after, _counts())


@pytest.mark.parametrize("pin", ["", "999999"])
def test_approval_without_the_principals_pin_changes_nothing(ready: World, pin: str) -> None:
    request = _file(ready, pin=PIN)
    counts, values, rows = _counts(), _current(ready), BienBan.objects.count()
    with pytest.raises(ActionError):
        _approve(ready, request, pin=pin)
    assert (_counts(), _current(ready), BienBan.objects.count()) == (counts, values, rows)
    assert _state(request) == (CorrectionRequest.Status.PENDING, None, None)


def test_a_principal_without_a_certificate_cannot_countersign(ready: World) -> None:
    request = _file(ready, pin=PIN)
    ready.user("principal").signing_certificates.update(revoked_at=timezone.now())
    values = _current(ready)
    with pytest.raises(ActionError, match="chưa có chứng thư số"):
        _approve(ready, request)
    assert _current(ready) == values


def test_a_biên_bản_signed_by_someone_else_is_refused(ready: World) -> None:
    """A PDF certified with the group head's valid certificate, slipped in as the teacher's."""
    request = _file(ready)
    unsigned = current_bien_ban(request)
    assert unsigned is not None
    forged = sign_as_requester(
        read_bien_ban(unsigned.sha256), user=ready.user("group_head"), pin=PIN,
        title="Giáo viên môn Toán", number=request.number,
    )  # fmt: skip
    BienBan.objects.create(
        request=request, source="generated", sha256=store_bien_ban(forged), size=len(forged),
        content_type="application/pdf", signing="requester", signs=unsigned,
        created_by=ready.user("homeroom_4a"), created_at=timezone.now(),
    )  # fmt: skip
    entries = Entry.objects.count()
    with pytest.raises(ActionError, match="không phải của"):
        _approve(ready, request)
    assert Entry.objects.count() == entries
    assert _state(request) == (CorrectionRequest.Status.PENDING, None, None)


def test_a_tampered_signed_biên_bản_is_refused(ready: World) -> None:
    """Bytes changed inside the teacher's signed range (stored under their new hash)."""
    request = _file(ready)
    unsigned = current_bien_ban(request)
    assert unsigned is not None
    signed = sign_bien_ban(request.pk, pin=PIN, acting_user=ready.user("homeroom_4a"))
    pdf = bytearray(read_bien_ban(signed.sha256))
    at = pdf.index(b"/Producer")
    pdf[at + 1 : at + 4] = b"Pro".swapcase()
    BienBan.objects.create(
        request=request, source="generated", sha256=store_bien_ban(bytes(pdf)), size=len(pdf),
        content_type="application/pdf", signing="requester", signs=None,
        created_by=ready.user("homeroom_4a"), created_at=timezone.now(),
    )  # fmt: skip
    with pytest.raises(ActionError, match="Biên bản kí số không hợp lệ"):
        _approve(ready, request)
    assert _state(request) == (CorrectionRequest.Status.PENDING, None, None)


def test_a_signed_paper_scan_is_approved_without_a_pin(ready: World) -> None:
    request = file_correction(
        ready.class_4a.pk, PERIOD, "toan", [CellInput(ready.pupil_a.pk, "toan", "H", 8)],
        reason="Nhập nhầm điểm", acting_user=ready.user("homeroom_4a"),
        upload=Upload(sample_photo(), "bien-ban.png"),
    )  # fmt: skip
    bien_ban = current_bien_ban(request)
    assert bien_ban is not None
    assert bien_ban.signing == "paper"
    _approve(ready, request, pin="")
    assert _current(ready)[(ready.pupil_a.pk, "toan")] == ("H", 8, "")
    assert current_bien_ban(request) == bien_ban

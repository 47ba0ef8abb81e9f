"""The D8 chain on one page: verify → homeroom → principal (or vice-principal) → seal."""

from __future__ import annotations

import pytest
from django.conf import settings

from hocbaso.audit.models import AuditEvent
from hocbaso.people.errors import ActionError
from hocbaso.people.tests.world import World
from hocbaso.records import verification
from hocbaso.records.actions import create_snapshot
from hocbaso.records.models import RecordFile, RecordPage
from hocbaso.records.signing_access import VICE_PRINCIPAL_TITLE
from hocbaso.records.signing_chain import (
    SIGNATURE_FIELDS,
    AlreadyPastStep,
    current_file,
    current_pdf,
    sign_page,
    verify_page,
)
from hocbaso.records.storage import read_pdf, record_file_path
from hocbaso.records.tests.chain_world import Signers, give_signers
from hocbaso.signing.trust import trust_roots
from hocbaso.signing.verify_pdf import verify_pdf

State = RecordPage.State


@pytest.fixture
def signers(ready: World, demo_authority) -> Signers:
    return give_signers(ready, demo_authority)


def _actions(page: RecordPage) -> list[str]:
    rows = AuditEvent.objects.filter(subject_id=str(page.pk), subject_type="records.recordpage")
    return list(rows.values_list("action", flat=True))


def _sign_all(world: World, signers: Signers, page: RecordPage, *, vice: bool = False) -> None:
    sign_page(
        page.pk,
        role="homeroom",
        signer=signers.signer(signers.homeroom),
        certificate_row=signers.homeroom,
        acting_user=world.user("homeroom_4a"),
    )
    who = signers.vice_principal if vice else signers.principal
    sign_page(
        page.pk,
        role="principal",
        signer=signers.signer(who),
        certificate_row=who,
        acting_user=world.user("vice_principal" if vice else "principal"),
    )
    sign_page(
        page.pk,
        role="seal",
        signer=signers.signer(signers.seal),
        certificate_row=signers.seal,
        acting_user=world.user("principal"),
    )


def test_field_names_are_those_the_verifier_expects() -> None:
    assert SIGNATURE_FIELDS == verification.SIGNATURE_FIELDS


def test_the_whole_chain_gives_a_valid_current_record(ready: World, signers: Signers) -> None:
    page = create_snapshot(ready.pupil_a.pk, ready.class_4a.pk, acting_user=ready.user("principal"))
    verify_page(page.pk, acting_user=ready.user("homeroom_4a"))
    _sign_all(ready, signers, page, vice=True)
    page.refresh_from_db()
    assert page.state == State.SEALED
    steps = list(RecordFile.objects.filter(page=page).values_list("step", "title"))
    assert steps == [
        ("rendered", ""),
        ("homeroom", "Giáo viên chủ nhiệm"),
        ("principal", VICE_PRINCIPAL_TITLE),
        ("seal", ready.school.name),
        ("seal_xml", ready.school.name),  # the page's XML signed XAdES-BES with the seal
    ]
    pdf = current_pdf(page)
    assert pdf is not None
    assert current_file(page).step == "seal"  # type: ignore[union-attr]
    report = verify_pdf(pdf, trust_roots=trust_roots())
    assert report.valid, report.problems
    assert [s.title for s in report.signatures][1] == VICE_PRINCIPAL_TITLE
    record = verification.verify_record_pdf(pdf, trust_roots=trust_roots())
    assert record.valid, record.problems
    assert _actions(page).count("signature.applied") == 3
    assert "record.verified" in _actions(page)
    assert "record.issued" in _actions(page)


def test_verify_is_refused_with_the_blockers(world: World, after_cn_deadline: None) -> None:
    from hocbaso.records.tests.conftest import fill_and_lock, verify_profile

    fill_and_lock(world)
    verify_profile(world)
    page = create_snapshot(world.pupil_a.pk, world.class_4a.pk, acting_user=world.user("principal"))
    from hocbaso.people.actions.students import update_student_profile

    update_student_profile(
        world.pupil_a.pk, {"personal_id": ""}, acting_user=world.user("principal")
    )
    with pytest.raises(ActionError) as refused:
        verify_page(page.pk, acting_user=world.user("homeroom_4a"))
    assert any("định danh" in m for m in refused.value.messages)
    page.refresh_from_db()
    assert page.state == State.DRAFT
    assert not RecordFile.objects.filter(page=page).exists()


def test_wrong_people_and_wrong_order_are_refused(ready: World, signers: Signers) -> None:
    page = create_snapshot(ready.pupil_a.pk, ready.class_4a.pk, acting_user=ready.user("principal"))
    with pytest.raises(ActionError):
        verify_page(page.pk, acting_user=ready.user("subject_teacher_5b"))
    verify_page(page.pk, acting_user=ready.user("principal"))
    with pytest.raises(ActionError, match="kí"):  # principal before homeroom
        sign_page(
            page.pk,
            role="principal",
            signer=signers.signer(signers.principal),
            certificate_row=signers.principal,
            acting_user=ready.user("principal"),
        )
    with pytest.raises(ActionError, match="chủ nhiệm"):  # the principal is not the GVCN
        sign_page(
            page.pk,
            role="homeroom",
            signer=signers.signer(signers.principal),
            certificate_row=signers.principal,
            acting_user=ready.user("principal"),
        )
    with pytest.raises(ActionError, match="của chính bạn"):  # someone else's certificate
        sign_page(
            page.pk,
            role="homeroom",
            signer=signers.signer(signers.principal),
            certificate_row=signers.principal,
            acting_user=ready.user("homeroom_4a"),
        )
    page.refresh_from_db()
    assert page.state == State.VERIFIED
    assert list(RecordFile.objects.filter(page=page).values_list("step", flat=True)) == ["rendered"]


def test_a_page_is_never_signed_twice(ready: World, signers: Signers) -> None:
    page = create_snapshot(ready.pupil_a.pk, ready.class_4a.pk, acting_user=ready.user("principal"))
    verify_page(page.pk, acting_user=ready.user("homeroom_4a"))
    kwargs = {
        "role": "homeroom",
        "signer": signers.signer(signers.homeroom),
        "certificate_row": signers.homeroom,
        "acting_user": ready.user("homeroom_4a"),
    }
    sign_page(page.pk, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(AlreadyPastStep):
        sign_page(page.pk, **kwargs)  # type: ignore[arg-type]
    assert RecordFile.objects.filter(page=page, step="homeroom").count() == 1


def test_stored_files_are_rechecked_on_read(ready: World, signers: Signers) -> None:
    page = create_snapshot(ready.pupil_a.pk, ready.class_4a.pk, acting_user=ready.user("principal"))
    verify_page(page.pk, acting_user=ready.user("homeroom_4a"))
    rendered = current_file(page)
    assert rendered is not None
    path = record_file_path(rendered.sha256)
    path.write_bytes(path.read_bytes() + b"%tampered")
    with pytest.raises(ActionError, match="thay đổi"):
        read_pdf(rendered.sha256)


def test_a_corrected_version_supersedes_the_sealed_one_only_when_sealed(
    ready: World, signers: Signers, monkeypatch: pytest.MonkeyPatch
) -> None:
    principal = ready.user("principal")
    first = create_snapshot(ready.pupil_a.pk, ready.class_4a.pk, acting_user=principal)
    verify_page(first.pk, acting_user=principal)
    _sign_all(ready, signers, first)
    # After issue, a new version needs an approved correction with its biên bản.
    with pytest.raises(ActionError, match="biên bản"):
        create_snapshot(ready.pupil_a.pk, ready.class_4a.pk, acting_user=principal)
    bien_ban = _approved_correction(ready)
    second = create_snapshot(ready.pupil_a.pk, ready.class_4a.pk, acting_user=principal)
    assert second.bien_ban_id == bien_ban.pk
    verify_page(second.pk, acting_user=principal)
    sign_page(
        second.pk,
        role="homeroom",
        signer=signers.signer(signers.homeroom),
        certificate_row=signers.homeroom,
        acting_user=ready.user("homeroom_4a"),
    )
    first.refresh_from_db()
    assert first.state == State.SEALED  # still the current record while v2 is in the chain
    for role, row in (("principal", signers.principal), ("seal", signers.seal)):
        sign_page(
            second.pk, role=role, signer=signers.signer(row), certificate_row=row,
            acting_user=principal,
        )  # fmt: skip
    first.refresh_from_db()
    assert first.state == State.SUPERSEDED
    assert bien_ban.request.number in first.superseded_reason
    event = AuditEvent.objects.get(action="record.superseded", subject_id=str(first.pk))
    assert event.bien_ban_id == str(bien_ban.pk)
    old = verification.verify_record_pdf(
        read_pdf(RecordFile.objects.get(page=first, step="seal").sha256),
        trust_roots=trust_roots(),
    )
    assert old.status == verification.SUPERSEDED
    assert settings.SIGNING_DEMO_PKI


def _approved_correction(world: World):
    """An approved correction of pupil A in 4A with a biên bản (rows made directly: the
    correction flow itself is tested in assessment)."""
    from django.utils import timezone

    from hocbaso.assessment.models import BienBan, CorrectionCell, CorrectionRequest, Sheet

    principal = world.user("principal")
    sheet = Sheet.objects.filter(class_group=world.class_4a).first()
    assert sheet is not None
    request = CorrectionRequest.objects.create(
        sheet=sheet,
        school=world.school,
        reason="Nhập nhầm điểm Toán",
        status=CorrectionRequest.Status.APPROVED,
        requested_by=world.user("homeroom_4a"),
        requested_at=timezone.now(),
        decided_by=principal,
        decided_at=timezone.now(),
    )
    CorrectionCell.objects.create(
        request=request, student=world.pupil_a, code="toan", kind="subject", approved=True
    )
    return BienBan.objects.create(
        request=request,
        source=BienBan.Source.UPLOADED,
        sha256="0" * 64,
        content_type="application/pdf",
        size=1,
        signing=BienBan.Signing.PAPER,
        created_by=principal,
        created_at=timezone.now(),
    )

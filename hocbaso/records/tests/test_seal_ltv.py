"""The seal step extends the sealed page to PAdES B-LTA in the demo configuration (DEMO CA's
CRL as revocation data, DEMO TSA), and leaves it B-T when that is not possible."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import pytest
import time_machine
from django.utils import timezone

from hocbaso.audit.models import AuditEvent
from hocbaso.people.tests.world import World
from hocbaso.records import verification
from hocbaso.records.actions import create_snapshot
from hocbaso.records.models import RecordPage
from hocbaso.records.signing_chain import current_pdf, sign_page, verify_page
from hocbaso.records.tests.chain_world import Signers, give_signers
from hocbaso.signing.models import SigningCertificate
from hocbaso.signing.revocation import revocation_source
from hocbaso.signing.trust import trust_roots
from hocbaso.signing.verify_pdf import verify_pdf


@pytest.fixture
def signers(ready: World, demo_authority) -> Signers:
    return give_signers(ready, demo_authority)


def _seal(
    world: World,
    signers: Signers,
    before_seal: Callable[[], None] | None = None,
    seal_at: dt.datetime | None = None,
) -> RecordPage:
    page = create_snapshot(world.pupil_a.pk, world.class_4a.pk, acting_user=world.user("principal"))
    verify_page(page.pk, acting_user=world.user("homeroom_4a"))
    for role, row, who in (
        ("homeroom", signers.homeroom, "homeroom_4a"),
        ("principal", signers.principal, "principal"),
    ):
        sign_page(
            page.pk, role=role, signer=signers.signer(row), certificate_row=row,
            acting_user=world.user(who),
        )  # fmt: skip
    if before_seal is not None:
        before_seal()
    with time_machine.travel(seal_at or timezone.now(), tick=False):
        sign_page(
            page.pk, role="seal", signer=signers.signer(signers.seal),
            certificate_row=signers.seal, acting_user=world.user("principal"),
        )  # fmt: skip
    page.refresh_from_db()
    return page


def _seal_event(page: RecordPage) -> dict:
    events = AuditEvent.objects.filter(
        action="signature.applied", subject_id=str(page.pk), subject_type="records.recordpage"
    ).order_by("pk")
    return dict(events.last().data)  # type: ignore[union-attr]


def test_the_seal_step_produces_b_lta_in_the_demo(ready: World, signers: Signers) -> None:
    page = _seal(ready, signers)
    assert page.state == RecordPage.State.SEALED
    pdf = current_pdf(page)
    assert pdf is not None
    report = verify_pdf(pdf, trust_roots=trust_roots())
    assert report.valid, json.dumps(report.as_dict(), ensure_ascii=False)
    assert report.pades_level == "B-LTA"
    assert report.ltv
    assert report.revocation_checked
    assert len(report.document_timestamps) == 1
    assert [s.field for s in report.signatures] == ["gvcn", "hieu_truong", "con_dau"]
    assert _seal_event(page)["pades_level"] == "B-LTA"
    record = verification.verify_record_pdf(pdf, trust_roots=trust_roots())
    assert record.valid, record.problems
    # the record's report carries the long-term validation facts, without the "not checked" note
    assert (record.pades_level, record.ltv, record.revocation_checked) == ("B-LTA", True, True)
    assert len(record.document_timestamps) == 1
    assert not any("Chưa kiểm tra thu hồi" in note for note in record.notes)


def test_without_a_tsa_the_sealed_file_stays_b_t(ready: World, signers: Signers, settings) -> None:
    settings.SIGNING_TSA = ""
    page = _seal(ready, signers)
    pdf = current_pdf(page)
    assert pdf is not None
    report = verify_pdf(pdf, trust_roots=trust_roots())
    assert report.valid, json.dumps(report.as_dict(), ensure_ascii=False)
    assert report.document_timestamps == []
    assert not report.ltv
    event = _seal_event(page)
    assert event["pades_level"] == "B-T"
    assert "TSA" in event["pades_level_reason"]


def test_a_certificate_revoked_after_its_signature_still_seals_b_lta(
    ready: World, signers: Signers
) -> None:
    """The principal's certificate withdrawn between the principal's signature and the seal
    (an hour later): the CRL lists it with a date after that signature, so the page is sealed
    and B-LTA, and the verifier notes the later revocation."""
    signed_at = timezone.now()  # the records tests' frozen clock

    def revoke() -> None:
        SigningCertificate.objects.filter(pk=signers.principal.pk).update(
            revoked_at=signed_at + dt.timedelta(minutes=30)
        )

    page = _seal(ready, signers, before_seal=revoke, seal_at=signed_at + dt.timedelta(hours=1))
    pdf = current_pdf(page)
    assert pdf is not None
    assert revocation_source().crls
    report = verify_pdf(pdf, trust_roots=trust_roots())
    assert report.valid, json.dumps(report.as_dict(), ensure_ascii=False)
    assert report.pades_level == "B-LTA"
    assert report.signatures[1].revocation == "revoked_after_signing"

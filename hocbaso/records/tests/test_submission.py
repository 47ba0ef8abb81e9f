"""`mark_submitted` (D10 sealed → submitted): only the delivery worker, only the current sealed
version, audited in its transaction; a correction after submission is a new version that must be
submitted again (spec §7.6)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from hocbaso.audit.actors import SystemActor
from hocbaso.audit.models import AuditEvent
from hocbaso.people.errors import ActionError
from hocbaso.people.tests.world import World
from hocbaso.records import verification
from hocbaso.records.actions import create_snapshot
from hocbaso.records.models import RecordFile, RecordPage
from hocbaso.records.signing_chain import verify_page
from hocbaso.records.storage import read_pdf
from hocbaso.records.submission import Outcome, mark_submitted
from hocbaso.records.tests.chain_world import Signers, give_signers
from hocbaso.records.tests.samples import sample_snapshot
from hocbaso.records.tests.test_signing_chain import _approved_correction, _sign_all
from hocbaso.records.xml_record import sha256_of, to_xml
from hocbaso.signing.trust import trust_roots

State = RecordPage.State
WORKER = SystemActor("push_records")


@pytest.fixture
def signers(ready: World, demo_authority: Any) -> Signers:
    return give_signers(ready, demo_authority)


def _page(world: World, *, state: str = "sealed", version: int = 1) -> RecordPage:
    code = f"HB-58-TH-DV-{world.pupil_a.pk}-2026-2027"
    xml = to_xml(sample_snapshot(record_code=code, version=version))
    return RecordPage.objects.create(
        record_code=code, student=world.pupil_a, class_group=world.class_4a, version=version,
        state=state, xml=xml, sha256=sha256_of(xml),
    )  # fmt: skip


def _submit(page: RecordPage, receipt: str = "KHO-0001", actor: object = WORKER) -> Outcome:
    return mark_submitted(
        page.pk, sha256=page.sha256, receipt_id=receipt, acknowledged_at=timezone.now(),
        recipient="Kho học bạ số (Bộ GD&ĐT)", acting_user=actor,
    )  # fmt: skip


@pytest.mark.django_db
def test_only_the_delivery_worker_may_mark_a_page_submitted(world: World) -> None:
    page = _page(world)
    for persona in ("principal", "homeroom_4a", "province_officer", "school_admin"):
        with pytest.raises(PermissionDenied):
            _submit(page, actor=world.user(persona))
    page.refresh_from_db()
    assert page.state == State.SEALED
    assert not AuditEvent.objects.filter(action="record.submitted").exists()


@pytest.mark.django_db
def test_bad_acknowledgements_are_refused_and_change_nothing(world: World) -> None:
    page = _page(world)
    with pytest.raises(ActionError, match="mã tiếp nhận"):
        _submit(page, receipt="  ")
    with pytest.raises(ActionError, match="Mã băm"):
        mark_submitted(
            page.pk, sha256="0" * 64, receipt_id="KHO-1", acknowledged_at=timezone.now(),
            recipient="Kho", acting_user=WORKER,
        )  # fmt: skip
    page.refresh_from_db()
    assert (page.state, page.submission_receipt, page.submitted_at) == (State.SEALED, "", None)


@pytest.mark.django_db
def test_only_a_current_sealed_version_moves(world: World) -> None:
    draft = _page(world, state=State.SIGNED_BY_PRINCIPAL)
    assert _submit(draft) == Outcome.NOT_SEALED
    draft.state = State.SUPERSEDED
    draft.save(update_fields=["state"])
    sealed = _page(world, version=2)
    assert _submit(sealed) == Outcome.SUBMITTED
    assert _submit(sealed, receipt="KHO-again") == Outcome.ALREADY
    sealed.refresh_from_db()
    assert (sealed.state, sealed.submission_receipt) == (State.SUBMITTED, "KHO-0001")
    assert AuditEvent.objects.filter(action="record.submitted").count() == 1
    # an older version still sealed while a newer one is issued is not the current one
    older = RecordPage.objects.get(pk=draft.pk)
    older.state = State.SEALED
    older.save(update_fields=["state"])
    assert _submit(older) == Outcome.NOT_CURRENT


@pytest.mark.django_db
def test_a_correction_after_submission_is_a_new_version_to_submit_again(
    ready: World, signers: Signers
) -> None:
    principal = ready.user("principal")
    first = create_snapshot(ready.pupil_a.pk, ready.class_4a.pk, acting_user=principal)
    verify_page(first.pk, acting_user=principal)
    _sign_all(ready, signers, first)
    first.refresh_from_db()
    assert _submit(first) == Outcome.SUBMITTED
    first.refresh_from_db()
    assert first.state == State.SUBMITTED
    # the submitted version is issued: a new one needs the approved correction's biên bản
    with pytest.raises(ActionError, match="biên bản"):
        create_snapshot(ready.pupil_a.pk, ready.class_4a.pk, acting_user=principal)
    bien_ban = _approved_correction(ready)
    second = create_snapshot(ready.pupil_a.pk, ready.class_4a.pk, acting_user=principal)
    assert (second.supersedes_id, second.bien_ban_id) == (first.pk, bien_ban.pk)
    verify_page(second.pk, acting_user=principal)
    first.refresh_from_db()
    assert first.state == State.SUBMITTED  # current until the new version is sealed
    _sign_all(ready, signers, second)
    first.refresh_from_db()
    second.refresh_from_db()
    # the submitted version is superseded with the correction's reason; the new one is sealed,
    # not submitted: it waits for its own acknowledgement
    assert first.state == State.SUPERSEDED
    assert bien_ban.request.number in first.superseded_reason
    assert first.submission_receipt == "KHO-0001"  # the old acknowledgement stays
    assert second.state == State.SEALED
    # a late acknowledgement of the old version changes nothing; the new one's moves it
    assert _submit(first, receipt="KHO-late") == Outcome.NOT_CURRENT
    assert _submit(second, receipt="KHO-0002") == Outcome.SUBMITTED
    second.refresh_from_db()
    assert (second.state, second.submission_receipt) == (State.SUBMITTED, "KHO-0002")
    # the verifier: the old one superseded, the new one current and shown as submitted
    new = verification.verify_record_pdf(
        read_pdf(RecordFile.objects.get(page=second, step="seal").sha256),
        trust_roots=trust_roots(),
    )
    assert new.status == verification.CURRENT
    assert new.register.state == State.SUBMITTED
    assert new.register.submitted_at == second.submitted_at.isoformat()  # type: ignore[union-attr]


@pytest.mark.django_db
def test_the_class_page_and_the_issuance_log_show_the_submission(world: World) -> None:
    from django.test import Client
    from django.urls import reverse

    page = _page(world)
    _submit(page, receipt="KHO-RCPT-42")
    client = Client()
    client.force_login(world.user("principal"))
    body = client.get(reverse("class_records", args=[world.class_4a.pk])).content.decode()
    assert 'data-state="submitted"' in body
    assert str(State.SUBMITTED.label) in body
    assert "KHO-RCPT-42" in body
    log_page = client.get(reverse("record_access_log", args=[page.pk])).content.decode()
    assert "KHO-RCPT-42" in log_page
    # the school page counts it in the submitted column
    school = client.get(reverse("school_records", args=[world.school.pk])).content.decode()
    assert str(State.SUBMITTED.label) in school

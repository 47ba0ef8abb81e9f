"""Batch signing with a two-phase remote key: one approval at the service for the whole batch
(the local stand-in of docs/remote-signing.md holds the teacher's key), each page signed once;
a rejected batch or an unconfigured service fails the items and signs nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from hocbaso.audit.actors import SEED
from hocbaso.people.tests.world import World
from hocbaso.records.batches import start_batch
from hocbaso.records.models import RecordFile, RecordPage, SigningBatchItem
from hocbaso.records.signing_chain import current_pdf
from hocbaso.records.tests.chain_world import ISSUED_AT, verified_pages
from hocbaso.records.tests.test_batches import IMMEDIATE
from hocbaso.signing.certificates import register_certificate
from hocbaso.signing.demo_pki import issue_personal
from hocbaso.signing.demo_store import DemoAuthority
from hocbaso.signing.keystore import record_external_key
from hocbaso.signing.remote_standin import StandinServer, StandinService
from hocbaso.signing.trust import trust_roots
from hocbaso.signing.verify_pdf import verify_pdf

State = RecordPage.State


@pytest.fixture
def standin(ready: World, demo_authority: DemoAuthority, settings: Any) -> Iterator[StandinService]:
    """4A's teacher holds a DEMO certificate whose key lives only at the stand-in service."""
    settings.TASKS = IMMEDIATE
    settings.SIGNING_REMOTE_WAIT_SECONDS = 5
    issued = issue_personal(demo_authority.ca, full_name="Nguyễn Thị Hoa", now=ISSUED_AT)
    row = register_certificate(
        issued.cert_pem(), acting_user=SEED, user_id=ready.user("homeroom_4a").pk,
        trust_roots=[demo_authority.ca.certificate], at=ISSUED_AT,
    )  # fmt: skip
    record_external_key(row.pk, backend="remote", remote_service="standin", acting_user=SEED)
    service = StandinService(issued.private_key, issued.certificate)
    with StandinServer(service) as server:
        settings.SIGNING_REMOTE_SERVICES = {"standin": {"url": server.base_url}}
        yield service


def test_one_remote_approval_signs_the_whole_class(ready: World, standin: StandinService) -> None:
    pages = verified_pages(ready, 3)
    batch = start_batch(
        role="homeroom", class_id=ready.class_4a.pk, pin="", acting_user=ready.user("homeroom_4a")
    )
    batch.refresh_from_db()
    assert (batch.status, batch.done, batch.failed) == ("finished", 3, 0)
    assert len(standin.batches) == 1  # one request, one approval
    for page in pages:
        page.refresh_from_db()
        assert page.state == State.SIGNED_BY_HOMEROOM
        pdf = current_pdf(page)
        assert pdf is not None
        report = verify_pdf(pdf, trust_roots=trust_roots(), require_all_fields_signed=False)
        assert report.valid, report.problems
        assert [(s.field, s.signer_common_name) for s in report.signatures] == [
            ("gvcn", "Nguyễn Thị Hoa")
        ]
        assert report.signatures[0].timestamp_valid
    # a second run of the finished batch changes nothing
    from hocbaso.records.batch_runner import run_batch

    run_batch(batch.pk)
    assert RecordFile.objects.filter(step="homeroom").count() == 3


def test_a_rejected_remote_batch_signs_nothing(ready: World, standin: StandinService) -> None:
    pages = verified_pages(ready, 2)
    standin.auto_approve = False
    batch = start_batch(
        role="homeroom", class_id=ready.class_4a.pk, pin="", acting_user=ready.user("homeroom_4a")
    )
    # nobody approves within the wait: the items fail with the client's reason
    batch.refresh_from_db()
    assert (batch.status, batch.done, batch.failed) == ("finished", 0, 2)
    errors = set(SigningBatchItem.objects.filter(batch=batch).values_list("error", flat=True))
    assert all(errors)
    for page in pages:
        page.refresh_from_db()
        assert page.state == State.VERIFIED
    assert not RecordFile.objects.filter(step="homeroom").exists()


def test_a_garbled_remote_signature_is_not_embedded(ready: World, standin: StandinService) -> None:
    verified_pages(ready, 2)
    standin.faults.garble = True
    batch = start_batch(
        role="homeroom", class_id=ready.class_4a.pk, pin="", acting_user=ready.user("homeroom_4a")
    )
    batch.refresh_from_db()
    assert (batch.done, batch.failed) == (0, 2)
    assert not RecordFile.objects.filter(step="homeroom").exists()


def test_an_unconfigured_service_fails_the_items(
    ready: World, standin: StandinService, settings: Any
) -> None:
    verified_pages(ready, 1)
    settings.SIGNING_REMOTE_SERVICES = {}
    batch = start_batch(
        role="homeroom", class_id=ready.class_4a.pk, pin="", acting_user=ready.user("homeroom_4a")
    )
    item = SigningBatchItem.objects.get(batch=batch)
    assert (item.status, item.error) == ("failed", "Chưa cấu hình dịch vụ kí từ xa «standin».")

"""The XAdES-signed XML of a sealed page: signed by the seal step (batches included, never
twice), downloaded through the issuance log, verified by xmlsec1, `verify_record` and the
public page; a remote seal records why there is none."""

from __future__ import annotations

import json
import shutil
import subprocess
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from hocbaso.audit.actors import SEED
from hocbaso.audit.models import AuditEvent
from hocbaso.people.tests.world import World
from hocbaso.records.actions import create_snapshot
from hocbaso.records.batches import start_batch
from hocbaso.records.models import RecordAccess, RecordFile, RecordPage
from hocbaso.records.signing_chain import (
    MSG_XADES_REMOTE,
    AlreadyPastStep,
    sign_page,
    verify_page,
)
from hocbaso.records.storage import read_signed_xml
from hocbaso.records.tests.chain_world import ISSUED_AT, Signers, give_signers, verified_pages
from hocbaso.records.tests.test_batches import IMMEDIATE
from hocbaso.signing.certificates import register_certificate
from hocbaso.signing.demo_pki import issue_seal
from hocbaso.signing.demo_store import DemoAuthority, demo_ca_path
from hocbaso.signing.keystore import record_external_key
from hocbaso.signing.remote_standin import StandinServer, StandinService

State = RecordPage.State
PIN = "123456"


@pytest.fixture
def signers(ready: World, demo_authority: DemoAuthority, settings: Any) -> Signers:
    settings.TASKS = IMMEDIATE
    return give_signers(ready, demo_authority)


def _client(world: World, persona: str) -> Client:
    client = Client()
    client.force_login(world.user(persona))
    return client


def _verify_record(path: Path) -> tuple[int, dict[str, Any]]:
    out = StringIO()
    try:
        call_command("verify_record", str(path), stdout=out)
    except CommandError as exc:
        return exc.returncode, json.loads(out.getvalue())
    return 0, json.loads(out.getvalue())


def _tampered(signed: bytes) -> bytes:
    assert b"<mucdat>" in signed
    start = signed.index(b"<mucdat>") + len(b"<mucdat>")
    level = signed[start : start + 1]
    return signed[:start] + (b"H" if level == b"T" else b"T") + signed[start + 1 :]


def _xmlsec1(ca: Path, path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 — fixed arguments, test files
        ["xmlsec1", "--verify", "--trusted-pem", str(ca), str(path)],  # noqa: S607
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _seal_by_batches(world: World) -> RecordPage:
    teacher, principal = world.user("homeroom_4a"), world.user("principal")
    page = create_snapshot(world.pupil_a.pk, world.class_4a.pk, acting_user=principal)
    verify_page(page.pk, acting_user=teacher)
    start_batch(role="homeroom", class_id=world.class_4a.pk, pin=PIN, acting_user=teacher)
    start_batch(role="principal", school_id=world.school.pk, pin=PIN, acting_user=principal)
    start_batch(role="seal", school_id=world.school.pk, pin=PIN, acting_user=principal)
    page.refresh_from_db()
    assert page.state == State.SEALED
    return page


def test_the_seal_batch_signs_the_xml_once_and_every_verifier_agrees(
    ready: World, signers: Signers, tmp_path: Path
) -> None:
    # given a page sealed through the three batches
    page = _seal_by_batches(ready)
    stored = RecordFile.objects.get(page=page, step=RecordFile.Step.SEAL_XML)
    assert stored.certificate_id == signers.seal.pk
    sealed = page.files.get(step=RecordFile.Step.SEAL)
    assert sealed.xades_missing_reason == ""
    # sealing again (a resumed batch's worker reaching the page) signs nothing twice
    with pytest.raises(AlreadyPastStep):
        sign_page(
            page.pk, role="seal", signer=signers.signer(signers.seal),
            certificate_row=signers.seal, acting_user=ready.user("principal"),
        )  # fmt: skip
    assert RecordFile.objects.filter(page=page, step=RecordFile.Step.SEAL_XML).count() == 1
    applied = AuditEvent.objects.filter(action="signature.applied", subject_id=str(page.pk))
    seal_event = [e for e in applied if e.data["new"]["role"] == "seal"]
    assert len(seal_event) == 1
    assert seal_event[0].data["xades_file"] == stored.sha256

    # when the principal downloads it ("XML có chữ ký số (XAdES)")
    client = _client(ready, "principal")
    class_page = client.get(f"/lop/{ready.class_4a.pk}/hoc-ba/").content.decode()
    assert f"/hoc-ba/trang/{page.pk}/xades.xml" in class_page
    response = client.get(
        f"/hoc-ba/trang/{page.pk}/xades.xml",
        {"purpose": "Hồ sơ chuyển trường", "recipient": "Trường TH Kim Đồng"},
    )
    # then it is the stored file, logged as an extract with purpose and recipient
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    assert response["Content-Disposition"] == (
        f'attachment; filename="{page.record_code}-v{page.version}-xades.xml"'
    )
    signed = response.content
    assert signed == read_signed_xml(stored.sha256)
    access = RecordAccess.objects.get(page=page, kind="extract")
    assert (access.sha256, access.purpose, access.recipient) == (
        stored.sha256,
        "Hồ sơ chuyển trường",
        "Trường TH Kim Đồng",
    )
    extracted = AuditEvent.objects.get(action="record.extracted", subject_id=str(page.pk))
    assert extracted.data["new"]["format"] == "xades"

    good, bad = tmp_path / "signed.xml", tmp_path / "tampered.xml"
    good.write_bytes(signed)
    bad.write_bytes(_tampered(signed))
    # xmlsec1 verifies the downloaded file against the DEMO CA and rejects a tampered copy
    if shutil.which("xmlsec1") is not None:
        ok = _xmlsec1(demo_ca_path(), good)
        assert ok.returncode == 0, ok.stderr
        assert _xmlsec1(demo_ca_path(), bad).returncode != 0

    # verify_record: valid current → 0; tampered → 1
    code, report = _verify_record(good)
    assert code == 0, report["problems"]
    assert (report["format"], report["status"], report["valid"]) == ("xades_xml", "current", True)
    assert report["signer_matches_register"] is True
    assert report["xml_sha256"] == page.sha256
    assert report["revocation_checked"] is True  # the DEMO CA's CRL
    code, report = _verify_record(bad)
    assert code == 1
    assert report["valid"] is False
    assert any("đã bị thay đổi sau khi ký" in p for p in report["problems"])

    # the public page accepts the XML too
    public = Client().post(
        "/xac-minh/", {"file": SimpleUploadedFile("hocba.xml", signed, "application/xml")}
    )
    body = public.content.decode()
    assert public.status_code == 200
    assert "Hợp lệ — bản hiện hành" in body
    assert 'data-testid="xades-signature"' in body
    if shutil.which("xmlsec1") is None:
        pytest.skip("xmlsec1 not installed (apt-get install xmlsec1): its checks were skipped")


@pytest.fixture
def remote_seal(
    ready: World, signers: Signers, demo_authority: DemoAuthority, settings: Any
) -> Any:
    """The school's current seal certificate has its key at a two-phase remote service."""
    settings.SIGNING_REMOTE_WAIT_SECONDS = 5
    issued = issue_seal(demo_authority.ca, school_name=ready.school.name, now=ISSUED_AT)
    row = register_certificate(
        issued.cert_pem(), acting_user=SEED, school_id=ready.school.pk,
        trust_roots=[demo_authority.ca.certificate], at=ISSUED_AT,
    )  # fmt: skip
    record_external_key(row.pk, backend="remote", remote_service="standin", acting_user=SEED)
    service = StandinService(issued.private_key, issued.certificate)
    with StandinServer(service) as server:
        settings.SIGNING_REMOTE_SERVICES = {"standin": {"url": server.base_url}}
        yield row


def test_a_remote_seal_records_why_there_is_no_signed_xml(ready: World, remote_seal: Any) -> None:
    # given a page signed by the teacher and the principal, sealed with the remote key
    (page,) = verified_pages(ready, 1)
    teacher, principal = ready.user("homeroom_4a"), ready.user("principal")
    start_batch(role="homeroom", class_id=ready.class_4a.pk, pin=PIN, acting_user=teacher)
    start_batch(role="principal", school_id=ready.school.pk, pin=PIN, acting_user=principal)
    start_batch(role="seal", school_id=ready.school.pk, pin="", acting_user=principal)
    page.refresh_from_db()
    assert page.state == State.SEALED
    # then there is no signed XML, and the seal says why
    sealed = RecordFile.objects.get(page=page, step=RecordFile.Step.SEAL)
    assert sealed.certificate_id == remote_seal.pk
    assert sealed.xades_missing_reason == MSG_XADES_REMOTE
    assert not RecordFile.objects.filter(page=page, step=RecordFile.Step.SEAL_XML).exists()
    client = _client(ready, "principal")
    class_page = client.get(f"/lop/{ready.class_4a.pk}/hoc-ba/").content.decode()
    assert 'data-testid="no-xades"' in class_page
    assert "dịch vụ kí từ xa hai bước" in class_page
    response = client.get(f"/hoc-ba/trang/{page.pk}/xades.xml")
    assert response.status_code == 409
    assert response.content.decode() == MSG_XADES_REMOTE
    assert not RecordAccess.objects.filter(page=page, kind="extract").exists()

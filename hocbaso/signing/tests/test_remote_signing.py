"""Two-phase remote signing end to end: prepare → HTTP batch → local stand-in → finish."""

from __future__ import annotations

import dataclasses
import json
import os
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, utils

from hocbaso.signing.demo_pki import IssuedCertificate
from hocbaso.signing.pades import prepare_fields
from hocbaso.signing.remote.batch import sign_remotely
from hocbaso.signing.remote.client import BatchItem, RemoteSigningClient, RemoteSigningError
from hocbaso.signing.remote.two_phase import (
    PendingSignature,
    RemoteSignatureRefused,
    finish_remote,
    prepare_remote,
)
from hocbaso.signing.remote_standin import StandinServer, StandinService
from hocbaso.signing.tests.conftest import FIELDS, Pki, bien_ban
from hocbaso.signing.verify_pdf import verify_pdf

TITLE = "Giáo viên chủ nhiệm"
LABELS = {
    "a": "Học bạ — Lê Minh Anh (4A)",
    "b": "Học bạ — Trần Thu (4A)",
    "c": "Học bạ — Vũ Nam (4A)",
}


@pytest.fixture(scope="module")
def prepared() -> bytes:
    return prepare_fields(bien_ban(), FIELDS)


def prepare(pdf: bytes, pki: Pki, who: IssuedCertificate | None = None, **kw) -> PendingSignature:
    who = who or pki.teacher
    return prepare_remote(
        pdf,
        field="gvcn",
        certificate=who.certificate,
        chain=[pki.ca.certificate],
        certify=True,
        title=TITLE,
        reason="Lập học bạ",
        **kw,
    )


def raw_sign(who: IssuedCertificate, pending: PendingSignature) -> bytes:
    pre = utils.Prehashed(hashes.SHA256())
    return who.private_key.sign(pending.digest_to_sign, padding.PKCS1v15(), pre)  # type: ignore[call-arg,arg-type]


def assert_valid(pdf: bytes, pki: Pki) -> None:
    report = verify_pdf(pdf, trust_roots=[pki.ca.certificate], require_all_fields_signed=False)
    assert report.valid, report.as_dict()
    [sig] = report.signatures
    assert sig.signer_common_name == "Nguyễn Thị Hoa"
    assert sig.title == TITLE
    assert sig.certification


@pytest.fixture
def service(pki: Pki) -> StandinService:
    return StandinService(pki.teacher.private_key, pki.teacher.certificate)


@pytest.fixture
def server(service: StandinService) -> Iterator[StandinServer]:
    with StandinServer(service) as running:
        yield running


def client_for(server: StandinServer, **kw) -> RemoteSigningClient:
    kw.setdefault("sleep", lambda seconds: None)
    return RemoteSigningClient(server.base_url, timeout=5, **kw)


def pending_three(prepared: bytes, pki: Pki) -> dict[str, PendingSignature]:
    # Serialised and read back: phase 2 runs from the stored JSON, as another process would.
    return {i: PendingSignature.from_json(prepare(prepared, pki).to_json()) for i in LABELS}


def test_three_documents_one_approval(
    prepared: bytes, pki: Pki, service: StandinService, server: StandinServer
) -> None:
    pending = pending_three(prepared, pki)
    result = sign_remotely(client_for(server), pending, LABELS)
    assert result.failed == {}
    assert sorted(result.signed) == ["a", "b", "c"]
    for pdf in result.signed.values():
        assert_valid(pdf, pki)
    [batch] = service.batches.values()
    assert [(item["id"], item["label"]) for item in batch.items] == list(LABELS.items())


def test_the_state_survives_json(prepared: bytes, pki: Pki) -> None:
    pending = prepare(prepared, pki)
    text = pending.to_json()
    json.loads(text)
    again = PendingSignature.from_json(text)
    assert again == pending
    assert (
        again.certificate_fingerprint_sha256
        == pki.teacher.certificate.fingerprint(hashes.SHA256()).hex()
    )
    assert_valid(finish_remote(again, raw_sign(pki.teacher, again)), pki)
    with pytest.raises(RemoteSignatureRefused, match="Trạng thái kí dở dang bị hỏng"):
        PendingSignature.from_json(text.replace('"version": 1', '"version": 9'))


def test_a_timestamp_is_added_in_phase_two(prepared: bytes, pki: Pki) -> None:
    pending = prepare(prepared, pki, timestamper=pki.timestamper())
    with pytest.raises(Exception, match="dấu thời gian"):
        finish_remote(pending, raw_sign(pki.teacher, pending))
    pdf = finish_remote(pending, raw_sign(pki.teacher, pending), timestamper=pki.timestamper())
    assert_valid(pdf, pki)
    report = verify_pdf(pdf, trust_roots=[pki.ca.certificate], require_all_fields_signed=False)
    assert report.signatures[0].timestamp_valid


def test_a_wrong_or_garbage_signature_is_refused(prepared: bytes, pki: Pki) -> None:
    pending = prepare(prepared, pki)
    for bad in (raw_sign(pki.stranger, pending), b"garbage", b""):
        with pytest.raises(RemoteSignatureRefused, match="không khớp với chứng thư số"):
            finish_remote(pending, bad)
    tampered = dataclasses.replace(
        pending, prepared_pdf=pending.prepared_pdf.replace(b"/Page", b"/Pagf", 1)
    )
    with pytest.raises(RemoteSignatureRefused, match="đã bị thay đổi"):
        finish_remote(tampered, raw_sign(pki.teacher, pending))


def test_the_signer_approves_while_the_server_waits(
    prepared: bytes, pki: Pki, service: StandinService, server: StandinServer
) -> None:
    service.auto_approve = False
    waits: list[float] = []

    def press_ok_later(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 3:
            [batch_id] = service.pending()
            request = urllib.request.Request(  # noqa: S310 — the local stand-in
                f"{server.base_url}/_standin/batches/{batch_id}/approve", method="POST"
            )
            with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310
                assert json.load(answer)["status"] == "approved"

    client = client_for(server, sleep=press_ok_later, poll_initial=0.5, poll_max=1.5)
    result = sign_remotely(client, pending_three(prepared, pki), LABELS)
    assert sorted(result.signed) == ["a", "b", "c"]
    assert waits == [0.5, 1.0, 1.5]  # backoff, capped


def test_a_rejected_batch_signs_nothing(
    prepared: bytes, pki: Pki, service: StandinService, server: StandinServer
) -> None:
    service.auto_approve = False
    client = client_for(server, sleep=lambda s: service.reject())
    result = None
    with pytest.raises(RemoteSigningError, match="từ chối lô kí"):
        result = sign_remotely(client, pending_three(prepared, pki), LABELS)
    assert result is None
    assert [b.status for b in service.batches.values()] == ["rejected"]


def test_garbled_signatures_are_refused_per_document(
    prepared: bytes, pki: Pki, service: StandinService, server: StandinServer
) -> None:
    service.faults.garble = True
    result = sign_remotely(client_for(server), pending_three(prepared, pki), LABELS)
    assert result.signed == {}
    assert sorted(result.failed) == ["a", "b", "c"]
    assert all("không khớp với chứng thư số" in reason for reason in result.failed.values())


def test_a_missing_item_fails_alone(
    prepared: bytes, pki: Pki, service: StandinService, server: StandinServer
) -> None:
    service.faults.omit_item = "b"
    result = sign_remotely(client_for(server), pending_three(prepared, pki), LABELS)
    assert sorted(result.signed) == ["a", "c"]
    assert result.failed == {"b": "Dịch vụ kí từ xa không trả chữ kí cho mục này."}


def test_server_errors(pki: Pki, service: StandinService, server: StandinServer) -> None:
    item = [BatchItem("a", bytes(32), "Học bạ")]
    client = client_for(server)
    service.faults.fail_next = 1
    with pytest.raises(RemoteSigningError, match=r"đang gặp lỗi \(HTTP 500\)") as failed:
        client.create_batch(service.fingerprint, item)
    assert failed.value.transient
    # A failure while polling is retried on the next poll...
    service.auto_approve = False
    batch_id = client.create_batch(service.fingerprint, item)
    service.faults.fail_next = 2
    polls: list[float] = []

    def approve_while_waiting(seconds: float) -> None:
        polls.append(seconds)
        service.approve()

    outcome = client_for(server, sleep=approve_while_waiting).wait_for_batch(batch_id)
    assert outcome.status == "approved"
    assert len(polls) == 2
    # ... but not forever.
    service.faults.fail_next = 3
    with pytest.raises(RemoteSigningError, match="HTTP 500"):
        client.wait_for_batch(batch_id)
    service.faults.not_json_next = 1
    with pytest.raises(RemoteSigningError, match="không phải JSON"):
        client.get_batch(batch_id)
    with pytest.raises(RemoteSigningError, match="không có lô kí này"):
        client.get_batch("nope")


def test_requests_the_service_refuses(
    pki: Pki, service: StandinService, server: StandinServer
) -> None:
    item = [BatchItem("a", bytes(32), "Học bạ")]
    with pytest.raises(RemoteSigningError, match="unknown_certificate"):
        client_for(server).create_batch("00" * 32, item)
    service.api_key = "s3cret"
    with pytest.raises(RemoteSigningError, match="khóa API"):
        client_for(server).create_batch(service.fingerprint, item)
    assert client_for(server, api_key="s3cret").create_batch(service.fingerprint, item)


def test_waiting_ends(pki: Pki, service: StandinService, server: StandinServer) -> None:
    item = [BatchItem("a", bytes(32), "Học bạ")]
    service.auto_approve = False
    client = client_for(server, sleep=lambda s: None)
    with pytest.raises(RemoteSigningError, match="Quá thời gian chờ"):
        client.wait_for_batch(client.create_batch(service.fingerprint, item), wait_timeout=0.05)
    service.ttl = 0
    with pytest.raises(RemoteSigningError, match="hết hạn"):
        client.wait_for_batch(client.create_batch(service.fingerprint, item))


def test_network_failures() -> None:
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        port = silent.getsockname()[1]
        client = RemoteSigningClient(f"http://127.0.0.1:{port}", timeout=0.3)
        with pytest.raises(RemoteSigningError, match="không trả lời trong 0.3 giây") as late:
            client.get_batch("x")
        assert late.value.transient
    with pytest.raises(RemoteSigningError, match="Không kết nối được"):
        RemoteSigningClient(f"http://127.0.0.1:{port}", timeout=1).get_batch("x")
    with pytest.raises(RemoteSigningError, match="https"):
        RemoteSigningClient("http://signing.example.vn")


def test_the_standin_runs_as_a_program(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "hocbaso.signing.remote_standin", "--port", "0", "--manual"]
        + ["--demo-out", str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])},
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        base_url = line.split()[2]
        cert = x509.load_pem_x509_certificate((tmp_path / "signer.pem").read_bytes())
        client = RemoteSigningClient(base_url, timeout=5)
        batch_id = client.create_batch(
            cert.fingerprint(hashes.SHA256()).hex(), [BatchItem("a", bytes(32), "Học bạ")]
        )
        assert client.get_batch(batch_id).status == "pending"
    finally:
        process.terminate()
        process.wait(timeout=10)

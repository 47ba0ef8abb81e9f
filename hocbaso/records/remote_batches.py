"""Batch signing with a two-phase remote key (a USB-token agent on the signer's PC, a CA's
cloud HSM): one remote approval for the whole batch (`hocbaso.signing.remote`).

A worker run (1) prepares every pending page — the same checks as `signing_chain.sign_page`
under the page lock, then the digest of the page's current PDF with the step's empty field
(nothing is written); (2) sends all digests in one request to the certificate's service and
waits for the signer's approval; (3) for each signature returned, locks and checks the page
again, checks that the signed PDF is the previous file plus exactly this signature, by this
certificate, verifying — then stores it as the step's file (`record_step`), in one
transaction per page. A page past the step is skipped, a page refused or a signature not
returned fails with its reason; the others go on. A worker killed while waiting leaves every
item pending: the resumed run asks for approval again and nothing is signed twice.

Services are configured in ``SIGNING_REMOTE_SERVICES`` (name → {"url", "api_key"}); the
wait is bounded by ``SIGNING_REMOTE_WAIT_SECONDS`` (below the batch's stale limit).
"""

from __future__ import annotations

import logging
from typing import Any

from cryptography import x509
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from pyhanko.sign.general import SigningError

from hocbaso.audit.log import log
from hocbaso.people.errors import ActionError
from hocbaso.records.models import SigningBatch, SigningBatchItem
from hocbaso.records.signing_chain import (
    SIGN_REASON,
    AlreadyPastStep,
    prepare_step,
    record_step,
    stamp_for,
)
from hocbaso.records.storage import read_pdf
from hocbaso.signing.models import SigningKey
from hocbaso.signing.pdf_signers import signer_fingerprints
from hocbaso.signing.remote.batch import sign_remotely
from hocbaso.signing.remote.client import RemoteSigningClient
from hocbaso.signing.remote.two_phase import PendingSignature, prepare_remote
from hocbaso.signing.trust import configured_timestamper, trust_roots
from hocbaso.signing.verify_pdf import verify_pdf

logger = logging.getLogger(__name__)
Item = SigningBatchItem.Status


def client_for(batch: SigningBatch) -> RemoteSigningClient:
    key = SigningKey.objects.get(certificate=batch.certificate)
    services: dict[str, dict[str, str]] = getattr(settings, "SIGNING_REMOTE_SERVICES", {})
    service = services.get(key.remote_service)
    if service is None:
        raise SigningError(f"Chưa cấu hình dịch vụ kí từ xa «{key.remote_service}».")
    return RemoteSigningClient(service["url"], api_key=service.get("api_key") or None)


def _mark(batch: SigningBatch, item_id: int, status: str, error: str = "") -> None:
    item = SigningBatchItem.objects.select_related("page").get(pk=item_id)
    item.status, item.error = status, error
    item.attempts += 1
    item.updated_at = timezone.now()
    item.save(update_fields=["status", "error", "attempts", "updated_at"])
    if status == Item.FAILED:
        log(
            "signing.batch_item_failed",
            actor=batch.created_by,
            subject=item.page,
            school_id=batch.school_id,
            data={"batch": batch.pk, "role": batch.role, "error": error},
        )


def _prepare(batch: SigningBatch, item: SigningBatchItem) -> PendingSignature | None:
    certificate = x509.load_der_x509_certificate(bytes(batch.certificate.der))
    try:
        with transaction.atomic():
            prepared = prepare_step(
                item.page_id, role=batch.role, certificate_row=batch.certificate,
                acting_user=batch.created_by, title=batch.title,
            )  # fmt: skip
            return prepare_remote(
                read_pdf(prepared.previous.sha256), field=prepared.step.field,
                certificate=certificate, certify=prepared.step.certify, title=prepared.title,
                reason=SIGN_REASON, timestamper=configured_timestamper(),
                stamp_style=stamp_for(prepared, batch.certificate.subject_cn),
            )  # fmt: skip
    except AlreadyPastStep:
        with transaction.atomic():
            _mark(batch, item.pk, Item.SKIPPED)
    except ActionError as exc:
        with transaction.atomic():
            _mark(batch, item.pk, Item.FAILED, " ".join(exc.messages))
    return None


def _check_signed(pdf: bytes, previous: bytes, field: str, fingerprint: str) -> None:
    if not pdf.startswith(previous):
        raise ActionError("Tệp trả về không phải tệp đã chuẩn bị cộng thêm chữ kí.")
    if signer_fingerprints(pdf).get(field) != fingerprint:
        raise ActionError("Chữ kí trả về không phải của chứng thư số của đợt kí.")
    report = verify_pdf(pdf, trust_roots=trust_roots(), require_all_fields_signed=False)
    if not report.valid:
        raise ActionError(["Tệp đã kí không hợp lệ:", *report.problems])


def _apply(batch: SigningBatch, item_id: int, pdf: bytes) -> None:
    item = SigningBatchItem.objects.get(pk=item_id)
    try:
        with transaction.atomic():
            prepared = prepare_step(
                item.page_id, role=batch.role, certificate_row=batch.certificate,
                acting_user=batch.created_by, title=batch.title,
            )  # fmt: skip
            _check_signed(
                pdf, read_pdf(prepared.previous.sha256), prepared.step.field,
                batch.certificate.fingerprint_sha256,
            )  # fmt: skip
            record_step(
                prepared, pdf, certificate_row=batch.certificate, acting_user=batch.created_by
            )
            _mark(batch, item_id, Item.DONE)
    except AlreadyPastStep:
        with transaction.atomic():
            _mark(batch, item_id, Item.SKIPPED)
    except ActionError as exc:
        with transaction.atomic():
            _mark(batch, item_id, Item.FAILED, " ".join(exc.messages))


def run_remote(batch: SigningBatch) -> dict[str, Any]:
    """One worker run of a remote-key batch (see the module docstring)."""
    items = list(SigningBatchItem.objects.filter(batch=batch, status=Item.PENDING).order_by("pk"))
    pending: dict[str, PendingSignature] = {}
    labels: dict[str, str] = {}
    for item in items:
        prepared = _prepare(batch, item)
        if prepared is not None:
            pending[str(item.pk)] = prepared
            labels[str(item.pk)] = f"{item.page.student.full_name} — {item.page}"
    if not pending:
        return {"sent": 0}
    try:
        client = client_for(batch)
        result = sign_remotely(
            client, pending, labels, timestamper=configured_timestamper(),
            wait_timeout=float(getattr(settings, "SIGNING_REMOTE_WAIT_SECONDS", 240)),
        )  # fmt: skip
    except SigningError as exc:
        for item_id in pending:
            with transaction.atomic():
                _mark(batch, int(item_id), Item.FAILED, str(exc))
        return {"sent": len(pending), "error": str(exc)}
    for item_id, pdf in result.signed.items():
        _apply(batch, int(item_id), pdf)
    for item_id, reason in result.failed.items():
        with transaction.atomic():
            _mark(batch, int(item_id), Item.FAILED, reason)
    return {"sent": len(pending), "signed": len(result.signed)}

"""Reaching the private key of a registered certificate (`SigningKey`), and the actions that
record where a key lives.

`signer_for(certificate, pin)` returns a ready `DocumentSigner` for the synchronous backends
(server-held PKCS#12, PKCS#11 token). Two-phase remote keys cannot sign in one call: the caller
uses `hocbaso.signing.remote_signing` instead (`RemoteKeyRequired` says so).

`current_certificate(user=… | school=…, at)` picks the certificate that signs now: not
revoked, valid at ``at``, with a key on record; the latest registered first.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import pkcs12
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from pyhanko.sign.general import SigningError

from hocbaso.audit.log import log
from hocbaso.people.errors import ActionError
from hocbaso.signing.certificates import can_manage_certificate
from hocbaso.signing.models import CertificateKind, KeyBackend, SigningCertificate, SigningKey
from hocbaso.signing.signers import DocumentSigner, Pkcs12Signer


class RemoteKeyRequired(SigningError):
    """The certificate's key signs only through the two-phase remote flow."""


def _same_certificate(cert: x509.Certificate, row: SigningCertificate) -> bool:
    return cert.fingerprint(hashes.SHA256()).hex() == row.fingerprint_sha256


def current_certificate(
    *, user: Any = None, school_id: int | None = None, at: dt.datetime | None = None
) -> SigningCertificate | None:
    """The personal certificate of ``user`` or the seal of ``school_id`` that may sign at
    ``at`` (default now): not revoked, within its dates, with a key on record."""
    moment = at or timezone.now()
    rows = SigningCertificate.objects.filter(
        revoked_at__isnull=True,
        not_before__lte=moment,
        not_after__gte=moment,
        key__isnull=False,
    )
    if user is not None:
        rows = rows.filter(kind=CertificateKind.PERSONAL, user=user)
    elif school_id is not None:
        rows = rows.filter(kind=CertificateKind.SEAL, school_id=school_id)
    else:
        raise ValueError("user or school_id")
    return rows.select_related("key").order_by("-registered_at", "-pk").first()


def signer_for(certificate: SigningCertificate, pin: str) -> DocumentSigner:
    """A signer for ``certificate``'s key, unlocked with ``pin``; `SigningError` (Vietnamese)
    when the PIN is wrong, the key is missing or belongs to another certificate. A PKCS#11
    signer holds a logged-in token session: the caller closes it (``close()``) after the
    batch."""
    key = SigningKey.objects.filter(certificate=certificate).first()
    if key is None:
        raise SigningError("Chứng thư số này chưa được gắn với khóa kí số nào.")
    if certificate.revoked_at is not None:
        raise SigningError("Chứng thư số này đã bị thu hồi.")
    signer: DocumentSigner
    if key.backend == KeyBackend.SERVER_PKCS12:
        try:
            signer = Pkcs12Signer(bytes(key.pkcs12), pin)
        except SigningError as exc:
            raise SigningError("Mã PIN không đúng hoặc tệp khóa bị hỏng.") from exc
    elif key.backend == KeyBackend.PKCS11:
        from hocbaso.signing.pkcs11_signer import Pkcs11Signer  # optional backend

        signer = Pkcs11Signer(
            module_path=settings.SIGNING_PKCS11_MODULE,
            token_label=key.token_label,
            key_label=key.key_label or None,
            pin=pin,
        )
    else:
        raise RemoteKeyRequired("Chứng thư số này kí qua dịch vụ kí từ xa (hai bước).")
    if not _same_certificate(signer.certificate, certificate):
        close = getattr(signer, "close", None)
        if close is not None:
            close()  # a token session opened for nothing is released at once
        raise SigningError("Khóa kí số không khớp với chứng thư số đã đăng kí.")
    return signer


def _check_access(acting_user: Any, certificate: SigningCertificate) -> None:
    if not can_manage_certificate(acting_user, certificate):
        raise ActionError("Bạn không có quyền gắn khóa kí số cho chứng thư số này.")
    if SigningKey.objects.filter(certificate=certificate).exists():
        raise ActionError("Chứng thư số này đã có khóa kí số.")


def _audit(key: SigningKey, acting_user: Any) -> None:
    certificate = key.certificate
    log(
        "certificate.key_stored",
        actor=acting_user,
        subject=certificate,
        school_id=certificate.school_id,
        data={
            "backend": key.backend,
            "fingerprint_sha256": certificate.fingerprint_sha256,
            "token_label": key.token_label,
            "key_label": key.key_label,
            "remote_service": key.remote_service,
        },
    )


@transaction.atomic
def store_server_key(
    certificate_id: int, pkcs12_bytes: bytes, pin: str, *, acting_user: Any
) -> SigningKey:
    """Keep ``certificate``'s key on the server as a PKCS#12 archive that only ``pin`` opens.
    Refused unless the archive opens with the PIN and holds exactly that certificate."""
    certificate = SigningCertificate.objects.select_for_update().get(pk=certificate_id)
    _check_access(acting_user, certificate)
    if len(pin) < 6:
        raise ActionError("Mã PIN phải có ít nhất 6 kí tự.")
    try:
        key, cert, _others = pkcs12.load_key_and_certificates(pkcs12_bytes, pin.encode("utf-8"))
    except ValueError as exc:
        raise ActionError("Không mở được tệp PKCS#12 bằng mã PIN đã nhập.") from exc
    if key is None or cert is None or not _same_certificate(cert, certificate):
        raise ActionError("Tệp PKCS#12 không chứa khóa của chứng thư số đã đăng kí.")
    row = SigningKey.objects.create(
        certificate=certificate,
        backend=KeyBackend.SERVER_PKCS12,
        pkcs12=pkcs12_bytes,
        created_by=acting_user if getattr(acting_user, "is_authenticated", False) else None,
    )
    _audit(row, acting_user)
    return row


@transaction.atomic
def record_external_key(
    certificate_id: int,
    *,
    backend: str,
    acting_user: Any,
    token_label: str = "",
    key_label: str = "",
    remote_service: str = "",
) -> SigningKey:
    """Record that ``certificate``'s key is on a PKCS#11 token or with a remote service."""
    certificate = SigningCertificate.objects.select_for_update().get(pk=certificate_id)
    _check_access(acting_user, certificate)
    if backend == KeyBackend.PKCS11 and not (token_label.strip() and key_label.strip()):
        raise ActionError("Nhập nhãn của thiết bị kí số (token) và nhãn của khóa kí số.")
    if backend == KeyBackend.REMOTE and not remote_service.strip():
        raise ActionError("Chọn dịch vụ kí từ xa.")
    if backend not in (KeyBackend.PKCS11, KeyBackend.REMOTE):
        raise ActionError("Nơi giữ khóa không hợp lệ.")
    row = SigningKey.objects.create(
        certificate=certificate,
        backend=backend,
        token_label=token_label.strip()[:100],
        key_label=key_label.strip()[:100],
        remote_service=remote_service.strip()[:100],
        created_by=acting_user if getattr(acting_user, "is_authenticated", False) else None,
    )
    _audit(row, acting_user)
    return row

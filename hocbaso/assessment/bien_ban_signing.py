"""Digital signatures on the generated biên bản (issue 4): the requester certifies it when
filing, the principal countersigns it when approving.

The generated PDF gets two empty signature fields before any signature (`prepare`): adding a
field after a certification is an illegal change. The requester's signature is the
certification (DocMDP: only later signatures allowed); the principal's is an approval
signature. Each carries the signer's title and, when a TSA is configured, a timestamp.

`check` is what approval relies on: the file verifies against the installation's trust roots
(`verify_pdf`, whole-file judgement), and the certificate in each signed field is one
registered to the person who had to sign it. Both raise `ActionError` in Vietnamese.
"""

from __future__ import annotations

from typing import Any

from cryptography import x509
from django.utils import timezone
from pyhanko.sign.general import SigningError

from hocbaso.people.errors import ActionError
from hocbaso.signing.certificates import check_certificate
from hocbaso.signing.keystore import current_certificate, signer_for
from hocbaso.signing.models import SigningCertificate
from hocbaso.signing.pades import SignatureFieldSpec, prepare_fields, sign_pdf
from hocbaso.signing.pdf_signers import signer_fingerprints
from hocbaso.signing.trust import configured_timestamper, trust_roots
from hocbaso.signing.verify_pdf import verify_pdf

REQUESTER_FIELD = "NguoiDeNghi"
PRINCIPAL_FIELD = "HieuTruong"
PRINCIPAL_TITLE = "Hiệu trưởng"


def prepare(pdf: bytes) -> bytes:
    """The generated biên bản with its two empty signature fields."""
    return prepare_fields(
        pdf, [SignatureFieldSpec(REQUESTER_FIELD), SignatureFieldSpec(PRINCIPAL_FIELD)]
    )


def _certificate_of(user: Any) -> SigningCertificate:
    row = current_certificate(user=user, at=timezone.now())
    if row is None:
        raise ActionError(
            "Bạn chưa có chứng thư số còn hiệu lực đã đăng kí: không kí số được biên bản. "
            "Hãy in biên bản, kí tay và tải bản đã kí lên."
        )
    problems = check_certificate(
        x509.load_der_x509_certificate(bytes(row.der)),
        trust_roots=trust_roots(),
        at=timezone.now(),
        kind=row.kind,
    )
    if problems:
        raise ActionError(problems)
    return row


def _sign(
    pdf: bytes, *, user: Any, pin: str, field: str, certify: bool, title: str, reason: str
) -> bytes:
    if not pin:
        raise ActionError(
            "Hãy nhập mã PIN của chứng thư số để kí biên bản.", {"pin": ["Bắt buộc."]}
        )
    row = _certificate_of(user)
    try:
        signer = signer_for(row, pin)
        return sign_pdf(
            pdf,
            field=field,
            signer=signer,
            certify=certify,
            title=title,
            reason=reason,
            timestamper=configured_timestamper(),
        )
    except SigningError as exc:
        raise ActionError(str(exc), {"pin": [str(exc)]}) from exc


def sign_as_requester(pdf: bytes, *, user: Any, pin: str, title: str, number: str) -> bytes:
    return _sign(
        pdf,
        user=user,
        pin=pin,
        field=REQUESTER_FIELD,
        certify=True,
        title=title,
        reason=f"Lập biên bản {number}",
    )


def countersign(pdf: bytes, *, user: Any, pin: str, number: str) -> bytes:
    return _sign(
        pdf,
        user=user,
        pin=pin,
        field=PRINCIPAL_FIELD,
        certify=False,
        title=PRINCIPAL_TITLE,
        reason=f"Duyệt biên bản {number}",
    )


def check(pdf: bytes, *, signers: dict[str, Any], complete: bool) -> None:
    """Refuse unless ``pdf`` verifies and each field of ``signers`` is signed with a
    certificate registered to that user (``complete``: every field signed)."""
    report = verify_pdf(pdf, trust_roots=trust_roots(), require_all_fields_signed=complete)
    problems = list(report.problems)
    for sig in report.signatures:
        problems.extend(f"{sig.field}: {p}" for p in sig.problems)
    fingerprints = signer_fingerprints(pdf)
    for field, user in signers.items():
        digest = fingerprints.get(field)
        if digest is None:
            problems.append(f"Biên bản chưa có chữ kí ở ô {field}.")
        elif not SigningCertificate.objects.filter(
            fingerprint_sha256=digest, user__pk=getattr(user, "pk", -1)
        ).exists():
            problems.append(
                f"Chữ kí ở ô {field} không phải của {getattr(user, 'full_name', '') or user}."
            )
    if problems or not report.valid:
        raise ActionError(
            ["Biên bản kí số không hợp lệ:", *problems]
            if problems
            else "Biên bản kí số không hợp lệ."
        )

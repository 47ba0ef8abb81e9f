"""Certificate checks and the registration action.

`check_certificate` lists, in Vietnamese, why a certificate may not sign at a moment: dates, key
usage (digitalSignature + nonRepudiation; timeStamping for a TSA), not a CA, chain to one of the
configured trust roots (signatures checked with `cryptography`, through optional
intermediates). Revocation is not checked here (no network); it belongs to signing time when a
responder is reachable.

`register_certificate` is the only write: a personal certificate by the user themself or a
school admin of a school where the user works; a school's seal by that school's principal;
the Sở (superuser, system actor) may do both. It refuses a certificate with problems, is
audited (``certificate.registered``) in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import ExtendedKeyUsageOID
from django.db import transaction
from django.utils import timezone

from hocbaso.audit.actors import SystemActor
from hocbaso.audit.log import log
from hocbaso.org.models import School
from hocbaso.people.errors import ActionError
from hocbaso.people.models import (
    HomeroomAssignment,
    Role,
    StaffRole,
    TeachingAssignment,
    User,
)
from hocbaso.signing.models import CertificateKind, SigningCertificate
from hocbaso.signing.signers import common_name

MAX_CHAIN = 6


def parse_certificate(pem_or_der: bytes) -> x509.Certificate:
    """One certificate from PEM or DER bytes; `ActionError` in Vietnamese otherwise."""
    # Whitespace is stripped for PEM only: a DER certificate may end with a byte that looks
    # like whitespace (its signature's last byte), and stripping it would break the DER.
    try:
        if pem_or_der.strip().startswith(b"-----BEGIN"):
            return x509.load_pem_x509_certificate(pem_or_der.strip())
        return x509.load_der_x509_certificate(pem_or_der)
    except ValueError as exc:
        raise ActionError("Tệp không phải chứng thư số X.509 (PEM hoặc DER).") from exc


def fingerprint(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA256()).hex()


def _ext(cert: x509.Certificate, kind: type[x509.ExtensionType]) -> Any:
    try:
        return cert.extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None


def key_usage_summary(cert: x509.Certificate) -> str:
    parts: list[str] = []
    usage = _ext(cert, x509.KeyUsage)
    if usage is not None:
        for attr, label in (
            ("digital_signature", "digitalSignature"),
            ("content_commitment", "nonRepudiation"),
            ("key_cert_sign", "keyCertSign"),
            ("crl_sign", "cRLSign"),
        ):
            if getattr(usage, attr):
                parts.append(label)
    eku = _ext(cert, x509.ExtendedKeyUsage)
    if eku is not None:
        names = [getattr(oid, "_name", None) or oid.dotted_string for oid in eku]
        parts.append("EKU: " + ", ".join(names))
    return "; ".join(parts)


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    if cert.issuer != issuer.subject:
        return False
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _chains_to(
    cert: x509.Certificate,
    trust_roots: Sequence[x509.Certificate],
    intermediates: Sequence[x509.Certificate],
    at: dt.datetime,
) -> bool:
    current = cert
    for _ in range(MAX_CHAIN):
        for root in trust_roots:
            if _issued_by(current, root) and _valid_at(root, at):
                return True
        parent = next((c for c in intermediates if _issued_by(current, c)), None)
        if parent is None or not _valid_at(parent, at) or not _is_ca(parent):
            return False
        current = parent
    return False


def _is_ca(cert: x509.Certificate) -> bool:
    constraints = _ext(cert, x509.BasicConstraints)
    return bool(constraints is not None and constraints.ca)


def _valid_at(cert: x509.Certificate, at: dt.datetime) -> bool:
    return cert.not_valid_before_utc <= at <= cert.not_valid_after_utc


def check_certificate(
    cert: x509.Certificate,
    *,
    trust_roots: Sequence[x509.Certificate] | None,
    at: dt.datetime,
    kind: str = CertificateKind.PERSONAL,
    intermediates: Sequence[x509.Certificate] = (),
) -> list[str]:
    """Why ``cert`` may not sign (``kind`` personal/seal) or stamp time (tsa) at ``at``;
    an empty list when it may. ``trust_roots=None`` skips the chain check."""
    problems: list[str] = []
    if at < cert.not_valid_before_utc:
        problems.append(
            f"Chứng thư số chưa có hiệu lực (từ {cert.not_valid_before_utc:%d/%m/%Y %H:%M} UTC)."
        )
    if at > cert.not_valid_after_utc:
        problems.append(
            f"Chứng thư số đã hết hạn (ngày {cert.not_valid_after_utc:%d/%m/%Y %H:%M} UTC)."
        )
    if _is_ca(cert):
        problems.append("Đây là chứng thư của tổ chức cấp (CA), không dùng để kí tài liệu.")
    usage = _ext(cert, x509.KeyUsage)
    eku = _ext(cert, x509.ExtendedKeyUsage)
    if kind == CertificateKind.TSA:
        if eku is None or ExtendedKeyUsageOID.TIME_STAMPING not in eku:
            problems.append("Thiếu mục đích sử dụng khóa mở rộng timeStamping.")
    else:
        if usage is None or not usage.digital_signature:
            problems.append("Thiếu mục đích sử dụng khóa digitalSignature (kí số).")
        if usage is None or not usage.content_commitment:
            problems.append("Thiếu mục đích sử dụng khóa nonRepudiation (chống chối bỏ).")
    if trust_roots is not None and not _chains_to(cert, trust_roots, intermediates, at):
        problems.append("Chứng thư số không được cấp bởi tổ chức chứng thực tin cậy đã cấu hình.")
    return problems


def expiring_soon(cert: x509.Certificate, at: dt.datetime, days: int = 30) -> bool:
    """True when ``cert`` is valid at ``at`` but expires within ``days`` days."""
    return at <= cert.not_valid_after_utc <= at + dt.timedelta(days=days)


def _is_system(actor: Any) -> bool:
    return isinstance(actor, SystemActor) or bool(getattr(actor, "is_superuser", False))


def _schools_of(user: User) -> list[int]:
    """The schools where ``user`` works: school roles, homeroom and teaching assignments."""
    ids = set(
        StaffRole.objects.active()
        .filter(user=user, school__isnull=False)
        .values_list("school_id", flat=True)
    )
    for model in (HomeroomAssignment, TeachingAssignment):
        ids.update(
            model.objects.active()
            .filter(user=user)
            .values_list("class_group__school_id", flat=True)
        )
    return sorted(i for i in ids if i is not None)


def _holds(user: Any, role: str, school_ids: Any) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return (
        StaffRole.objects.active().filter(user=user, role=role, school_id__in=school_ids).exists()
    )


def can_manage_certificate(actor: Any, certificate: SigningCertificate) -> bool:
    """Who may register a certificate, or record where its key lives: the holder or a school
    admin of a school where they work (personal); the school's principal (seal); the Sở."""
    if _is_system(actor):
        return True
    if certificate.kind == CertificateKind.PERSONAL and certificate.user is not None:
        return getattr(actor, "pk", None) == certificate.user_id or _holds(
            actor, Role.SCHOOL_ADMIN, _schools_of(certificate.user)
        )
    if certificate.kind == CertificateKind.SEAL:
        return _holds(actor, Role.PRINCIPAL, [certificate.school_id])
    return False


@transaction.atomic
def register_certificate(
    pem_or_der: bytes,
    *,
    acting_user: Any,
    user_id: int | None = None,
    school_id: int | None = None,
    trust_roots: Sequence[x509.Certificate] | None = None,
    at: dt.datetime | None = None,
) -> SigningCertificate:
    """Register a personal certificate (``user_id``) or a school's seal (``school_id``).

    Refused (`ActionError`, nothing written) unless the actor may, the certificate parses, has
    no problem at ``at`` (default now) — its chain is checked when ``trust_roots`` is given —
    and is not registered already.
    """
    if (user_id is None) == (school_id is None):
        raise ActionError("Chỉ rõ chứng thư của một người dùng hoặc của một trường.")
    cert = parse_certificate(pem_or_der)
    moment = at or timezone.now()
    owner_user: User | None = None
    school: School | None = None
    if user_id is not None:
        kind = CertificateKind.PERSONAL
        owner_user = User.objects.get(pk=user_id)
        owner_schools = _schools_of(owner_user)
        allowed = (
            _is_system(acting_user)
            or getattr(acting_user, "pk", None) == owner_user.pk
            or _holds(acting_user, Role.SCHOOL_ADMIN, owner_schools)
        )
        if not allowed:
            raise ActionError(
                "Chỉ chính người dùng hoặc quản trị nhà trường được đăng kí chứng thư số cá nhân."
            )
        school_for_audit = owner_schools[0] if owner_schools else None
    else:
        kind = CertificateKind.SEAL
        assert school_id is not None
        school = School.objects.select_for_update().get(pk=school_id)
        if not (_is_system(acting_user) or _holds(acting_user, Role.PRINCIPAL, [school.pk])):
            raise ActionError("Chỉ Hiệu trưởng được đăng kí chứng thư số của nhà trường.")
        school_for_audit = school.pk
    problems = check_certificate(cert, trust_roots=trust_roots, at=moment, kind=kind)
    if problems:
        raise ActionError(problems)
    digest = fingerprint(cert)
    if SigningCertificate.objects.filter(fingerprint_sha256=digest).exists():
        raise ActionError("Chứng thư số này đã được đăng kí.")
    row = SigningCertificate.objects.create(
        user=owner_user,
        school=school,
        kind=kind,
        subject_cn=common_name(cert)[:300],
        subject=cert.subject.rfc4514_string()[:1000],
        serial=format(cert.serial_number, "x"),
        issuer=cert.issuer.rfc4514_string()[:1000],
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        fingerprint_sha256=digest,
        key_usage=key_usage_summary(cert)[:300],
        der=cert.public_bytes(serialization.Encoding.DER),
        registered_by=acting_user if isinstance(acting_user, User) else None,
        registered_at=timezone.now(),
    )
    log(
        "certificate.registered",
        actor=acting_user,
        subject=row,
        school_id=school_for_audit,
        data={
            "kind": kind.value,
            "subject_cn": row.subject_cn,
            "serial": row.serial,
            "issuer": row.issuer,
            "fingerprint_sha256": digest,
            "not_after": row.not_after.isoformat(),
            "owner_user_id": owner_user.pk if owner_user else None,
        },
    )
    return row

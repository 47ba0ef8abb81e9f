"""Was a certificate revoked at a given moment? Decided from given CRLs / OCSP responses only.

The check is pyhanko-certvalidator's path validation in the ``require`` revocation mode (every
certificate of the path below the trust root must be covered by a CRL or an OCSP response that
is signed by its issuer and valid), at the given moment, never fetching anything. Revocation
information issued *after* the moment is accepted (``retroactive_revinfo``): a CRL made today
tells whether a certificate had been revoked before a signature of last month.

certvalidator, validating at a past moment, reports a certificate revoked before it; a
certificate revoked *after* the
moment (a signature made before the revocation) is reported with ``revoked_at`` set (read
from a CRL signed by the certificate's issuer) and ``revoked_before`` False — the signature
stays valid (spec §9: valid at signing).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError, RevokedError


@dataclass(frozen=True)
class RevocationData:
    """DER-encoded CRLs and OCSP responses."""

    crls: tuple[bytes, ...] = ()
    ocsps: tuple[bytes, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.crls or self.ocsps)

    def __add__(self, other: RevocationData) -> RevocationData:
        return RevocationData(self.crls + other.crls, self.ocsps + other.ocsps)


@dataclass
class ParsedRevocation:
    """The revocation data of one verification, parsed once for all its checks (`verify_pdf`
    checks up to four certificates against the same CRLs): each CRL as asn1crypto reads it,
    and whether it is signed by a given issuer (with pyca/cryptography's reading of it)."""

    crls: dict[bytes, asn1_crl.CertificateList] = field(default_factory=dict)
    signed: dict[tuple[bytes, bytes], x509.CertificateRevocationList | None] = field(
        default_factory=dict
    )

    def crl(self, data: bytes) -> asn1_crl.CertificateList:
        parsed = self.crls.get(data)
        if parsed is None:
            parsed = self.crls[data] = asn1_crl.CertificateList.load(data)
        return parsed


@dataclass(frozen=True)
class RevocationStatus:
    """``checked``: revocation information covered the certificate's whole path (so the
    answer below is known); ``revoked_at``: when it was revoked (None: not revoked);
    ``revoked_before``: revoked at or before the moment asked about."""

    checked: bool
    revoked_at: dt.datetime | None = None
    revoked_before: bool = False
    detail: str = ""


def revocation_context(
    trust_roots: Sequence[asn1_x509.Certificate],
    *,
    crls: Sequence[bytes | asn1_crl.CertificateList],
    ocsps: Sequence[bytes],
    others: Sequence[asn1_x509.Certificate] = (),
    moment: dt.datetime | None = None,
) -> ValidationContext:
    """A context that requires revocation information for every non-root certificate."""
    return ValidationContext(
        trust_roots=list(trust_roots),
        other_certs=list(others),
        crls=list(crls),
        ocsps=list(ocsps),
        allow_fetching=False,
        revocation_mode="require",
        retroactive_revinfo=True,
        moment=moment,
    )


def check_revocation(
    cert: asn1_x509.Certificate,
    *,
    trust_roots: Sequence[asn1_x509.Certificate],
    crls: Sequence[bytes],
    ocsps: Sequence[bytes] = (),
    others: Sequence[asn1_x509.Certificate] = (),
    at: dt.datetime,
) -> RevocationStatus:
    """The revocation status of ``cert`` at ``at`` (an aware datetime)."""
    return asyncio.run(
        async_check_revocation(
            cert, trust_roots=trust_roots, crls=crls, ocsps=ocsps, others=others, at=at
        )
    )


async def async_check_revocation(
    cert: asn1_x509.Certificate,
    *,
    trust_roots: Sequence[asn1_x509.Certificate],
    crls: Sequence[bytes],
    ocsps: Sequence[bytes] = (),
    others: Sequence[asn1_x509.Certificate] = (),
    at: dt.datetime,
    parsed: ParsedRevocation | None = None,
) -> RevocationStatus:
    """`check_revocation` inside a running event loop (`verify_pdf` checks every certificate
    of a file in one, with one ``parsed``)."""
    if not crls and not ocsps:
        return RevocationStatus(checked=False, detail="no revocation information")
    parsed = parsed if parsed is not None else ParsedRevocation()
    context = revocation_context(
        trust_roots, crls=[parsed.crl(data) for data in crls], ocsps=ocsps, others=others,
        moment=at,
    )  # fmt: skip
    validator = CertificateValidator(
        cert, intermediate_certs=list(others), validation_context=context
    )
    try:
        path = await validator.async_validate_path()
    except RevokedError as exc:
        when = exc.revocation_dt
        return RevocationStatus(
            checked=True,
            revoked_at=when,
            revoked_before=when is None or when <= at,
            detail=str(exc),
        )
    except (PathValidationError, PathBuildingError) as exc:
        return RevocationStatus(checked=False, detail=str(exc))
    later = _revoked_later(cert, list(path), crls, parsed)
    if later is not None:
        return RevocationStatus(checked=True, revoked_at=later, detail="revoked after the moment")
    return RevocationStatus(checked=True)


def _revoked_later(
    cert: asn1_x509.Certificate,
    path: list[asn1_x509.Certificate],
    crls: Sequence[bytes],
    parsed: ParsedRevocation,
) -> dt.datetime | None:
    """When a CRL signed by ``cert``'s issuer lists it (certvalidator, validating at a past
    moment, says nothing about revocations after that moment)."""
    if len(path) < 2:
        return None
    issuer_der = path[-2].dump()
    issuer: x509.Certificate | None = None
    for data in crls:
        key = (data, issuer_der)
        if key in parsed.signed:
            crl = parsed.signed[key]
        else:
            crl = None
            if issuer is None:
                issuer = x509.load_der_x509_certificate(issuer_der)
            try:
                candidate = x509.load_der_x509_crl(data)
                if candidate.issuer == issuer.subject and candidate.is_signature_valid(
                    issuer.public_key()  # type: ignore[arg-type]
                ):
                    crl = candidate
            except (ValueError, TypeError):
                crl = None
            parsed.signed[key] = crl
        if crl is None:
            continue
        entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
        if entry is not None:
            return entry.revocation_date_utc
    return None

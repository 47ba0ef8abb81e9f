"""Revocation data (CRLs, OCSP responses) available to this installation (spec §9, issue 5).

A signature must rest on a certificate valid at signing — not expired, suspended or revoked —
and the OCSP/CRL evidence is kept in the document (PAdES B-LT/B-LTA, `hocbaso.signing.ltv`).

* Demo installation (``SIGNING_DEMO_PKI``): the DEMO CA's CRL, **made locally and fresh** by
  `demo_crl` — a stand-in for what a real CA publishes at its CRL distribution point. It lists
  every registered certificate issued by the DEMO CA whose ``SigningCertificate.revoked_at`` is
  set, with that moment as its revocation date. Valid for `CRL_VALIDITY`.
* Production: no revocation data unless configured. Fetching the CRL/OCSP of a real CA is a
  network call; the hook is ``SIGNING_REVOCATION_FETCH`` (env ``HOCBASO_REVOCATION_FETCH``,
  default off): when on, `revocation_source` asks the OCSP responder named in each
  certificate it is given (its issuer among the trust roots or the given certificates) and
  falls back to the CRLs of its distribution points (`revocation_fetch`: HTTP only, bounded
  size and time).

`revocation_source` never fails: unreachable data is simply absent, and callers then keep
a file at B-T and say revocation was not checked.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from django.conf import settings
from django.utils import timezone

from hocbaso.signing.demo_pki import IssuedCertificate
from hocbaso.signing.demo_store import demo_authority_exists, load_demo_authority
from hocbaso.signing.models import SigningCertificate
from hocbaso.signing.revocation_fetch import crl_urls, fetch_crls, fetch_revocation
from hocbaso.signing.revocation_status import RevocationData

__all__ = [
    "RevocationData",
    "crl_urls",
    "demo_crl",
    "fetch_crls",
    "issue_crl",
    "revocation_source",
]

logger = logging.getLogger(__name__)

CRL_VALIDITY = dt.timedelta(days=7)


def issue_crl(
    ca: IssuedCertificate,
    revoked: Iterable[tuple[int, dt.datetime]],
    *,
    now: dt.datetime,
    validity: dt.timedelta = CRL_VALIDITY,
) -> bytes:
    """A CRL (DER) signed by ``ca`` listing ``(serial, revoked_at)`` pairs."""
    this_update = now.astimezone(dt.UTC).replace(microsecond=0)
    ski = ca.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.certificate.subject)
        .last_update(this_update)
        .next_update(this_update + validity)
        .add_extension(x509.CRLNumber(int(this_update.timestamp())), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False
        )
    )
    for serial, revoked_at in sorted(revoked):
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(serial)
            .revocation_date(revoked_at.astimezone(dt.UTC).replace(microsecond=0))
            .build()
        )
    crl = builder.sign(ca.private_key, hashes.SHA256())
    return crl.public_bytes(serialization.Encoding.DER)


def revoked_in_register(ca_cert: x509.Certificate) -> list[tuple[int, dt.datetime]]:
    """``(serial, revoked_at)`` of the registered certificates issued by ``ca_cert`` and
    withdrawn in the register."""
    found = []
    rows = SigningCertificate.objects.filter(revoked_at__isnull=False).only("der", "revoked_at")
    for row in rows:
        cert = x509.load_der_x509_certificate(bytes(row.der))
        if cert.issuer != ca_cert.subject:
            continue
        try:
            cert.verify_directly_issued_by(ca_cert)
        except Exception:  # noqa: BLE001, S112 — not this CA's certificate
            continue
        assert row.revoked_at is not None
        found.append((cert.serial_number, row.revoked_at))
    return found


def demo_crl(now: dt.datetime | None = None) -> bytes | None:
    """The DEMO CA's fresh CRL, or None when this is not a demo installation."""
    if not settings.SIGNING_DEMO_PKI or not demo_authority_exists():
        return None
    authority = load_demo_authority()
    moment = now or timezone.now()
    return issue_crl(authority.ca, revoked_in_register(authority.ca.certificate), now=moment)


def revocation_source(
    certificates: Sequence[x509.Certificate] = (), *, now: dt.datetime | None = None
) -> RevocationData:
    """The CRLs / OCSP responses this installation can give for ``certificates`` now."""
    data = RevocationData()
    crl = demo_crl(now)
    if crl is not None:
        data = data + RevocationData(crls=(crl,))
    if settings.SIGNING_REVOCATION_FETCH and certificates:
        data = data + fetch_revocation(certificates, issuers=_known_issuers())
    return data


def _known_issuers() -> list[x509.Certificate]:
    """The trust roots, to build OCSP requests for the certificates they issued."""
    from hocbaso.signing.trust import trust_roots

    try:
        return trust_roots()
    except Exception:  # noqa: BLE001 — a configuration problem: OCSP then falls back to CRLs
        logger.exception("trust roots unavailable for OCSP requests")
        return []

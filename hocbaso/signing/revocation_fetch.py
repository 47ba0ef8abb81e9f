"""Fetching a CA's revocation data over HTTP: OCSP (RFC 6960) first, the CRL as fallback.

Only used when ``SIGNING_REVOCATION_FETCH`` (env ``HOCBASO_REVOCATION_FETCH``) is on. For each
certificate, `fetch_revocation` asks the OCSP responder named in its Authority Information
Access when its issuer is known (the request needs the issuer's name and key hashes), and
falls back to the CRLs of its CRL distribution points when there is no responder, the
responder is unreachable or does not answer "successful". Nothing here decides validity: the
answers are checked (signature by the issuer, freshness, status) by
`revocation_status.check_revocation` (pyhanko-certvalidator).

All network goes through `http_fetch(url, body, content_type)` — a GET when ``body`` is None,
else a POST — bounded in time and size, http(s) only. Tests replace this hook (monkeypatch)
with a function calling the Django test client or ``live_server``; nothing here touches an
outside network in tests.
"""

from __future__ import annotations

import logging
import urllib.request
from collections.abc import Callable, Sequence

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID

from hocbaso.signing.revocation_status import RevocationData

logger = logging.getLogger(__name__)

FETCH_TIMEOUT_SECONDS = 10
FETCH_MAX_BYTES = 10 * 1024 * 1024
OCSP_REQUEST_TYPE = "application/ocsp-request"

Fetcher = Callable[[str, bytes | None, str], bytes]


def urllib_fetch(url: str, body: bytes | None, content_type: str) -> bytes:
    """GET (``body`` None) or POST ``url``; the response body, at most `FETCH_MAX_BYTES`."""
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"not an http(s) URL: {url}")
    request = urllib.request.Request(url, data=body, method="GET" if body is None else "POST")  # noqa: S310 — http(s) only, checked above
    if body is not None:
        request.add_header("Content-Type", content_type)
    with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT_SECONDS) as response:  # noqa: S310
        data: bytes = response.read(FETCH_MAX_BYTES + 1)
    if len(data) > FETCH_MAX_BYTES:
        raise ValueError("response too large")
    return data


# The hook every fetch goes through (tests replace it).
http_fetch: Fetcher = urllib_fetch


def ocsp_urls(cert: x509.Certificate) -> list[str]:
    """The http(s) OCSP responders in ``cert``'s Authority Information Access."""
    try:
        access = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    except x509.ExtensionNotFound:
        return []
    return [
        desc.access_location.value
        for desc in access
        if desc.access_method == AuthorityInformationAccessOID.OCSP
        and isinstance(desc.access_location, x509.UniformResourceIdentifier)
        and desc.access_location.value.startswith(("http://", "https://"))
    ]


def crl_urls(cert: x509.Certificate) -> list[str]:
    """The http(s) URLs of ``cert``'s CRL distribution points."""
    try:
        points = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    except x509.ExtensionNotFound:
        return []
    urls = []
    for point in points:
        for name in point.full_name or ():
            if isinstance(name, x509.UniformResourceIdentifier) and name.value.startswith(
                ("http://", "https://")
            ):
                urls.append(name.value)
    return urls


def issuer_of(
    cert: x509.Certificate, candidates: Sequence[x509.Certificate]
) -> x509.Certificate | None:
    """The certificate among ``candidates`` that issued ``cert`` (signature checked)."""
    for candidate in candidates:
        if candidate.subject != cert.issuer:
            continue
        try:
            cert.verify_directly_issued_by(candidate)
        except Exception:  # noqa: BLE001, S112 — a namesake CA
            continue
        return candidate
    return None


def fetch_ocsp(cert: x509.Certificate, issuer: x509.Certificate) -> bytes | None:
    """A successful OCSP response about ``cert`` from its first reachable responder (DER)."""
    request = (
        ocsp.OCSPRequestBuilder()
        .add_certificate(cert, issuer, hashes.SHA256())
        .build()
        .public_bytes(serialization.Encoding.DER)
    )
    for url in ocsp_urls(cert):
        try:
            data = http_fetch(url, request, OCSP_REQUEST_TYPE)
            response = ocsp.load_der_ocsp_response(data)
        except Exception as exc:  # noqa: BLE001 — unreachable data is absent data
            logger.warning("OCSP %s not reached: %s", url, exc)
            continue
        if response.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
            logger.warning("OCSP %s answered %s", url, response.response_status.name)
            continue
        if response.serial_number != cert.serial_number:
            logger.warning("OCSP %s answered about another certificate", url)
            continue
        return data
    return None


def fetch_crls(certificates: Sequence[x509.Certificate]) -> RevocationData:
    """Each distinct CRL distribution point of ``certificates`` downloaded once (DER or PEM).
    Failures are logged and skipped."""
    crls: list[bytes] = []
    for url in dict.fromkeys(u for cert in certificates for u in crl_urls(cert)):
        try:
            data = http_fetch(url, None, "")
            if data.lstrip().startswith(b"-----BEGIN"):
                data = x509.load_pem_x509_crl(data).public_bytes(serialization.Encoding.DER)
            else:
                x509.load_der_x509_crl(data)
            crls.append(data)
        except Exception as exc:  # noqa: BLE001 — unreachable data is absent data
            logger.warning("CRL %s not fetched: %s", url, exc)
    return RevocationData(crls=tuple(crls))


def fetch_revocation(
    certificates: Sequence[x509.Certificate], issuers: Sequence[x509.Certificate] = ()
) -> RevocationData:
    """OCSP responses for the certificates whose responder answers (their issuer among
    ``issuers`` or ``certificates``), the CRLs of the others."""
    ocsps: list[bytes] = []
    without: list[x509.Certificate] = []
    for cert in certificates:
        issuer = issuer_of(cert, [*issuers, *certificates]) if ocsp_urls(cert) else None
        answer = fetch_ocsp(cert, issuer) if issuer is not None else None
        if answer is not None:
            ocsps.append(answer)
        else:
            without.append(cert)
    return RevocationData(ocsps=tuple(ocsps)) + fetch_crls(without)

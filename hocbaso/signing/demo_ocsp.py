"""The DEMO CA's OCSP responder (RFC 6960), answering from the register of this installation —
the stand-in for what a real CA runs at the OCSP URL of its certificates' Authority Information
Access (`demo_pki`, `pki_views`).

`ocsp_response(request_der)` answers each request with one response signed by the DEMO CA
itself (no delegated responder): ``good`` for a certificate the DEMO CA issued that is
registered here and not withdrawn, ``revoked`` (with the register's ``revoked_at``) for one
withdrawn in the register, ``unknown`` for any other serial number. A request about another
issuer is ``unauthorized``; an unreadable request ``malformedRequest``. A nonce in the request
is echoed. Responses are valid for `RESPONSE_VALIDITY`.
"""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from hocbaso.signing.demo_pki import IssuedCertificate
from hocbaso.signing.models import SigningCertificate

RESPONSE_VALIDITY = dt.timedelta(hours=12)
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}


def _unsuccessful(status: ocsp.OCSPResponseStatus) -> bytes:
    return ocsp.OCSPResponseBuilder.build_unsuccessful(status).public_bytes(
        serialization.Encoding.DER
    )


def _issuer_hashes(ca: x509.Certificate, algorithm: hashes.HashAlgorithm) -> tuple[bytes, bytes]:
    """(issuerNameHash, issuerKeyHash) of ``ca`` as RFC 6960 §4.1.1 defines them."""
    name = hashes.Hash(algorithm)
    name.update(ca.subject.public_bytes())
    spki = ca.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    # the BIT STRING of the SubjectPublicKeyInfo, without tag, length and unused-bits byte
    key = hashes.Hash(algorithm)
    key.update(_subject_public_key_bits(spki))
    return name.finalize(), key.finalize()


def _subject_public_key_bits(spki: bytes) -> bytes:
    from asn1crypto import keys

    info = keys.PublicKeyInfo.load(spki)
    bits: bytes = info["public_key"].contents[1:]
    return bits


def register_status(
    ca: x509.Certificate, serial: int
) -> tuple[ocsp.OCSPCertStatus, dt.datetime | None]:
    """The register's answer for the certificate ``serial`` of ``ca``: good, revoked (when) or
    unknown (never registered here)."""
    status: tuple[ocsp.OCSPCertStatus, dt.datetime | None] = (ocsp.OCSPCertStatus.UNKNOWN, None)
    for row in SigningCertificate.objects.only("der", "revoked_at"):
        cert = x509.load_der_x509_certificate(bytes(row.der))
        if cert.serial_number != serial or cert.issuer != ca.subject:
            continue
        try:
            cert.verify_directly_issued_by(ca)
        except Exception:  # noqa: BLE001, S112 — another CA with the same name
            continue
        if row.revoked_at is not None:
            return ocsp.OCSPCertStatus.REVOKED, row.revoked_at
        status = (ocsp.OCSPCertStatus.GOOD, None)
    return status


def ocsp_response(request_der: bytes, *, ca: IssuedCertificate, now: dt.datetime) -> bytes:
    """The DER OCSP response to ``request_der`` (see the module docstring)."""
    try:
        request = ocsp.load_der_ocsp_request(request_der)
        algorithm = request.hash_algorithm
        serial = request.serial_number
        name_hash, key_hash = request.issuer_name_hash, request.issuer_key_hash
    except (ValueError, TypeError):
        return _unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
    if algorithm.name not in _HASHES:
        return _unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
    if (name_hash, key_hash) != _issuer_hashes(ca.certificate, _HASHES[algorithm.name]()):
        return _unsuccessful(ocsp.OCSPResponseStatus.UNAUTHORIZED)
    status, revoked_at = register_status(ca.certificate, serial)
    this_update = now.astimezone(dt.UTC).replace(microsecond=0)
    builder = (
        ocsp.OCSPResponseBuilder()
        .add_response_by_hash(
            issuer_name_hash=name_hash,
            issuer_key_hash=key_hash,
            serial_number=serial,
            algorithm=_HASHES[algorithm.name](),
            cert_status=status,
            this_update=this_update,
            next_update=this_update + RESPONSE_VALIDITY,
            revocation_time=(
                revoked_at.astimezone(dt.UTC).replace(microsecond=0) if revoked_at else None
            ),
            revocation_reason=None,
        )
        .responder_id(ocsp.OCSPResponderEncoding.HASH, ca.certificate)
    )
    try:
        nonce = request.extensions.get_extension_for_class(x509.OCSPNonce)
    except x509.ExtensionNotFound:
        pass
    else:
        builder = builder.add_extension(nonce.value, critical=False)
    response = builder.sign(ca.private_key, hashes.SHA256())
    return response.public_bytes(serialization.Encoding.DER)

"""The manifest's detached CAdES signature (``manifest.json.p7s``) by the school seal.

`sign_manifest` asks the seal's `DocumentSigner` (any backend of `signing.keystore.signer_for`:
the server-held PKCS#12 or a PKCS#11 token) for a detached CMS SignedData over the manifest's
bytes: SHA-256, CAdES signed attributes (signing-certificate-v2, signing time), the signing
certificate and its chain up to the trust root, and an RFC 3161 signature timestamp when a TSA
is configured (`signing.trust.configured_timestamper`).

`verify_manifest` checks one such signature against the configured trust roots (no network):
intact (the manifest's digest), cryptographically valid, the signer's certificate chained to a
trust root, the timestamp (when there is one) valid and trusted. Which certificate may sign a
school's package is the caller's decision (`checks`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from asn1crypto import cms
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.validation.generic_cms import async_validate_detached_cms
from pyhanko_certvalidator import ValidationContext

from hocbaso.signing.signers import DocumentSigner, to_asn1


def _chain_to_root(
    cert: x509.Certificate, roots: Sequence[x509.Certificate]
) -> list[x509.Certificate]:
    """The trust root that issued ``cert`` directly (the DEMO and provincial CAs are one
    level deep; an intermediate the signer holds is in its own registry already)."""
    return [root for root in roots if root.subject == cert.issuer and root != cert][:1]


def sign_manifest(
    manifest: bytes,
    *,
    signer: DocumentSigner,
    timestamper: TimeStamper | None,
    trust_roots: Sequence[x509.Certificate] = (),
) -> bytes:
    """The DER of a detached CAdES signature over ``manifest``."""
    for cert in _chain_to_root(signer.certificate, trust_roots):
        signer.cert_registry.register(to_asn1(cert))
    info = asyncio.run(
        signer.async_sign_general_data(
            manifest, "sha256", detached=True, use_cades=True, timestamper=timestamper
        )
    )
    return bytes(info.dump())


@dataclass
class ManifestSignature:
    valid: bool
    problems: list[str] = field(default_factory=list)
    certificate: x509.Certificate | None = None
    fingerprint: str = ""
    common_name: str = ""
    organisation: str = ""
    signed_at: str | None = None  # the trusted timestamp's time, else the claimed signing time
    timestamped: bool = False


def _name(cert: x509.Certificate, oid: x509.ObjectIdentifier) -> str:
    attrs = cert.subject.get_attributes_for_oid(oid)
    return str(attrs[0].value) if attrs else ""


def _signed_data(p7s: bytes) -> cms.SignedData:
    info = cms.ContentInfo.load(p7s, strict=True)
    if info["content_type"].native != "signed_data":
        raise ValueError("not SignedData")
    signed: cms.SignedData = info["content"]
    if len(signed["signer_infos"]) != 1:
        raise ValueError("not exactly one signer")
    if signed["encap_content_info"]["content"].native is not None:
        raise ValueError("not detached")
    return signed


def verify_manifest(
    manifest: bytes, p7s: bytes, *, trust_roots: Sequence[x509.Certificate], at: dt.datetime
) -> ManifestSignature:
    """Check the detached signature ``p7s`` of ``manifest``; never raises for bad input."""
    try:
        signed = _signed_data(p7s)
    except Exception:  # noqa: BLE001 - any malformed structure is a failed check
        return ManifestSignature(
            False, ["Chữ kí của bản kê khai (manifest.json.p7s) không đọc được."]
        )
    context = ValidationContext(
        trust_roots=[to_asn1(root) for root in trust_roots],
        allow_fetching=False,
        revocation_mode="soft-fail",
        moment=at,
    )
    try:
        status = asyncio.run(
            async_validate_detached_cms(manifest, signed, signer_validation_context=context)
        )
    except Exception:  # noqa: BLE001 - a signature pyHanko cannot process fails, not crashes
        return ManifestSignature(False, ["Không kiểm tra được chữ kí của bản kê khai."])
    cert = x509.load_der_x509_certificate(status.signing_cert.dump())
    report = ManifestSignature(
        valid=False,
        certificate=cert,
        fingerprint=cert.fingerprint(hashes.SHA256()).hex(),
        common_name=_name(cert, x509.NameOID.COMMON_NAME),
        organisation=_name(cert, x509.NameOID.ORGANIZATION_NAME),
    )
    if not status.intact:
        report.problems.append("Bản kê khai đã bị thay đổi sau khi kí (sai mã băm).")
    elif not status.valid:
        report.problems.append("Chữ kí của bản kê khai không hợp lệ.")
    if status.intact and status.valid and not status.trusted:
        report.problems.append(
            "Chứng thư số kí bản kê khai không được cấp bởi tổ chức chứng thực tin cậy đã cấu "
            "hình (hoặc đã hết hạn)."
        )
    ts = status.timestamp_validity
    if ts is not None:
        report.timestamped = True
        if not (ts.intact and ts.valid and ts.trusted):
            report.problems.append("Dấu thời gian của chữ kí bản kê khai không hợp lệ.")
        else:
            report.signed_at = ts.timestamp.isoformat()
    elif status.signer_reported_dt is not None:
        report.signed_at = status.signer_reported_dt.isoformat()
    report.valid = not report.problems
    return report

"""Two-phase signing: prepare a document's digest here, have it signed elsewhere, embed it later.

Phase 1, `prepare_remote`: pyHanko's interrupted-signing flow (``digest_doc_for_signing``) writes
the incremental update with a reserved ``/Contents`` hole and digests the byte ranges; the CMS
signed attributes are then built over that digest exactly as `pades.sign_pdf` builds them (the
same `pades.signature_metadata`: PAdES, SHA-256, DocMDP, the signer's title as a claimed role
and in ``/Reason``). What goes out to be signed is SHA-256 of the signed attributes' DER.

Phase 2, `finish_remote`, possibly in another process (the state is a `PendingSignature`,
serialisable to JSON): the raw signature returned (RSA PKCS#1 v1.5, or a DER ECDSA-Sig-Value) is
first **verified** against the certificate over the signed attributes, and the prepared file
against its digest; only then is the CMS assembled (pyHanko's ``ExternalSigner``), timestamped
when planned, and written into the hole (``PdfTBSDocument.finish_signing``).
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from io import BytesIO
from typing import Any

from asn1crypto import cms
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers.pdf_byterange import PreparedByteRangeDigest
from pyhanko.sign.signers.pdf_cms import ExternalSigner, PdfCMSSignedAttributes
from pyhanko.sign.signers.pdf_signer import PdfSigner, PdfTBSDocument
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.stamp import BaseStampStyle
from pyhanko_certvalidator.registry import SimpleCertificateStore

from hocbaso.signing import pades
from hocbaso.signing.signers import to_asn1

FORMAT_VERSION = 1
_BYTES_FIELDS = ("prepared_pdf", "document_digest", "signed_attrs", "certificate")


class RemoteSignatureRefused(SigningError):
    """The returned signature (or the stored state) does not check out: nothing embedded."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


@dataclass(frozen=True)
class PendingSignature:
    """Everything `finish_remote` needs, in any process. Bytes are DER / raw file bytes."""

    field: str
    prepared_pdf: bytes  # the document with the reserved /Contents hole
    reserved_start: int
    reserved_end: int
    document_digest: bytes  # SHA-256 over the /ByteRange
    signed_attrs: bytes  # DER of the CMS signed attributes (what the signature covers)
    certificate: bytes
    chain: tuple[bytes, ...]
    signature_algorithm: str  # "rsassa_pkcs1v15" or "ecdsa"
    timestamp: bool  # a signature timestamp is to be added by `finish_remote`
    digest_algorithm: str = "sha256"
    version: int = FORMAT_VERSION

    @property
    def digest_to_sign(self) -> bytes:
        """SHA-256 of the signed attributes: what the external party signs."""
        return hashlib.sha256(self.signed_attrs).digest()

    @property
    def digest_b64(self) -> str:
        return _b64(self.digest_to_sign)

    @property
    def signer_certificate(self) -> x509.Certificate:
        return x509.load_der_x509_certificate(self.certificate)

    @property
    def certificate_fingerprint_sha256(self) -> str:
        return hashlib.sha256(self.certificate).hexdigest()

    def to_json(self) -> str:
        data: dict[str, Any] = asdict(self)
        for name in _BYTES_FIELDS:
            data[name] = _b64(data[name])
        data["chain"] = [_b64(cert) for cert in self.chain]
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | bytes) -> PendingSignature:
        try:
            data = json.loads(text)
            if data.get("version") != FORMAT_VERSION:
                raise ValueError(f"unsupported version {data.get('version')!r}")
            for name in _BYTES_FIELDS:
                data[name] = base64.b64decode(data[name], validate=True)
            data["chain"] = tuple(base64.b64decode(c, validate=True) for c in data["chain"])
            pending = cls(**data)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise RemoteSignatureRefused(
                f"Trạng thái kí dở dang bị hỏng, không dùng được: {exc}"
            ) from exc
        return pending


def _signature_algorithm(certificate: x509.Certificate) -> str:
    key = certificate.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return "rsassa_pkcs1v15"
    if isinstance(key, ec.EllipticCurvePublicKey):
        return "ecdsa"
    raise SigningError("Chỉ hỗ trợ chứng thư số có khóa RSA hoặc ECDSA.")


def _external_signer(
    cert: x509.Certificate, chain: Sequence[x509.Certificate], value: bytes
) -> ExternalSigner:
    registry = SimpleCertificateStore()
    registry.register_multiple([to_asn1(c) for c in chain])
    return ExternalSigner(signing_cert=to_asn1(cert), cert_registry=registry, signature_value=value)


def prepare_remote(
    pdf: bytes,
    *,
    field: str,
    certificate: x509.Certificate,
    chain: Sequence[x509.Certificate] = (),
    certify: bool,
    title: str,
    reason: str = "",
    location: str = "",
    timestamper: TimeStamper | None = None,
    bytes_reserved: int | None = None,
    stamp_style: BaseStampStyle | None = None,
) -> PendingSignature:
    """Phase 1: ``pdf`` prepared for a signature in the empty field ``field`` by the holder of
    ``certificate``'s key. ValueError when ``field`` is not an empty signature field."""
    algorithm = _signature_algorithm(certificate)
    meta = pades.signature_metadata(
        field=field, certify=certify, title=title, reason=reason, location=location
    )
    writer = pades.open_for_signing(pdf, field)
    signer = _external_signer(certificate, chain, b"")
    reserved = pades.reserved_size(bytes_reserved, timestamper)

    async def prepare() -> tuple[PreparedByteRangeDigest, PdfTBSDocument, bytes]:
        pdf_signer = PdfSigner(
            meta, signer=signer, timestamper=timestamper, stamp_style=stamp_style
        )
        digest, tbs, _ = await pdf_signer.async_digest_doc_for_signing(
            writer, bytes_reserved=reserved, output=output
        )
        attrs = await signer.signed_attrs(
            digest.document_digest,
            "sha256",
            attr_settings=PdfCMSSignedAttributes(
                signing_time=dt.datetime.now(dt.UTC),
                cades_signed_attrs=meta.cades_signed_attr_spec,
            ),
            use_pades=True,
            timestamper=timestamper,
        )
        return digest, tbs, bytes(attrs.dump())

    output = BytesIO()
    digest, tbs, signed_attrs = asyncio.run(prepare())
    if tbs.post_sign_instructions is not None:  # pragma: no cover - our metadata has none
        raise SigningError("Kí hai pha chưa hỗ trợ nhúng dữ liệu kiểm tra (LTV).")
    return PendingSignature(
        field=field,
        prepared_pdf=output.getvalue(),
        reserved_start=digest.reserved_region_start,
        reserved_end=digest.reserved_region_end,
        document_digest=digest.document_digest,
        signed_attrs=signed_attrs,
        certificate=certificate.public_bytes(serialization.Encoding.DER),
        chain=tuple(c.public_bytes(serialization.Encoding.DER) for c in chain),
        signature_algorithm=algorithm,
        timestamp=timestamper is not None,
    )


def check_raw_signature(pending: PendingSignature, raw_signature: bytes) -> None:
    """RemoteSignatureRefused unless ``raw_signature`` is the certificate key's signature over
    the signed attributes, and the stored state is consistent."""
    pdf, start, end = pending.prepared_pdf, pending.reserved_start, pending.reserved_end
    if not (0 < start < end <= len(pdf)) or (
        hashlib.sha256(pdf[:start] + pdf[end:]).digest() != pending.document_digest
    ):
        raise RemoteSignatureRefused("Tệp chuẩn bị kí đã bị thay đổi; hãy chuẩn bị lại.")
    attrs = cms.CMSAttributes.load(pending.signed_attrs)
    digests = [a["values"][0].native for a in attrs if a["type"].native == "message_digest"]
    if digests != [pending.document_digest]:
        raise RemoteSignatureRefused("Thuộc tính kí không khớp với tài liệu; hãy chuẩn bị lại.")
    key = pending.signer_certificate.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(raw_signature, pending.signed_attrs, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(raw_signature, pending.signed_attrs, ec.ECDSA(hashes.SHA256()))
        else:
            raise InvalidSignature
    except (InvalidSignature, ValueError) as exc:
        raise RemoteSignatureRefused(
            "Chữ kí trả về không khớp với chứng thư số của người kí hoặc với tài liệu; "
            "tài liệu không được kí."
        ) from exc


def finish_remote(
    pending: PendingSignature, raw_signature: bytes, *, timestamper: TimeStamper | None = None
) -> bytes:
    """Phase 2: the signed PDF. The signature is checked first; nothing is embedded otherwise."""
    if pending.timestamp and timestamper is None:
        raise SigningError("Lượt kí này cần dấu thời gian nhưng chưa có dịch vụ dấu thời gian.")
    check_raw_signature(pending, raw_signature)
    chain = [x509.load_der_x509_certificate(c) for c in pending.chain]
    signer = _external_signer(pending.signer_certificate, chain, raw_signature)
    prepared = PreparedByteRangeDigest(
        document_digest=pending.document_digest,
        reserved_region_start=pending.reserved_start,
        reserved_region_end=pending.reserved_end,
    )
    output = BytesIO(pending.prepared_pdf)

    async def finish() -> None:
        signature_cms = await signer.async_sign_prescribed_attributes(
            pending.digest_algorithm,
            cms.CMSAttributes.load(pending.signed_attrs),
            timestamper=timestamper if pending.timestamp else None,
        )
        await PdfTBSDocument.async_finish_signing(output, prepared, signature_cms)

    asyncio.run(finish())
    return output.getvalue()

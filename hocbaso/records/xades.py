"""XAdES-BES enveloped signatures over the XML of a year page (docs/record-xml.md).

`sign_xml` puts one ``ds:Signature`` (signxml's XAdESSigner: SHA-256, the default
canonicalisation c14n 1.1 — exclusive c14n failed to verify its own XAdES output, stack.md)
as the last child of ``<hocba>``; its KeyInfo carries the signer's certificate and chain.
`verify_xml` accepts a document only when the signature covers the whole page (reference
``URI=""``), every digest matches, the signing certificate chains to one of the given trust roots
and the signed content is a valid page. Debian's ``xmlsec1 --verify --trusted-pem CA.pem FILE``
verifies the same files independently (tests).

Untrusted input never reaches a parser that resolves entities, loads a DTD or touches the
network: defusedxml refuses any DTD or entity first, then lxml (entities off, network off) and
signxml (which refuses DTDs and entities itself) parse it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as defused_fromstring
from lxml import etree
from signxml import (
    DigestAlgorithm,
    InvalidCertificate,
    InvalidDigest,
    InvalidInput,
    InvalidSignature,
    SignatureMethod,
    methods,
)
from signxml.exceptions import SignXMLException
from signxml.util import X509CertChainVerifier
from signxml.xades import XAdESSignatureConfiguration, XAdESSigner, XAdESVerifier

from hocbaso.records.xml_record import DECLARATION, NS, InvalidRecordXml, validate_xml

DS_NS = "http://www.w3.org/2000/09/xmldsig#"
_ROOT_TAG = f"{{{NS}}}hocba"
_SIGNATURE_TAG = f"{{{DS_NS}}}Signature"
# The page, the KeyInfo and the XAdES SignedProperties: what XAdESSigner writes.
_EXPECTED_REFERENCES = 3

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


class XadesError(ValueError):
    """The document cannot be signed (not a page, or already signed)."""


@dataclass(frozen=True)
class XmlVerification:
    """The outcome of `verify_xml`. ``signed_xml`` is the page the signature covers, without the
    signature (UTF-8 with the canonical declaration); empty unless ``valid``."""

    valid: bool
    signer_common_name: str = ""
    signed_xml: bytes = b""
    problems: tuple[str, ...] = field(default_factory=tuple)
    # the signing certificate (DER) and its SHA-256 fingerprint (hex); empty unless ``valid``
    signer_der: bytes = b""
    signer_fingerprint: str = ""


# ---- parsing --------------------------------------------------------------------------------


def _safe_root(data: bytes) -> Any:
    """The root element of ``data``; InvalidRecordXml for DTDs, entities or malformed XML."""
    if not isinstance(data, bytes):
        raise InvalidRecordXml(["dữ liệu phải là bytes"])
    try:
        defused_fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise InvalidRecordXml(
            [f"tài liệu có DTD, thực thể hoặc tham chiếu ngoài ({exc})"]
        ) from None
    except Exception as exc:  # noqa: BLE001 - expat's ParseError and friends
        raise InvalidRecordXml([f"không đọc được XML: {exc}"]) from None
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise InvalidRecordXml([f"không đọc được XML: {exc}"]) from None


def _common_name(cert: x509.Certificate) -> str:
    attrs = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(attrs[0].value) if attrs else ""


# ---- signing --------------------------------------------------------------------------------


def sign_xml(
    xml: bytes,
    *,
    key: PrivateKey,
    certificate: x509.Certificate,
    chain: Sequence[x509.Certificate] = (),
) -> bytes:
    """``xml`` (a valid, unsigned page) with a XAdES-BES enveloped signature by ``key``.

    RSA keys sign with RSA-SHA256, EC keys with ECDSA-SHA256; digests are SHA-256. ``chain`` is
    the certificates from the signer's issuer up to (not necessarily including) the root.
    """
    validate_xml(xml)  # InvalidRecordXml: not a page, or a DTD/entity
    root = _safe_root(xml)
    if root.find(f".//{_SIGNATURE_TAG}") is not None:
        raise XadesError("tài liệu đã có chữ ký số")
    if isinstance(key, ec.EllipticCurvePrivateKey):
        algorithm = SignatureMethod.ECDSA_SHA256
    else:
        algorithm = SignatureMethod.RSA_SHA256
    signer = XAdESSigner(
        method=methods.enveloped,
        signature_algorithm=algorithm,
        digest_algorithm=DigestAlgorithm.SHA256,
    )
    signed = signer.sign(root, key=key, cert=[certificate, *chain])
    return DECLARATION + etree.tostring(signed, encoding="UTF-8")


# ---- verifying ------------------------------------------------------------------------------


class _TrustRootsChainVerifier(X509CertChainVerifier):
    """signxml's chain verifier with an in-memory store (it only reads a PEM file path)."""

    def __init__(self, roots: list[x509.Certificate], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._roots = roots
        self.leaf: x509.Certificate | None = None

    @property
    def store(self) -> x509.verification.Store:
        return x509.verification.Store(self._roots)

    def verify(self, cert_chain: Any) -> Any:
        self.leaf = super().verify(cert_chain)
        return self.leaf


class _Verifier(XAdESVerifier):
    def __init__(self, roots: list[x509.Certificate]) -> None:
        super().__init__()
        self._roots = roots
        self.chain_verifier: _TrustRootsChainVerifier | None = None

    def get_cert_chain_verifier(
        self, ca_pem_file: Any, ee_policy: Any, ca_policy: Any
    ) -> _TrustRootsChainVerifier:
        self.chain_verifier = _TrustRootsChainVerifier(
            self._roots,
            ca_pem_file=None,
            verification_time=self._get_cert_verification_time(),
            ee_policy=ee_policy,
            ca_policy=ca_policy,
        )
        return self.chain_verifier


def _invalid(*problems: str) -> XmlVerification:
    return XmlVerification(valid=False, problems=tuple(problems))


def _structure_problems(root: Any) -> list[str]:
    """The document must be one page with exactly one signature, directly inside it."""
    if root.tag != _ROOT_TAG:
        return [f"phần tử gốc phải là <hocba> (không gian tên {NS})"]
    signatures = list(root.iter(_SIGNATURE_TAG))
    if not signatures:
        return ["tài liệu không có chữ ký số"]
    if len(signatures) > 1:
        return ["tài liệu có nhiều hơn một chữ ký số"]
    if signatures[0].getparent() is not root:
        return ["chữ ký số không nằm ngay trong phần tử <hocba>"]
    references = signatures[0].findall(f"{{{DS_NS}}}SignedInfo/{{{DS_NS}}}Reference")
    if sum(1 for ref in references if ref.get("URI") == "") != 1:
        return ['chữ ký số không bao trùm toàn bộ tài liệu (thiếu tham chiếu URI="")']
    return []


def verify_xml(
    signed: bytes, *, trust_roots_pem: bytes, at: dt.datetime | None = None
) -> XmlVerification:
    """Check the XAdES-BES signature of a signed page against ``trust_roots_pem`` (one or more
    PEM certificates), the certificates' validity at ``at`` (default now). Never raises for
    bad input: the problems say what is wrong."""
    try:
        roots = x509.load_pem_x509_certificates(trust_roots_pem)
    except ValueError:
        return _invalid("không đọc được chứng thư số gốc tin cậy (PEM)")
    try:
        root = _safe_root(signed)
    except InvalidRecordXml as exc:
        return _invalid(*exc.errors)
    if problems := _structure_problems(root):
        return _invalid(*problems)

    verifier = _Verifier(roots)
    try:
        results = verifier.verify(
            signed,
            ca_pem_file=b"in-memory",  # any value: get_cert_chain_verifier ignores it
            expect_config=XAdESSignatureConfiguration(
                expect_references=_EXPECTED_REFERENCES, verification_time=at
            ),
        )
    except InvalidDigest:
        return _invalid("nội dung tài liệu đã bị thay đổi sau khi ký (sai giá trị băm)")
    except InvalidCertificate as exc:
        return _invalid(f"chứng thư số của người ký không thuộc chuỗi tin cậy: {exc}")
    except InvalidSignature as exc:
        return _invalid(f"chữ ký số không hợp lệ: {exc}")
    except InvalidInput as exc:
        return _invalid(f"chữ ký số không đúng định dạng XAdES: {exc}")
    except SignXMLException as exc:
        return _invalid(f"không kiểm tra được chữ ký số: {exc}")

    pages = [r for r in results if r.signed_xml is not None and r.signed_xml.tag == _ROOT_TAG]
    if len(pages) != 1:
        return _invalid("chữ ký số không bao trùm đúng một trang học bạ")
    page = DECLARATION + etree.tostring(pages[0].signed_xml, encoding="UTF-8")
    try:
        validate_xml(page)
    except InvalidRecordXml as exc:
        return _invalid(*(f"nội dung đã ký không đúng lược đồ: {e}" for e in exc.errors))

    leaf = verifier.chain_verifier.leaf if verifier.chain_verifier else None
    if leaf is None:  # pragma: no cover - require_x509 makes signxml verify the chain
        return _invalid("không xác định được chứng thư số của người ký")
    return XmlVerification(
        valid=True,
        signer_common_name=_common_name(leaf),
        signed_xml=page,
        signer_der=leaf.public_bytes(serialization.Encoding.DER),
        signer_fingerprint=leaf.fingerprint(hashes.SHA256()).hex(),
    )

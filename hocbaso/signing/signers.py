"""The signer interface and its PKCS#12 backend.

`DocumentSigner` is a pyHanko `Signer` (so `pades.sign_pdf` hands it straight to pyHanko) plus
what the application needs to know about the signer before signing (`certificate`,
`common_name`). A backend implements one thing: ``async_sign_raw(data, digest_algorithm)`` —
the raw signature over the DER of the CMS signed attributes.

`Pkcs12Signer` loads the key **once** and keeps the `cryptography` key object: pyHanko's
`SimpleSigner` re-parses the private key for every raw signature (~50 ms with cryptography 50,
stack.md), which dominated the cost of a signature.

Backends to come (issue 5), plugging in the same way:

* PKCS#11 (python-pkcs11, tests on SoftHSM2): a `DocumentSigner` wrapping pyHanko's
  `pyhanko.sign.pkcs11.PKCS11Signer` (open the session once per batch, one PIN; ECDSA keys need
  ``use_raw_mechanism=True``). It can subclass `PKCS11Signer` and `DocumentSigner`, or delegate
  ``async_sign_raw`` to one.
* Two-phase remote signing (USB-token agent, CA cloud HSM): not a `Signer` call that blocks; use
  pyHanko's external-signer flow (``PdfSigner.digest_doc_for_signing`` → signed attributes →
  send their SHA-256 out → ``finish_signing`` with the returned raw signature). The interim
  state (prepared digest, output bytes, signed attributes) is persisted between the phases. An
  ``ExternalSigner`` with the signer's certificate and a placeholder signature value serves for
  the first phase; `pades.sign_pdf` keeps ``bytes_reserved`` so both phases agree on the layout.
"""

from __future__ import annotations

import abc

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.sign.general import SigningError, get_pyca_cryptography_hash
from pyhanko.sign.signers.pdf_cms import Signer
from pyhanko_certvalidator.registry import SimpleCertificateStore


def to_asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def common_name(cert: x509.Certificate) -> str:
    attrs = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return str(attrs[0].value) if attrs else ""


class DocumentSigner(Signer, abc.ABC):
    """A pyHanko signer whose signing certificate is known before signing."""

    @property
    @abc.abstractmethod
    def certificate(self) -> x509.Certificate:
        """The signing certificate (cryptography object)."""

    @property
    def common_name(self) -> str:
        return common_name(self.certificate)

    @abc.abstractmethod
    async def async_sign_raw(
        self, data: bytes, digest_algorithm: str, dry_run: bool = False
    ) -> bytes:
        """The raw signature of ``data`` (the signed attributes' DER) with ``digest_algorithm``."""


class Pkcs12Signer(DocumentSigner):
    """Key and certificate from a PKCS#12 archive, the key parsed once and kept in memory."""

    def __init__(self, pkcs12_bytes: bytes, passphrase: bytes | str | None) -> None:
        if isinstance(passphrase, str):
            passphrase = passphrase.encode("utf-8")
        try:
            key, cert, others = pkcs12.load_key_and_certificates(pkcs12_bytes, passphrase)
        except ValueError as exc:
            raise SigningError("Không đọc được tệp PKCS#12 (sai mật khẩu hoặc hỏng tệp).") from exc
        if key is None or cert is None:
            raise SigningError("Tệp PKCS#12 không có khóa bí mật hoặc chứng thư số.")
        self._init_from(key, cert, others)

    @classmethod
    def from_key(
        cls,
        private_key: object,
        certificate: x509.Certificate,
        chain: list[x509.Certificate] | tuple[x509.Certificate, ...] = (),
    ) -> Pkcs12Signer:
        """The same signer from an already-loaded key (tests, benchmarks, the demo seed)."""
        signer = cls.__new__(cls)
        signer._init_from(private_key, certificate, list(chain))
        return signer

    def _init_from(
        self, key: object, cert: x509.Certificate, others: list[x509.Certificate]
    ) -> None:
        if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            raise SigningError("Chỉ hỗ trợ khóa RSA hoặc ECDSA.")
        self._key = key
        self._cert = cert
        registry = SimpleCertificateStore()
        registry.register_multiple([to_asn1(other) for other in others])
        super().__init__(signing_cert=to_asn1(cert), cert_registry=registry)

    @property
    def certificate(self) -> x509.Certificate:
        return self._cert

    async def async_sign_raw(
        self, data: bytes, digest_algorithm: str, dry_run: bool = False
    ) -> bytes:
        return self.sign_raw(data, digest_algorithm)

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        hash_algo = get_pyca_cryptography_hash(digest_algorithm)
        if mechanism == "rsassa_pkcs1v15" and isinstance(self._key, rsa.RSAPrivateKey):
            return self._key.sign(data, padding.PKCS1v15(), hash_algo)
        if mechanism == "ecdsa" and isinstance(self._key, ec.EllipticCurvePrivateKey):
            return self._key.sign(data, ec.ECDSA(hash_algo))
        raise SigningError(f"Cơ chế kí {mechanism} không được hỗ trợ.")

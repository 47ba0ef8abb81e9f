"""A DEMO public-key infrastructure, so that the whole signing chain runs offline.

Everything here is clearly marked DEMO and must never be a trust root in production (issue 5,
security.md D). The module only builds objects in memory: a root CA, personal signing
certificates, a school "seal" (organisation) certificate and a TSA certificate; each comes out as
PEM and as a passphrase-protected PKCS#12. Nothing is written to disk here; `demo_pki_dir()` names
where a seed keeps them (under PRIVATE_MEDIA_ROOT, never under a public media root).

Validity windows are deterministic given ``now``: ``not_before = now - 1 day`` (to the second),
``not_after = not_before + days``. Keys are RSA-2048 by default; ECDSA P-256 is available.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import (
    AuthorityInformationAccessOID,
    ExtendedKeyUsageOID,
    NameOID,
    ObjectIdentifier,
)
from django.conf import settings

DEMO_CA_NAME = "hocbaso DEMO CA — KHÔNG DÙNG THẬT"
DEMO_ORG = "hocbaso DEMO"
DEMO_TSA_NAME = "hocbaso DEMO TSA — KHÔNG DÙNG THẬT"
# id-kp-documentSigning (RFC 9336).
EKU_DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.5.5.7.3.36")

KeyType = Literal["rsa", "ec"]
PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


# Where this installation publishes the DEMO CA's CRL and OCSP responder (`pki_views`).
CRL_PATH = "/pki/demo-ca.crl"
OCSP_PATH = "/pki/ocsp"


def demo_pki_urls() -> tuple[str, str]:
    """(CRL URL, OCSP URL) of the DEMO CA at this installation's public address
    (``HOCBASO_PUBLIC_URL``): what the DEMO certificates seeded here carry."""
    base = str(settings.HOCBASO_PUBLIC_URL).rstrip("/")
    return base + CRL_PATH, base + OCSP_PATH


def demo_pki_dir() -> Path:
    """Where a seed keeps the demo PKI (PRIVATE_MEDIA_ROOT/demo-pki; not created here)."""
    return Path(settings.PRIVATE_MEDIA_ROOT) / "demo-pki"


@dataclass(frozen=True)
class IssuedCertificate:
    """A certificate with its private key (and the chain up to, excluding, the root)."""

    certificate: x509.Certificate
    private_key: PrivateKey
    chain: tuple[x509.Certificate, ...] = ()

    @property
    def common_name(self) -> str:
        attrs = self.certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        return str(attrs[0].value) if attrs else ""

    def cert_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def cert_der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)

    def key_pem(self, passphrase: bytes | None = None) -> bytes:
        encryption: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(passphrase)
            if passphrase
            else serialization.NoEncryption()
        )
        return self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
        )

    def pkcs12(self, passphrase: bytes, extra_certs: Sequence[x509.Certificate] = ()) -> bytes:
        """PKCS#12 with the key, the certificate and ``chain + extra_certs`` (e.g. the root)."""
        return pkcs12.serialize_key_and_certificates(
            name=self.common_name.encode("utf-8"),
            key=self.private_key,
            cert=self.certificate,
            cas=[*self.chain, *extra_certs] or None,
            encryption_algorithm=serialization.BestAvailableEncryption(passphrase),
        )


def _new_key(key_type: KeyType) -> PrivateKey:
    if key_type == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _window(now: dt.datetime, days: int) -> tuple[dt.datetime, dt.datetime]:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    start = now.astimezone(dt.UTC).replace(microsecond=0) - dt.timedelta(days=1)
    return start, start + dt.timedelta(days=days)


def _name(cn: str, *, org: str = DEMO_ORG, email: str = "") -> x509.Name:
    attrs = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
        x509.NameAttribute(NameOID.COMMON_NAME, cn),
    ]
    if email:
        attrs.append(x509.NameAttribute(NameOID.EMAIL_ADDRESS, email))
    return x509.Name(attrs)


def _key_usage(*, signing: bool = False, ca: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signing,
        content_commitment=signing,  # nonRepudiation
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def create_ca(
    *, now: dt.datetime, name: str = DEMO_CA_NAME, days: int = 3650, key_type: KeyType = "rsa"
) -> IssuedCertificate:
    """A self-signed root CA (CA:true, keyCertSign + cRLSign)."""
    key = _new_key(key_type)
    not_before, not_after = _window(now, days)
    subject = _name(name)
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_key_usage(ca=True), critical=True)
        .add_extension(ski, critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    return IssuedCertificate(cert, key)


def _issue(
    ca: IssuedCertificate,
    subject: x509.Name,
    *,
    now: dt.datetime,
    days: int,
    key_usage: x509.KeyUsage,
    eku: list[ObjectIdentifier],
    eku_critical: bool = False,
    email: str = "",
    key_type: KeyType = "rsa",
    crl_url: str = "",
    ocsp_url: str = "",
) -> IssuedCertificate:
    key = _new_key(key_type)
    not_before, not_after = _window(now, days)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(key_usage, critical=True)
        .add_extension(x509.ExtendedKeyUsage(eku), critical=eku_critical)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.certificate.public_key()),  # type: ignore[arg-type]  # the CA key is RSA or EC
            critical=False,
        )
    )
    if email:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.RFC822Name(email)]), critical=False
        )
    if crl_url:
        builder = builder.add_extension(
            x509.CRLDistributionPoints(
                [
                    x509.DistributionPoint(
                        full_name=[x509.UniformResourceIdentifier(crl_url)],
                        relative_name=None,
                        reasons=None,
                        crl_issuer=None,
                    )
                ]
            ),
            critical=False,
        )
    if ocsp_url:
        builder = builder.add_extension(
            x509.AuthorityInformationAccess(
                [
                    x509.AccessDescription(
                        AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(ocsp_url)
                    )
                ]
            ),
            critical=False,
        )
    cert = builder.sign(ca.private_key, hashes.SHA256())
    chain = ca.chain if ca.chain else ()
    # An intermediate CA would be put in the chain; a self-signed root never is.
    if ca.certificate.issuer != ca.certificate.subject:
        chain = (ca.certificate, *ca.chain)
    return IssuedCertificate(cert, key, chain)


def issue_personal(
    ca: IssuedCertificate,
    *,
    full_name: str,
    now: dt.datetime,
    email: str = "",
    organisation: str = DEMO_ORG,
    days: int = 730,
    key_type: KeyType = "rsa",
    crl_url: str = "",
    ocsp_url: str = "",
) -> IssuedCertificate:
    """A personal signing certificate (digitalSignature + nonRepudiation; EKU emailProtection
    — what NSS/poppler checks for a document signer — and documentSigning); ``crl_url``: a
    CRL distribution point, ``ocsp_url``: an OCSP responder in the Authority Information
    Access (none by default)."""
    return _issue(
        ca,
        _name(full_name, org=organisation, email=email),
        now=now,
        days=days,
        key_usage=_key_usage(signing=True),
        eku=[ExtendedKeyUsageOID.EMAIL_PROTECTION, EKU_DOCUMENT_SIGNING],
        email=email,
        key_type=key_type,
        crl_url=crl_url,
        ocsp_url=ocsp_url,
    )


def issue_seal(
    ca: IssuedCertificate,
    *,
    school_name: str,
    now: dt.datetime,
    days: int = 1095,
    key_type: KeyType = "rsa",
    crl_url: str = "",
    ocsp_url: str = "",
) -> IssuedCertificate:
    """The school's organisation ("seal") certificate: O = CN = the school's name; with a CRL
    distribution point and an OCSP responder when given."""
    return _issue(
        ca,
        _name(school_name, org=school_name),
        now=now,
        days=days,
        key_usage=_key_usage(signing=True),
        eku=[ExtendedKeyUsageOID.EMAIL_PROTECTION, EKU_DOCUMENT_SIGNING],
        key_type=key_type,
        crl_url=crl_url,
        ocsp_url=ocsp_url,
    )


def issue_tsa(
    ca: IssuedCertificate, *, now: dt.datetime, name: str = DEMO_TSA_NAME, days: int = 3650
) -> IssuedCertificate:
    """A time-stamping authority certificate (EKU timeStamping, critical; RSA: pyHanko's local
    timestamper is RSA-only)."""
    return _issue(
        ca,
        _name(name),
        now=now,
        days=days,
        key_usage=_key_usage(signing=True),
        eku=[ExtendedKeyUsageOID.TIME_STAMPING],
        eku_critical=True,
        key_type="rsa",
    )


def load_pem_certificates(data: bytes) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(data)

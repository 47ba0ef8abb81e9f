"""The installation's trust roots and time-stamping authority, from settings.

* ``SIGNING_TRUST_ROOTS``: PEM files (each may hold several certificates) — in production the
  roots of the CAs that issue staff and seal certificates (for public schools the VGCA root).
* ``SIGNING_DEMO_PKI``: in a demo installation the DEMO CA written by `seed_demo_signing` is a
  trust root too; settings refuse this switch when DEBUG is off, so production never trusts it.
* ``SIGNING_TSA``: "" (no timestamps), "demo" (the local DEMO TSA) or the URL of an RFC 3161
  service (pyHanko's HTTP client; the only network this module may cause, at signing time).
"""

from __future__ import annotations

from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko.sign.timestamps.api import TimeStamper

from hocbaso.signing.demo_store import demo_authority_exists, demo_ca_path, load_demo_authority
from hocbaso.signing.timestamps import LocalTimestamper

_timestampers: dict[tuple[str, float], TimeStamper] = {}


def trust_roots() -> list[x509.Certificate]:
    """Every configured root, without duplicates (file order kept)."""
    roots: list[x509.Certificate] = []
    for name in settings.SIGNING_TRUST_ROOTS:
        path = Path(name)
        try:
            roots.extend(x509.load_pem_x509_certificates(path.read_bytes()))
        except (OSError, ValueError) as exc:
            raise ImproperlyConfigured(f"HOCBASO_TRUST_ROOTS: cannot read {path}: {exc}") from exc
    if settings.SIGNING_DEMO_PKI and demo_ca_path().is_file():
        roots.append(x509.load_pem_x509_certificate(demo_ca_path().read_bytes()))
    unique: dict[bytes, x509.Certificate] = {}
    for cert in roots:
        unique.setdefault(cert.fingerprint(hashes.SHA256()), cert)
    return list(unique.values())


def demo_pki_trusted() -> bool:
    return bool(settings.SIGNING_DEMO_PKI)


def configured_timestamper() -> TimeStamper | None:
    """The TSA to stamp signatures with, or None when none is configured."""
    tsa = settings.SIGNING_TSA
    if not tsa:
        return None
    if tsa == "demo":
        if not settings.SIGNING_DEMO_PKI:
            raise ImproperlyConfigured("HOCBASO_TSA=demo needs the demo PKI (HOCBASO_DEMO_PKI)")
        if not demo_authority_exists():
            raise ImproperlyConfigured(
                "The DEMO TSA does not exist yet: run `python manage.py seed_demo_signing`."
            )
        path = demo_ca_path()
        key = (str(path), path.stat().st_mtime)
        if key not in _timestampers:
            authority = load_demo_authority()
            assert isinstance(authority.tsa.private_key, rsa.RSAPrivateKey)
            _timestampers.clear()
            _timestampers[key] = LocalTimestamper(
                authority.tsa.certificate, authority.tsa.private_key
            )
        return _timestampers[key]
    if not tsa.startswith("https://") and not tsa.startswith("http://"):
        raise ImproperlyConfigured("HOCBASO_TSA must be '', 'demo' or an http(s) URL")
    return HTTPTimeStamper(tsa)

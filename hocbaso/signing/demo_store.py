"""The demo installation's DEMO CA and DEMO TSA, kept as files under PRIVATE_MEDIA_ROOT.

`seed_demo_signing` calls `ensure_demo_authority` once: the first call creates the CA and the TSA
and writes them to `demo_pki_dir()` (PEM; the private keys unencrypted but readable by the
owner only — a DEMO key guards nothing real); later calls load the same files, so every
certificate issued in one installation chains to one DEMO CA. The CA is a trust root only where
``SIGNING_DEMO_PKI`` is on (`hocbaso.signing.trust`), which settings refuse in production.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from hocbaso.signing.demo_pki import IssuedCertificate, create_ca, demo_pki_dir, issue_tsa

CA_CERT = "demo-ca.pem"
CA_KEY = "demo-ca.key.pem"
TSA_CERT = "demo-tsa.pem"
TSA_KEY = "demo-tsa.key.pem"


@dataclass(frozen=True)
class DemoAuthority:
    ca: IssuedCertificate
    tsa: IssuedCertificate


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _load(directory: Path, cert_name: str, key_name: str) -> IssuedCertificate:
    cert = x509.load_pem_x509_certificate((directory / cert_name).read_bytes())
    key = serialization.load_pem_private_key((directory / key_name).read_bytes(), None)
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise ValueError(f"{key_name}: unsupported key type")
    return IssuedCertificate(cert, key)


def demo_authority_exists(directory: Path | None = None) -> bool:
    folder = directory or demo_pki_dir()
    return all((folder / name).is_file() for name in (CA_CERT, CA_KEY, TSA_CERT, TSA_KEY))


_loaded: dict[tuple[str, float, float], DemoAuthority] = {}


def load_demo_authority(directory: Path | None = None) -> DemoAuthority:
    """The authority's files, parsed once per process (parsing the two RSA keys costs tens of
    milliseconds; the seal step asks for the DEMO CRL on every page). Files rewritten since
    (a new demo installation) are read again."""
    folder = directory or demo_pki_dir()
    key = (
        str(folder.resolve()),
        (folder / CA_KEY).stat().st_mtime,
        (folder / TSA_KEY).stat().st_mtime,
    )
    found = _loaded.get(key)
    if found is None:
        found = DemoAuthority(
            ca=_load(folder, CA_CERT, CA_KEY), tsa=_load(folder, TSA_CERT, TSA_KEY)
        )
        if len(_loaded) > 8:
            _loaded.clear()
        _loaded[key] = found
    return found


def ensure_demo_authority(now: dt.datetime, directory: Path | None = None) -> DemoAuthority:
    """The installation's DEMO CA and TSA, created and written on first use."""
    folder = directory or demo_pki_dir()
    if demo_authority_exists(folder):
        return load_demo_authority(folder)
    folder.mkdir(parents=True, exist_ok=True)
    ca = create_ca(now=now)
    tsa = issue_tsa(ca, now=now)
    _write_private(folder / CA_KEY, ca.key_pem())
    _write_private(folder / TSA_KEY, tsa.key_pem())
    (folder / CA_CERT).write_bytes(ca.cert_pem())
    (folder / TSA_CERT).write_bytes(tsa.cert_pem())
    return DemoAuthority(ca=ca, tsa=tsa)


def demo_ca_path(directory: Path | None = None) -> Path:
    return (directory or demo_pki_dir()) / CA_CERT

"""A SoftHSM2 token in a temporary directory, holding demo PKI keys and certificates.

SoftHSM reads ``SOFTHSM2_CONF`` when the module is initialised, and sees only the tokens that
exist then: the token is made once per test process (session scope), before the module is loaded.
Without ``softhsm2-util`` the tests are skipped, unless HOCBASO_REQUIRE_BROWSER=1 (CI), where a
missing SoftHSM2 fails instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pkcs11
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from pkcs11 import Attribute, ObjectClass
from pkcs11.util.ec import decode_ec_private_key
from pkcs11.util.rsa import decode_rsa_private_key
from pkcs11.util.x509 import decode_x509_certificate

from hocbaso.signing.demo_pki import IssuedCertificate
from hocbaso.signing.pkcs11_signer import DEFAULT_MODULE

TOKEN_LABEL = "hocbaso-gvcn"
USER_PIN = "246810"
SO_PIN = "13579135"


@dataclass(frozen=True)
class SoftHsmToken:
    module: str
    label: str
    pin: str
    conf: Path


def require_softhsm() -> None:
    if shutil.which("softhsm2-util") and Path(DEFAULT_MODULE).exists():
        return
    if os.environ.get("HOCBASO_REQUIRE_BROWSER") == "1":
        pytest.fail("SoftHSM2 not installed (install Debian's softhsm2)")
    pytest.skip("SoftHSM2 (softhsm2-util) not installed: PKCS#11 test not run")


def init_token(conf: Path, label: str) -> None:
    subprocess.run(
        ["softhsm2-util", "--init-token", "--free", "--label", label]
        + ["--pin", USER_PIN, "--so-pin", SO_PIN],
        check=True,
        capture_output=True,
        env={**os.environ, "SOFTHSM2_CONF": str(conf)},
    )


def import_identity(token: SoftHsmToken, who: IssuedCertificate, label: str, key_id: bytes) -> None:
    """Write ``who``'s private key (unextractable) and certificate onto the token."""
    key = who.private_key
    if isinstance(key, rsa.RSAPrivateKey):
        der = key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
        attrs = decode_rsa_private_key(der)
    else:
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        der = key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
        attrs = decode_ec_private_key(der)
    attrs.update(
        {
            Attribute.TOKEN: True,
            Attribute.PRIVATE: True,
            Attribute.SENSITIVE: True,
            Attribute.EXTRACTABLE: False,
            Attribute.SIGN: True,
            Attribute.LABEL: label,
            Attribute.ID: key_id,
        }
    )
    cert_attrs = decode_x509_certificate(who.cert_der())
    cert_attrs.update({Attribute.TOKEN: True, Attribute.LABEL: label, Attribute.ID: key_id})
    lib = pkcs11.lib(token.module)
    with lib.get_token(token_label=token.label).open(rw=True, user_pin=token.pin) as session:
        session.create_object(attrs)
        session.create_object(cert_attrs)
        assert len(list(session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY}))) >= 1


def softhsm_token(base: Path) -> Iterator[SoftHsmToken]:
    """An initialised empty token; ``SOFTHSM2_CONF`` points at it while the generator lives."""
    require_softhsm()
    tokens = base / "tokens"
    tokens.mkdir(parents=True)
    conf = base / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n",
        encoding="utf-8",
    )
    init_token(conf, TOKEN_LABEL)
    before = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    lib = pkcs11.lib(DEFAULT_MODULE)
    lib.reinitialize()  # another SOFTHSM2_CONF may have been read by an earlier load
    try:
        yield SoftHsmToken(module=DEFAULT_MODULE, label=TOKEN_LABEL, pin=USER_PIN, conf=conf)
    finally:
        if before is None:
            os.environ.pop("SOFTHSM2_CONF", None)
        else:
            os.environ["SOFTHSM2_CONF"] = before

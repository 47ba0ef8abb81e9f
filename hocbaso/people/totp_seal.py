"""TOTP secrets encrypted at rest: Fernet (AES-128-CBC + HMAC-SHA256) under a key derived from
settings.MFA_SECRET_KEY by HKDF-SHA256 with a purpose label (like records/batch_pin.py). A
database dump alone does not give anyone's second factor."""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

PURPOSE = b"hocbaso.people.totp-secret.v1"


def _fernet() -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=PURPOSE).derive(
        str(settings.MFA_SECRET_KEY).encode("utf-8")
    )
    return Fernet(base64.urlsafe_b64encode(key))


def seal_secret(secret: bytes) -> bytes:
    return _fernet().encrypt(secret)


def open_secret(token: bytes) -> bytes | None:
    """The secret, or None when the token cannot be read (another MFA key)."""
    try:
        return _fernet().decrypt(bytes(token))
    except InvalidToken:
        return None

"""The PIN of a signing batch, kept for the worker only while the batch runs.

Encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under a key derived from ``SECRET_KEY`` by
HKDF-SHA256 with a purpose label, so the key serves nothing else; the ciphertext lives in
`SigningBatch.sealed_pin` and is wiped when the batch ends. The PIN is never logged, never put
in task arguments, audit data or exception messages.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

PURPOSE = b"hocbaso.records.signing-batch-pin.v1"


def _fernet() -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=PURPOSE).derive(
        str(settings.SECRET_KEY).encode("utf-8")
    )
    return Fernet(base64.urlsafe_b64encode(key))


def seal_pin(pin: str) -> bytes:
    return _fernet().encrypt(pin.encode("utf-8"))


def open_pin(token: bytes) -> str | None:
    """The PIN, or None when the token is empty (wiped) or unreadable (another SECRET_KEY)."""
    if not token:
        return None
    try:
        return _fernet().decrypt(bytes(token)).decode("utf-8")
    except InvalidToken:
        return None

"""Time-based one-time passwords (RFC 6238 on RFC 4226 HOTP), with the standard library only.

Pure functions: no Django, no database. Keys are raw bytes; users see them in base32."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
from urllib.parse import quote, urlencode

STEP_SECONDS = 30
DIGITS = 6
SECRET_BYTES = 20  # 160 bits, RFC 4226 §4's recommendation for HMAC-SHA1
_DIGESTS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "sha512": hashlib.sha512}


def new_secret() -> bytes:
    return secrets.token_bytes(SECRET_BYTES)


def to_base32(key: bytes) -> str:
    return base64.b32encode(key).decode("ascii").rstrip("=")


def from_base32(text: str) -> bytes:
    cleaned = "".join(text.split()).upper()
    return base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))


def hotp(key: bytes, counter: int, *, digits: int = DIGITS, digest: str = "sha1") -> str:
    """RFC 4226 §5.3: HMAC the 8-byte big-endian counter, truncate dynamically, keep `digits`."""
    mac = hmac.new(key, struct.pack(">Q", counter), _DIGESTS[digest]).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def time_step(at: float, *, step: int = STEP_SECONDS) -> int:
    """RFC 6238 §4.2: T = floor((Unix time − T0) / X), with T0 = 0."""
    return int(at // step)


def totp(key: bytes, at: float, *, digits: int = DIGITS, digest: str = "sha1") -> str:
    return hotp(key, time_step(at), digits=digits, digest=digest)


def matching_step(
    key: bytes, code: str, at: float, *, last_used_step: int | None, window: int = 1
) -> int | None:
    """The time step whose code is `code`, within ±`window` steps of `at` (RFC 6238 §5.2 allows
    one step of clock drift), and later than `last_used_step` so that a code works once (§5.2:
    "the verifier MUST NOT accept the second attempt of the same OTP"). None if none matches."""
    code = "".join(code.split())
    if len(code) != DIGITS or not code.isdigit():
        return None
    now_step = time_step(at)
    found = None
    for candidate in range(now_step - window, now_step + window + 1):
        # compare every candidate (no early exit) in constant time
        if hmac.compare_digest(hotp(key, candidate), code) and found is None:
            found = candidate
    if found is None or (last_used_step is not None and found <= last_used_step):
        return None
    return found


def provisioning_uri(key: bytes, *, account: str, issuer: str) -> str:
    """The otpauth:// URI authenticator apps read from the QR code (Key Uri Format)."""
    label = quote(f"{issuer}:{account}")
    query = urlencode(
        {"secret": to_base32(key), "issuer": issuer, "algorithm": "SHA1", "digits": DIGITS},
        quote_via=quote,
    )
    return f"otpauth://totp/{label}?{query}"

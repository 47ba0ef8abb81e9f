"""The verification link a record's QR code carries (and the PDF's link annotation over it).

``verify_url(code, version, sha256)`` is
``{HOCBASO_PUBLIC_URL}/xac-minh/{code}/{version}/?h={sha256}``: the record code, the version and
the SHA-256 of the version's canonical XML (the bytes embedded as ``hocba.xml``).
``parse_verify_url`` reads such a link back, strictly: http(s), a host, no user info, the path
ending in ``/xac-minh/<code>/<version>/`` (any prefix, so that a link printed before the public
address moved still parses), the query exactly ``h=<64 lowercase hex digits>``, no fragment.
Anything else is ``None``. The record code is percent-encoded (it normally needs none).
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote, urlsplit

from django.conf import settings

PATH_PREFIX = "xac-minh"
MAX_CODE_LENGTH = 80  # RecordPage.record_code
_SHA256 = re.compile(r"[0-9a-f]{64}")
_VERSION = re.compile(r"[1-9][0-9]{0,9}")
_TAIL = re.compile(rf"/{PATH_PREFIX}/(?P<code>[^/]+)/(?P<version>[^/]+)/")
_FORBIDDEN_IN_CODE = re.compile(r"[\x00-\x20\x7f/\\?#]")


def _valid_code(code: str) -> bool:
    return 0 < len(code) <= MAX_CODE_LENGTH and not _FORBIDDEN_IN_CODE.search(code)


def _quote_code(code: str) -> str:
    return quote(code, safe="-._~")


def verify_url(record_code: str, version: int, sha256: str) -> str:
    """The link of a record version's QR code. ValueError for a value that could not be read
    back by `parse_verify_url` (never printed on a record)."""
    if not _valid_code(record_code):
        raise ValueError(f"record code not usable in a link: {record_code!r}")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ValueError(f"version must be a positive integer: {version!r}")
    if not _SHA256.fullmatch(sha256):
        raise ValueError("sha256 must be 64 lowercase hex digits")
    base = str(settings.HOCBASO_PUBLIC_URL).rstrip("/")
    return f"{base}/{PATH_PREFIX}/{_quote_code(record_code)}/{version}/?h={sha256}"


def landing_path(record_code: str, version: int, sha256: str = "") -> str:
    """The site-relative path of a version's QR landing page (links inside this site)."""
    query = f"?h={sha256}" if sha256 else ""
    return f"/{PATH_PREFIX}/{_quote_code(record_code)}/{version}/{query}"


def parse_verify_url(url: str) -> tuple[str, int, str] | None:
    """``(record_code, version, sha256)`` of a verification link, or None when ``url`` is not
    exactly such a link."""
    if not isinstance(url, str) or len(url) > 2048 or url != url.strip():
        return None
    try:
        parts = urlsplit(url)
        port = parts.port  # ValueError for a malformed port
    except ValueError:
        return None
    del port
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    if "@" in parts.netloc or parts.fragment or "#" in url:
        return None
    match = _TAIL.search(parts.path)
    if match is None or match.end() != len(parts.path):
        return None
    raw_code, raw_version = match.group("code"), match.group("version")
    if not _VERSION.fullmatch(raw_version):
        return None
    try:
        code = unquote(raw_code, errors="strict")
    except UnicodeDecodeError:
        return None
    if not _valid_code(code) or _quote_code(code) != raw_code:
        return None  # only the canonical spelling: one link per record version
    if not parts.query.startswith("h="):
        return None
    sha256 = parts.query[2:]
    if not _SHA256.fullmatch(sha256):
        return None
    return code, int(raw_version), sha256

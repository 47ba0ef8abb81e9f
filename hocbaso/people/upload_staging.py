"""Uploaded import files kept between the dry run and the apply.

The dry run stores the file under its SHA-256 (outside any web root); the apply names that
hash, and the server re-reads and re-checks the very bytes the user saw checked.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from django.conf import settings

_HEX64 = re.compile(r"[0-9a-f]{64}")


def _root() -> Path:
    return Path(settings.PRIVATE_MEDIA_ROOT) / "imports"


def stage(data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()
    root = _root()
    root.mkdir(parents=True, exist_ok=True)
    path = root / f"{digest}.bin"
    if not path.exists():
        path.write_bytes(data)
    return digest


def read_staged(digest: str) -> bytes | None:
    if not _HEX64.fullmatch(digest):
        return None
    path = _root() / f"{digest}.bin"
    return path.read_bytes() if path.exists() else None


def discard(digest: str) -> None:
    if _HEX64.fullmatch(digest):
        (_root() / f"{digest}.bin").unlink(missing_ok=True)

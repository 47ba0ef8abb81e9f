"""Signed and rendered PDFs of year pages, stored by content hash under
PRIVATE_MEDIA_ROOT/records (never a web root), re-checked on every read.

Files are content-addressed and written atomically (temporary file, fsync, rename), so a write
is idempotent and a crash leaves either no file or the whole file. A file written by a
transaction that then rolled back is an orphan that nothing points at (`RecordFile` rows are
the register); it is harmless and may be collected later.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from django.conf import settings

from hocbaso.people.errors import ActionError

_HEX = frozenset("0123456789abcdef")

MSG_BAD_DIGEST = "Mã tệp trang học bạ không hợp lệ."
MSG_MISSING = "Không tìm thấy tệp trang học bạ."
MSG_TAMPERED = "Tệp trang học bạ đã bị thay đổi trên đĩa."


def records_root() -> Path:
    return Path(settings.PRIVATE_MEDIA_ROOT) / "records"


def record_file_path(sha256: str) -> Path:
    if len(sha256) != 64 or not set(sha256) <= _HEX:
        raise ActionError(MSG_BAD_DIGEST)
    return records_root() / sha256[:2] / f"{sha256}.pdf"


def store_pdf(data: bytes) -> str:
    """Store ``data`` by its SHA-256 and return the hex digest. Idempotent; a copy on disk
    that no longer matches its name is replaced."""
    digest = hashlib.sha256(data).hexdigest()
    path = record_file_path(digest)
    if path.exists() and hashlib.sha256(path.read_bytes()).hexdigest() == digest:
        return digest
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{digest[:8]}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as tmp_file:
            tmp_file.write(data)
            tmp_file.flush()
            os.fsync(tmp_file.fileno())
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return digest


def read_pdf(sha256: str) -> bytes:
    """The stored bytes, checked against their digest (a file changed on disk is refused)."""
    path = record_file_path(sha256)
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise ActionError(MSG_MISSING) from exc
    if hashlib.sha256(data).hexdigest() != sha256:
        raise ActionError(MSG_TAMPERED)
    return data

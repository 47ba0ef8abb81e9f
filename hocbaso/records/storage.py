"""Signed and rendered PDFs of year pages and their XAdES-signed XML, stored by content hash
under PRIVATE_MEDIA_ROOT/records (never a web root), re-checked on every read.

Files are content-addressed and written atomically (temporary file, fsync, rename), so a write
is idempotent and a crash leaves either no file or the whole file. A file written by a
transaction that then rolled back is an orphan that nothing points at (`RecordFile` rows are
the register); it is harmless and may be collected later.
"""

from __future__ import annotations

from pathlib import Path

from hocbaso.people.hashed_files import HashedFiles

MSG_BAD_DIGEST = "Mã tệp trang học bạ không hợp lệ."
MSG_MISSING = "Không tìm thấy tệp trang học bạ."
MSG_TAMPERED = "Tệp trang học bạ đã bị thay đổi trên đĩa."


RECORD_FILES = HashedFiles(
    folder="records",
    suffix=".pdf",
    msg_bad_digest=MSG_BAD_DIGEST,
    msg_missing=MSG_MISSING,
    msg_tampered=MSG_TAMPERED,
)

# The XAdES-signed XML of sealed pages: the same folder, its own suffix.
SIGNED_XML_FILES = HashedFiles(
    folder="records",
    suffix=".xml",
    msg_bad_digest=MSG_BAD_DIGEST,
    msg_missing=MSG_MISSING,
    msg_tampered=MSG_TAMPERED,
)


def records_root() -> Path:
    return RECORD_FILES.root()


def record_file_path(sha256: str) -> Path:
    return RECORD_FILES.path(sha256)


def store_pdf(data: bytes) -> str:
    """Store ``data`` by its SHA-256 and return the hex digest (idempotent, atomic)."""
    return RECORD_FILES.store(data)


def read_pdf(sha256: str) -> bytes:
    """The stored bytes, checked against their digest (a file changed on disk is refused)."""
    return RECORD_FILES.read(sha256)


def store_signed_xml(data: bytes) -> str:
    """Store a XAdES-signed XML by its SHA-256 and return the hex digest (idempotent, atomic)."""
    return SIGNED_XML_FILES.store(data)


def read_signed_xml(sha256: str) -> bytes:
    """The stored signed XML, checked against its digest."""
    return SIGNED_XML_FILES.read(sha256)

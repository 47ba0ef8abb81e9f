"""Quy chế files: PDFs stored by SHA-256 under PRIVATE_MEDIA_ROOT/regulations."""

from __future__ import annotations

from hocbaso.people.hashed_files import HashedFiles

REGULATION_FILES = HashedFiles(
    folder="regulations",
    suffix=".pdf",
    msg_bad_digest="Mã tệp quy chế không hợp lệ.",
    msg_missing="Không tìm thấy tệp quy chế.",
    msg_tampered="Tệp quy chế đã bị thay đổi trên đĩa.",
)
MAX_BYTES = 10 * 1024 * 1024

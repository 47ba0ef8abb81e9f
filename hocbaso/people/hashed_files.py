"""Files stored by their SHA-256 under PRIVATE_MEDIA_ROOT (never a web root) and re-checked on
every read: the biên bản of corrections and the PDFs of record pages.

Writes are idempotent and atomic (temporary file, fsync, rename): a crash leaves either no file
or the whole file, and a copy on disk that no longer matches its name is replaced. A file
written by a transaction that then rolled back is an orphan nothing points at; harmless.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from hocbaso.people.errors import ActionError

_HEX = frozenset("0123456789abcdef")


@dataclass(frozen=True)
class HashedFiles:
    """One folder of content-addressed files, with its Vietnamese refusals."""

    folder: str
    suffix: str
    msg_bad_digest: str
    msg_missing: str
    msg_tampered: str

    def root(self) -> Path:
        return Path(settings.PRIVATE_MEDIA_ROOT) / self.folder

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or not set(sha256) <= _HEX:
            raise ActionError(self.msg_bad_digest)
        return self.root() / sha256[:2] / f"{sha256}{self.suffix}"

    def store(self, data: bytes) -> str:
        """Store ``data`` by its SHA-256 and return the hex digest."""
        digest = hashlib.sha256(data).hexdigest()
        path = self.path(digest)
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

    def read(self, sha256: str) -> bytes:
        """The stored bytes, checked against their digest (a file changed on disk is refused)."""
        path = self.path(sha256)
        try:
            data = path.read_bytes()
        except FileNotFoundError as exc:
            raise ActionError(self.msg_missing) from exc
        if hashlib.sha256(data).hexdigest() != sha256:
            raise ActionError(self.msg_tampered)
        return data

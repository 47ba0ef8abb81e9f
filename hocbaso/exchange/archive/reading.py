"""Opening an archive: age decryption into a temporary file, then a tar read member by member
with guards (regular files only, known folders, no "..", no absolute path, no duplicate, size
and count limits). Nothing is extracted to disk: members are hashed in a stream and read back
by name when needed."""

from __future__ import annotations

import hashlib
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pyrage

from hocbaso.exchange.archive import layout

CHUNK = 1024 * 1024


class ArchiveRefused(Exception):
    """The archive cannot be read at all (wrong key, not an archive, unsafe layout)."""


@dataclass
class Member:
    info: tarfile.TarInfo
    sha256: str
    size: int


@dataclass
class Opened:
    tar: tarfile.TarFile
    members: dict[str, Member] = field(default_factory=dict)

    def read(self, name: str, limit: int = layout.MAX_MEMBER_BYTES) -> bytes:
        member = self.members[name]
        if member.size > limit:
            raise ArchiveRefused(f"Tệp {name} quá lớn.")
        source = self.tar.extractfile(member.info)
        if source is None:  # pragma: no cover - only regular files are indexed
            raise ArchiveRefused(f"Không đọc được {name}.")
        return source.read()

    def stream(self, name: str) -> IO[bytes]:
        source = self.tar.extractfile(self.members[name].info)
        if source is None:  # pragma: no cover
            raise ArchiveRefused(f"Không đọc được {name}.")
        return source


def load_identities(path: Path) -> list[pyrage.x25519.Identity]:
    """The age identities (AGE-SECRET-KEY-… lines) in ``path``; comments skipped."""
    try:
        lines = path.read_text(encoding="ascii").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ArchiveRefused(f"Không đọc được tệp khóa bí mật age: {path}.") from exc
    found = []
    for line in lines:
        text = line.strip()
        if text and not text.startswith("#"):
            try:
                found.append(pyrage.x25519.Identity.from_str(text))
            except pyrage.IdentityError as exc:
                raise ArchiveRefused("Tệp khóa bí mật age không hợp lệ.") from exc
    if not found:
        raise ArchiveRefused("Tệp khóa bí mật age không có khóa nào.")
    return found


def _sha256(source: IO[bytes] | None) -> str:
    digest = hashlib.sha256()
    if source is not None:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _index(tar: tarfile.TarFile) -> dict[str, Member]:
    members: dict[str, Member] = {}
    total = 0
    for info in tar:
        if len(members) >= layout.MAX_MEMBERS:
            raise ArchiveRefused("Bản lưu trữ có quá nhiều tệp.")
        if not info.isfile():
            raise ArchiveRefused(f"Bản lưu trữ chứa mục không phải tệp thường: {info.name!r}.")
        if not layout.safe_name(info.name):
            raise ArchiveRefused(f"Bản lưu trữ chứa đường dẫn không an toàn: {info.name!r}.")
        if info.name in members:
            raise ArchiveRefused(f"Bản lưu trữ chứa tệp trùng tên: {info.name!r}.")
        if info.size > layout.MAX_MEMBER_BYTES:
            raise ArchiveRefused(f"Tệp {info.name} quá lớn.")
        total += info.size
        if total > layout.MAX_TOTAL_BYTES:
            raise ArchiveRefused("Bản lưu trữ quá lớn.")
        members[info.name] = Member(info, _sha256(tar.extractfile(info)), info.size)
    return members


@contextmanager
def open_archive(path: Path, identities: list[pyrage.x25519.Identity]) -> Iterator[Opened]:
    """Decrypt ``path`` and index its tar; `ArchiveRefused` (Vietnamese) when it cannot."""
    with tempfile.TemporaryFile() as plain:
        try:
            sealed = path.open("rb")
        except OSError as exc:
            raise ArchiveRefused(f"Không đọc được tệp {path}.") from exc
        try:
            with sealed:
                pyrage.decrypt_io(sealed, plain, identities)
        except (pyrage.DecryptError, OSError) as exc:  # a bad chunk surfaces as an OSError
            raise ArchiveRefused(
                "Không giải mã được bản lưu trữ: sai khóa bí mật age hoặc tệp đã bị thay đổi."
            ) from exc
        plain.seek(0)
        try:
            with tarfile.open(fileobj=plain, mode="r:") as tar:
                yield Opened(tar, _index(tar))
        except tarfile.TarError as exc:
            raise ArchiveRefused("Nội dung giải mã không phải bản lưu trữ hợp lệ.") from exc

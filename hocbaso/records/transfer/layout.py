"""The transfer package's archive: its fixed layout, written deterministically, and read back
only after the guards of `hocbaso.people.imports.guards` (docs/transfers.md).

Layout (in this order; every member stored with the timestamp 1980-01-01 00:00, no extra
fields, mode 0644, PDFs stored, the rest deflated)::

    manifest.json                  the manifest (canonical JSON, `canonical_json`)
    manifest.json.p7s              its detached CAdES signature by the school seal (DER)
    profile.json                   the pupil's identity fields
    records/<code>-v<n>.pdf        each sealed page, byte-identical to the issued file
    records/<code>-v<n>.xml        its canonical XML (the data the signatures cover)

The same inputs give the same bytes. Reading refuses, before any member is parsed: a file
that is not a zip, too large, too many members, compression bombs, unsafe or duplicate names,
symlinks, encryption, nested archives, members outside the layout, and members missing.
"""

from __future__ import annotations

import io
import json
import re
import stat
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hocbaso.people.hashed_files import HashedFiles
from hocbaso.people.imports.guards import MAX_RATIO, RATIO_FLOOR, human_size

FORMAT = "hocbaso-chuyen-truong"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SIGNATURE = "manifest.json.p7s"
PROFILE = "profile.json"
RECORDS_DIR = "records/"
MEDIA_TYPE = "application/zip"

MAX_PACKAGE_BYTES = 50 * 1024 * 1024  # five years of pages are ~2 MB
MAX_UNPACKED_BYTES = 80 * 1024 * 1024
MAX_MEMBERS = 64  # 3 + 2 per page version
MAX_JSON_BYTES = 2 * 1024 * 1024
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_RECORD_NAME = re.compile(r"records/[A-Za-z0-9._-]{1,100}-v[0-9]{1,4}\.(pdf|xml)")
_NESTED_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"\xd0\xcf\x11\xe0", b"\x1f\x8b", b"Rar!")

# The stored archives (made here or received), by SHA-256, outside any web root.
PACKAGES = HashedFiles(
    folder="transfers",
    suffix=".zip",
    msg_bad_digest="Mã hồ sơ chuyển trường không hợp lệ.",
    msg_missing="Không tìm thấy tệp hồ sơ chuyển trường.",
    msg_tampered="Tệp hồ sơ chuyển trường đã bị thay đổi trên đĩa.",
)


class PackageRefused(ValueError):
    """The archive is unsafe or not a transfer package; ``reason`` is in Vietnamese."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def canonical_json(value: Any) -> bytes:
    """UTF-8 JSON with sorted keys and two-space indentation: one text for one value."""
    return (json.dumps(value, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode()


def record_member(record_code: str, version: int, suffix: str) -> str:
    return f"{RECORDS_DIR}{record_code}-v{version}.{suffix}"


def write_archive(members: Sequence[tuple[str, bytes]]) -> bytes:
    """The zip of ``members`` in the given order, deterministic (fixed times and modes)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            info.create_system = 3  # unix, so that the mode above is meaningful
            pdf = name.endswith(".pdf")
            info.compress_type = zipfile.ZIP_STORED if pdf else zipfile.ZIP_DEFLATED
            archive.writestr(info, data, compresslevel=None if pdf else 9)
    return out.getvalue()


@dataclass(frozen=True)
class Archive:
    """The members of a checked archive, by name, in archive order."""

    names: tuple[str, ...]
    members: dict[str, bytes]


def _unsafe_name(name: str) -> bool:
    parts = name.replace("\\", "/").split("/")
    return (
        not name
        or "\x00" in name
        or "\\" in name
        or name.startswith("/")
        or (len(name) > 1 and name[1] == ":")
        or any(part in ("..", ".", "") for part in parts)
    )


def _check_infos(infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > MAX_MEMBERS:
        raise PackageRefused(
            f"Hồ sơ có {len(infos)} tệp bên trong, vượt giới hạn {MAX_MEMBERS} tệp."
        )
    seen: set[str] = set()
    total = 0
    for info in infos:
        name = info.filename
        if _unsafe_name(name):
            raise PackageRefused(f"Hồ sơ chứa tên tệp không an toàn «{name[:80]}» (đường dẫn).")
        if info.flag_bits & 0x1:
            raise PackageRefused("Hồ sơ có tệp được mã hóa (đặt mật khẩu): không đọc được.")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise PackageRefused(f"Hồ sơ chứa liên kết tượng trưng (symlink) «{name[:80]}».")
        folded = name.casefold()
        if folded in seen:
            raise PackageRefused(f"Hồ sơ có hai tệp cùng tên «{name[:80]}».")
        seen.add(folded)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise PackageRefused("Hồ sơ dùng kiểu nén không được hỗ trợ.")
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise PackageRefused(
                f"Tệp «{name[:80]}» trong hồ sơ có tỉ lệ nén bất thường (nghi là bom nén)."
            )
        total += info.file_size
        if total > MAX_UNPACKED_BYTES:
            raise PackageRefused(
                f"Hồ sơ quá lớn khi giải nén (giới hạn {human_size(MAX_UNPACKED_BYTES)})."
            )
        if name not in (MANIFEST, SIGNATURE, PROFILE) and not _RECORD_NAME.fullmatch(name):
            raise PackageRefused(f"Hồ sơ có tệp «{name[:80]}» không thuộc cấu trúc hồ sơ.")
    for required in (MANIFEST, SIGNATURE, PROFILE):
        if required not in seen:
            raise PackageRefused(f"Hồ sơ thiếu tệp {required}.")


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    limit = MAX_JSON_BYTES if not info.filename.endswith(".pdf") else MAX_UNPACKED_BYTES
    if info.file_size > limit:
        raise PackageRefused(f"Tệp «{info.filename}» trong hồ sơ quá lớn.")
    try:
        with archive.open(info) as member:
            data = member.read(info.file_size + 1)
    except Exception:  # noqa: BLE001 - BadZipFile, zlib.error, CRC: a damaged or lying member
        raise PackageRefused(f"Tệp «{info.filename}» trong hồ sơ bị hỏng.") from None
    if len(data) != info.file_size:
        raise PackageRefused(f"Tệp «{info.filename}» trong hồ sơ bị hỏng.")
    if data.startswith(_NESTED_MAGICS):
        raise PackageRefused(f"Tệp «{info.filename}» trong hồ sơ là một tệp nén lồng bên trong.")
    return data


def read_archive(data: bytes) -> Archive:
    """The members of a package, after the guards (`PackageRefused` otherwise)."""
    if not data:
        raise PackageRefused("Tệp rỗng: không có dữ liệu.")
    if len(data) > MAX_PACKAGE_BYTES:
        raise PackageRefused(
            f"Tệp quá lớn: {human_size(len(data))} (giới hạn {human_size(MAX_PACKAGE_BYTES)})."
        )
    if not data.startswith(b"PK\x03\x04"):
        raise PackageRefused("Tệp không phải hồ sơ chuyển trường (tệp .zip do hệ thống lập).")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        raise PackageRefused("Tệp .zip bị hỏng, không đọc được.") from None
    with archive:
        infos = archive.infolist()
        _check_infos(infos)
        members = {info.filename: _read_member(archive, info) for info in infos}
    return Archive(names=tuple(info.filename for info in infos), members=members)


def parse_json(data: bytes, name: str) -> dict[str, Any]:
    """A JSON object from the package (`PackageRefused` otherwise)."""
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise PackageRefused(f"Tệp {name} không phải JSON hợp lệ.") from None
    if not isinstance(value, dict):
        raise PackageRefused(f"Tệp {name} không đúng cấu trúc.")
    return value

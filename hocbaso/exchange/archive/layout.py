"""The archive's names and limits, shared by the writer and the reader."""

from __future__ import annotations

FORMAT = "hocbaso-archive/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.json.p7s"
TRUST_ROOTS = "trust/roots.pem"
CHECKPOINT = "audit/checkpoint.json"
WITNESS = "audit/witness.json"
DATA = "data/"
FILES = "files/"
RECORD_FILES = "files/records/"
BIEN_BAN_FILES = "files/bien_ban/"

MAX_MEMBERS = 200_000
MAX_MEMBER_BYTES = 512 * 1024 * 1024
MAX_TOTAL_BYTES = 64 * 1024 * 1024 * 1024
MAX_MANIFEST_BYTES = 64 * 1024 * 1024


def data_name(table: str, suffix: str) -> str:
    return f"{DATA}{table}.{suffix}"


def safe_name(name: str) -> bool:
    """A plain relative path of the archive's own folders: no absolute path, no "..", no
    backslash, nothing outside the known top-level names."""
    if not name or name.startswith("/") or "\\" in name or "\x00" in name:
        return False
    parts = name.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return False
    return name in (MANIFEST, SIGNATURE, TRUST_ROOTS, CHECKPOINT, WITNESS) or (
        parts[0] in ("data", "files") and len(parts) >= 2
    )

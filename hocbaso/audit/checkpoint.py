"""Signed checkpoints of the audit chains (security.md finding 2).

A hash chain alone cannot show that its tail was cut off or that it was recomputed from scratch
by someone with write access to the database. A checkpoint records, per chain, `seq`, the hash
of event `seq` and the RFC 6962 Merkle tree root over the hashes of events 1..seq, signed with an
Ed25519 key the web app does not have. Exported off the server (to the Sở, into the end-of-term
biên bản, into the archive), it lets `verify_audit --checkpoint` catch both.

File format (JSON, UTF-8)::

    {"format": "hocbaso-audit-checkpoint/1",
     "payload": {"time": "...",
                 "chains": [{"chain", "seq", "head_hash", "merkle_root", "time", "frontier"?}]},
     "public_key": "<base64 raw Ed25519 public key>",
     "signature": "<base64 Ed25519 signature over chain.canonical_body(payload)>"}

The embedded public key only proves the file is self-consistent; pin the key you trust with
`--public-key` to prove who signed it.

`frontier` (optional, written since the incremental checkpoint) is the state of
`MerkleBuilder` after event `seq`: the roots of the perfect subtrees, largest first, as
`[[size, hex root], ...]`. It lets `checkpoint_audit --previous` resume the Merkle computation
instead of rehashing the chain from event 1. Files without it still verify.

Merkle tree (RFC 6962 §2.1): leaf = SHA-256(0x00 || 32-byte event hash), node =
SHA-256(0x01 || left || right), empty tree = SHA-256(""), split at the largest power of two
smaller than n. `MerkleBuilder` computes it incrementally with O(log n) memory.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings

from hocbaso.audit.chain import canonical_body

FORMAT = "hocbaso-audit-checkpoint/1"
KEY_SETTING = "AUDIT_CHECKPOINT_KEY_FILE"


class CheckpointError(Exception):
    """A checkpoint or key that cannot be used (message in Vietnamese, for the commands)."""


# -- Merkle tree ---------------------------------------------------------------------------------


def _leaf(event_hash_hex: str) -> bytes:
    return hashlib.sha256(b"\x00" + bytes.fromhex(event_hash_hex)).digest()


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


class MerkleBuilder:
    """RFC 6962 Merkle tree head over leaves added one by one, in O(log n) memory.

    The stack holds the roots of the perfect subtrees given by the binary digits of `size`,
    largest first; the tree head folds them from the right, which is exactly RFC 6962's split.
    """

    def __init__(self) -> None:
        self.size = 0
        self._stack: list[tuple[int, bytes]] = []  # (subtree size, root)

    def add(self, event_hash_hex: str) -> None:
        self.size += 1
        size, node = 1, _leaf(event_hash_hex)
        while self._stack and self._stack[-1][0] == size:
            left_size, left = self._stack.pop()
            size, node = left_size + size, _node(left, node)
        self._stack.append((size, node))

    @classmethod
    def from_frontier(cls, frontier: Iterable[tuple[int, str]]) -> MerkleBuilder:
        """Resume from `frontier()`; ValueError unless it is the stack of some tree size, i.e.
        roots (32-byte hex) of distinct powers of two, strictly decreasing."""
        builder = cls()
        for size, root in frontier:
            if (
                not isinstance(size, int)
                or isinstance(size, bool)
                or size < 1
                or size & (size - 1)
                or (builder._stack and builder._stack[-1][0] <= size)
            ):
                raise ValueError(f"bad subtree size {size!r} in Merkle frontier")
            node = bytes.fromhex(root)
            if len(node) != 32:
                raise ValueError("a Merkle frontier root is not 32 bytes")
            builder._stack.append((size, node))
            builder.size += size
        return builder

    def frontier(self) -> list[tuple[int, str]]:
        """The builder's state: (subtree size, hex root) pairs, largest first."""
        return [(size, node.hex()) for size, node in self._stack]

    def root(self) -> str:
        if not self._stack:
            return hashlib.sha256(b"").hexdigest()
        node = self._stack[-1][1]
        for _, left in reversed(self._stack[:-1]):
            node = _node(left, node)
        return node.hex()


def merkle_root(event_hashes: Iterable[str]) -> str:
    builder = MerkleBuilder()
    for h in event_hashes:
        builder.add(h)
    return builder.root()


def merkle_root_reference(event_hashes: list[str]) -> str:
    """The recursive definition of RFC 6962 §2.1, for tests."""
    if not event_hashes:
        return hashlib.sha256(b"").hexdigest()

    def mth(leaves: list[str]) -> bytes:
        if len(leaves) == 1:
            return _leaf(leaves[0])
        k = 1
        while k * 2 < len(leaves):
            k *= 2
        return _node(mth(leaves[:k]), mth(leaves[k:]))

    return mth(event_hashes).hex()


# -- checkpoint files ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainCheckpoint:
    chain: str
    seq: int
    head_hash: str
    merkle_root: str
    time: str
    frontier: tuple[tuple[int, str], ...] | None = None  # absent from older files

    def as_payload(self) -> dict[str, Any]:
        data = asdict(self)
        if self.frontier is None:
            del data["frontier"]
        else:
            data["frontier"] = [[size, root] for size, root in self.frontier]
        return data

    def resume(self) -> MerkleBuilder:
        """The Merkle builder after event `seq`, from `frontier`; CheckpointError if the frontier
        is missing or does not give back `seq` and `merkle_root`."""
        if self.frontier is None:
            raise CheckpointError(f"Mốc của chuỗi {self.chain} không có trạng thái Merkle.")
        try:
            builder = MerkleBuilder.from_frontier(self.frontier)
        except (ValueError, TypeError) as exc:
            raise CheckpointError(
                f"Trạng thái Merkle của chuỗi {self.chain} trong mốc không hợp lệ: {exc}"
            ) from exc
        if builder.size != self.seq or builder.root() != self.merkle_root:
            raise CheckpointError(
                f"Trạng thái Merkle của chuỗi {self.chain} không khớp số thứ tự và gốc Merkle "
                "ghi trong mốc."
            )
        return builder


def _chain_checkpoint(data: dict[str, Any]) -> ChainCheckpoint:
    frontier = data.get("frontier")
    return ChainCheckpoint(
        chain=data["chain"],
        seq=data["seq"],
        head_hash=data["head_hash"],
        merkle_root=data["merkle_root"],
        time=data["time"],
        frontier=None if frontier is None else tuple((s, r) for s, r in frontier),
    )


def build_payload(chains: Iterable[ChainCheckpoint], now: dt.datetime) -> dict[str, Any]:
    return {
        "time": now.astimezone(dt.UTC).isoformat(),
        "chains": [c.as_payload() for c in sorted(chains, key=lambda c: c.chain)],
    }


def sign(payload: dict[str, Any], key: Ed25519PrivateKey) -> dict[str, Any]:
    public = key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return {
        "format": FORMAT,
        "payload": payload,
        "public_key": base64.b64encode(public).decode("ascii"),
        "signature": base64.b64encode(key.sign(canonical_body(payload))).decode("ascii"),
    }


def write_checkpoint(path: Path, document: dict[str, Any]) -> None:
    text = json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    path.write_text(text, encoding="utf-8")


def read_checkpoint(
    path: Path, pinned: Ed25519PublicKey | None = None
) -> dict[str, ChainCheckpoint]:
    """Load a checkpoint file and check its signature; the chains it lists, by name."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        if document.get("format") != FORMAT:
            raise CheckpointError(f"Tệp mốc kiểm chứng {path} không đúng định dạng {FORMAT}.")
        payload = document["payload"]
        embedded = Ed25519PublicKey.from_public_bytes(base64.b64decode(document["public_key"]))
        signature = base64.b64decode(document["signature"])
    except (OSError, ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise CheckpointError(f"Không đọc được tệp mốc kiểm chứng {path}: {exc}") from exc
    if pinned is not None and _raw(pinned) != _raw(embedded):
        raise CheckpointError("Mốc kiểm chứng được ký bằng khoá khác khoá công khai đã chỉ định.")
    try:
        (pinned or embedded).verify(signature, canonical_body(payload))
    except InvalidSignature as exc:
        raise CheckpointError("Chữ ký của mốc kiểm chứng không hợp lệ (tệp đã bị sửa).") from exc
    try:
        return {c["chain"]: _chain_checkpoint(c) for c in payload["chains"]}
    except (KeyError, TypeError, ValueError) as exc:
        raise CheckpointError(f"Tệp mốc kiểm chứng {path} thiếu trường: {exc}") from exc


def same_key(a: Ed25519PublicKey, b: Ed25519PublicKey) -> bool:
    return _raw(a) == _raw(b)


def _raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


# -- keys ----------------------------------------------------------------------------------------


def key_path(explicit: str | None) -> Path:
    """The signing key file: `--key`, else the setting, else the environment variable."""
    value = explicit or getattr(settings, KEY_SETTING, None) or os.environ.get(KEY_SETTING)
    if not value:
        raise CheckpointError(
            f"Chưa có khoá ký: dùng --key TỆP.pem hoặc đặt {KEY_SETTING} "
            "(tạo khoá bằng --generate-key TỆP.pem)."
        )
    return Path(value)


def load_private_key(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise CheckpointError(f"Không đọc được khoá ký {path}: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise CheckpointError(f"Khoá {path} không phải khoá Ed25519.")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except (OSError, ValueError, TypeError) as exc:
        raise CheckpointError(f"Không đọc được khoá công khai {path}: {exc}") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise CheckpointError(f"Khoá {path} không phải khoá công khai Ed25519.")
    return key


def generate_key(path: Path) -> Path:
    """Write a new private key (PEM, mode 0600) to `path` and its public key to `path`.pub."""
    if path.exists():
        raise CheckpointError(f"Tệp {path} đã có; không ghi đè khoá.")
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(private_pem)
    public_path = path.with_name(path.name + ".pub")
    public_path.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return public_path

"""The last witnessed audit checkpoint in an archive (`audit/witness.json`).

`checkpoint_audit` writes checkpoints signed with an Ed25519 key the web application lacks and
hands them to the Sở as witness (docs/audit.md). `export_archive --witness FILE` copies the
latest one into the archive; the verifier checks its signature (against `--checkpoint-key` when
given, else the key the file names, reported for comparison) and that the archived chain still
has, at the witnessed `seq`, the witnessed head hash and Merkle root: the archived chain extends
what the witness saw, it was not rewritten since."""

from __future__ import annotations

import base64
import hashlib
import json
import tempfile
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from hocbaso.audit.checkpoint import (
    ChainCheckpoint,
    CheckpointError,
    MerkleBuilder,
    read_checkpoint,
)


def read_witness(
    data: bytes, chain: str, pinned: Ed25519PublicKey | None = None
) -> tuple[ChainCheckpoint, dict[str, Any]]:
    """The witnessed checkpoint of ``chain`` and facts for the report; `CheckpointError`
    (Vietnamese) when the file is unsigned, altered, signed by another key or lacks the chain."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "witness.json"
        path.write_bytes(data)
        chains = read_checkpoint(path, pinned)
    found = chains.get(chain)
    if found is None:
        raise CheckpointError(f"Mốc kiểm chứng không có chuỗi {chain}.")
    key = base64.b64decode(json.loads(data)["public_key"])
    facts = {
        "seq": found.seq,
        "time": found.time,
        "public_key_sha256": hashlib.sha256(key).hexdigest(),
        "pinned": pinned is not None,
    }
    return found, facts


def witness_problems(hashes: list[str], witnessed: ChainCheckpoint) -> list[str]:
    """``hashes``: the archived chain's event hashes in seq order (already checked as a
    chain)."""
    if len(hashes) < witnessed.seq:
        return [
            f"Chuỗi nhật kí trong bản lưu trữ dừng ở số {len(hashes)}, mốc đã chứng kiến ghi số "
            f"{witnessed.seq} (bị cắt đuôi)."
        ]
    merkle = MerkleBuilder()
    for value in hashes[: witnessed.seq]:
        merkle.add(value)
    if witnessed.seq and (
        hashes[witnessed.seq - 1] != witnessed.head_hash or merkle.root() != witnessed.merkle_root
    ):
        return [f"{witnessed.seq} sự kiện đầu của chuỗi không còn như lúc mốc được chứng kiến."]
    return []

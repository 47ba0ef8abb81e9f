"""How an event's hash is computed: SHA-256 over the previous hash and a canonical JSON body."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any

GENESIS_HASH = "0" * 64


def canonical_body(fields: dict[str, Any]) -> bytes:
    return json.dumps(
        _numbers_as_stored(fields), sort_keys=True, ensure_ascii=False, separators=(",", ":")
    ).encode()


def _numbers_as_stored(value: Any) -> Any:
    """Integral floats as the integers PostgreSQL's jsonb gives back.

    jsonb stores numbers as `numeric`: 1e20 comes back as 100000000000000000000 (an int to
    json.loads), 1.0e2 as 100 and -0.0 as 0.0, so a verifier recomputing the hash from the
    stored row would see other bytes. Writer and verifier both hash through this, so both get
    int(Decimal(repr(x))) for an integral float x (repr is what json.dumps wrote to the database).
    """
    kind = type(value)
    if kind is float and value.is_integer():
        return int(Decimal(repr(value)))
    if kind is dict:
        return {k: v if type(v) in _PLAIN else _numbers_as_stored(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        return [v if type(v) in _PLAIN else _numbers_as_stored(v) for v in value]
    return value


_PLAIN = frozenset({str, int, bool, type(None)})


def event_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    digest = hashlib.sha256()
    digest.update(prev_hash.encode("ascii"))
    digest.update(canonical_body(fields))
    return digest.hexdigest()

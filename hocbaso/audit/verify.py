"""Recompute every audit chain from the stored rows and report the first bad event per chain.

The rows are streamed ordered by (chain, seq) with `.iterator(chunk_size=...)`, so memory stays
flat whatever the number of events: only the current chain's running hash and its Merkle
"compact range" (at most log2(n) subtree roots, see `checkpoint.MerkleBuilder`) are kept.

What is checked, per chain (first problem only; later events are still counted for the Merkle
root so that a checkpoint comparison stays possible):

* `seq` runs 1, 2, 3, … with no gap and no duplicate;
* `prev_hash` equals the hash of the event before (GENESIS_HASH for seq 1);
* `hash` equals SHA-256 over prev_hash and the canonical fields, recomputed from the row exactly
  as `log.log_many` built them (`stored_fields`);
* the chain head (`AuditChainHead`) agrees with the last event;
* against a signed checkpoint (optional): the chain is not shorter than the checkpoint's `seq`,
  and the Merkle root of its first `seq` event hashes equals the checkpoint's root (catches a cut
  tail and a chain recomputed from scratch, which the chain alone cannot).

`verify_since` is the incremental variant used by `checkpoint_audit --previous`: it trusts a
previous signed checkpoint for events 1..seq of each chain it lists (with a Merkle frontier),
checks that event `seq` still carries the sealed `head_hash`, then checks only the newer events
(the first one's `prev_hash` against that hash) and resumes the Merkle tree from the frontier.
Chains the previous checkpoint lacks, or lists without a frontier, get the full pass.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction

from hocbaso.audit.chain import GENESIS_HASH, event_hash
from hocbaso.audit.checkpoint import ChainCheckpoint, MerkleBuilder
from hocbaso.audit.models import AuditChainHead, AuditEvent

CHUNK_SIZE = 5000

# Problem kinds, with the Vietnamese text shown by `verify_audit`.
SEQ_GAP = "seq_gap"
SEQ_DUPLICATE = "seq_duplicate"
PREV_HASH = "prev_hash"
HASH = "hash"
HEAD = "head"
TRUNCATED = "truncated"
MERKLE = "merkle"

KIND_LABELS = {
    SEQ_GAP: "thiếu sự kiện (đứt số thứ tự)",
    SEQ_DUPLICATE: "trùng số thứ tự",
    PREV_HASH: "mã băm của sự kiện trước không khớp",
    HASH: "nội dung sự kiện không khớp mã băm",
    HEAD: "đầu chuỗi không khớp sự kiện cuối",
    TRUNCATED: "chuỗi bị cắt đuôi so với mốc kiểm chứng",
    MERKLE: "chuỗi bị tính lại, gốc Merkle khác mốc kiểm chứng",
}

FIELDS = (
    "chain",
    "seq",
    "prev_hash",
    "hash",
    "action",
    "created_at",
    "actor_id",
    "actor_label",
    "subject_type",
    "subject_id",
    "subject_label",
    "data",
    "request_id",
    "ip",
    "origin",
    "bien_ban_id",
)


@dataclass(frozen=True)
class Problem:
    chain: str
    seq: int
    kind: str
    detail: str = ""

    def message(self) -> str:
        text = f"Chuỗi {self.chain}, sự kiện số {self.seq}: {KIND_LABELS[self.kind]}"
        return f"{text} ({self.detail})" if self.detail else text


@dataclass(frozen=True)
class ChainSummary:
    chain: str
    seq: int
    head_hash: str
    merkle_root: str
    frontier: tuple[tuple[int, str], ...] = ()


@dataclass
class VerifyResult:
    problems: dict[str, Problem] = field(default_factory=dict)
    chains: dict[str, ChainSummary] = field(default_factory=dict)
    events: int = 0
    resumed: set[str] = field(default_factory=set)  # verify_since: chains resumed

    @property
    def intact(self) -> bool:
        return not self.problems


def created_at_text(value: dt.datetime) -> str:
    """`created_at` as log_many hashed it: `timezone.now().isoformat()`, i.e. UTC, "+00:00"."""
    return value.astimezone(dt.UTC).isoformat()


def stored_fields(row: Mapping[str, Any]) -> dict[str, Any]:
    """The hashed fields of a row read back from the database (SQLite or PostgreSQL).

    `data` needs no normalisation: the canonical body sorts keys, and JSON round-trips the
    values log_many accepted (it hashed them with json.dumps, so they are JSON types).
    """
    return {
        "chain": row["chain"],
        "seq": row["seq"],
        "action": row["action"],
        "created_at": created_at_text(row["created_at"]),
        "actor_id": row["actor_id"],
        "actor_label": row["actor_label"],
        "subject_type": row["subject_type"],
        "subject_id": row["subject_id"],
        "subject_label": row["subject_label"],
        "data": row["data"],
        "request_id": row["request_id"],
        "ip": row["ip"],
        "origin": row["origin"],
        "bien_ban_id": row["bien_ban_id"],
    }


def _rows(chains: Iterable[str] | None, chunk_size: int) -> Iterator[dict[str, Any]]:
    qs = AuditEvent.objects.order_by("chain", "seq")
    if chains is not None:
        qs = qs.filter(chain__in=list(chains))
    return qs.values(*FIELDS).iterator(chunk_size=chunk_size)


class _ChainState:
    def __init__(self, chain: str, checkpoint: ChainCheckpoint | None) -> None:
        self.chain = chain
        self.checkpoint = checkpoint
        self.expected = 1
        self.prev = GENESIS_HASH
        self.last_seq = 0
        self.last_hash = GENESIS_HASH
        self.problem: Problem | None = None
        self.merkle = MerkleBuilder()
        self.checkpoint_root: str | None = None

    def add(self, row: Mapping[str, Any]) -> None:
        seq: int = row["seq"]
        stored_hash: str = row["hash"]
        if self.problem is None:
            self.problem = self._check(row, seq, stored_hash)
        self.last_seq, self.last_hash = seq, stored_hash
        self.prev = stored_hash
        self.expected = seq + 1
        self.merkle.add(stored_hash)
        if self.checkpoint is not None and self.merkle.size == self.checkpoint.seq:
            self.checkpoint_root = self.merkle.root()

    def _check(self, row: Mapping[str, Any], seq: int, stored_hash: str) -> Problem | None:
        if seq > self.expected:
            return Problem(
                self.chain, self.expected, SEQ_GAP, f"sau số {self.expected - 1} là số {seq}"
            )
        if seq < self.expected:
            return Problem(self.chain, seq, SEQ_DUPLICATE)
        if row["prev_hash"] != self.prev:
            return Problem(self.chain, seq, PREV_HASH)
        if event_hash(row["prev_hash"], stored_fields(row)) != stored_hash:
            return Problem(self.chain, seq, HASH)
        return None

    def resume_from(self, previous: ChainCheckpoint, merkle: MerkleBuilder) -> None:
        """Continue after event `previous.seq`, taken as sealed by a trusted checkpoint."""
        self.expected = previous.seq + 1
        self.prev = self.last_hash = previous.head_hash
        self.last_seq = previous.seq
        self.merkle = merkle

    def finish(self, head: AuditChainHead | None) -> tuple[Problem | None, ChainSummary]:
        summary = ChainSummary(
            self.chain,
            self.last_seq,
            self.last_hash,
            self.merkle.root(),
            tuple(self.merkle.frontier()),
        )
        return self.problem or self._head_problem(head) or self._checkpoint_problem(), summary

    def _head_problem(self, head: AuditChainHead | None) -> Problem | None:
        if head is None:
            if self.last_seq == 0:
                return None
            return Problem(self.chain, 1, HEAD, "không có bản ghi đầu chuỗi")
        if head.seq > self.last_seq:
            detail = f"đầu chuỗi ghi số {head.seq}, sự kiện cuối là số {self.last_seq}"
            return Problem(self.chain, self.last_seq + 1, HEAD, detail)
        if head.seq < self.last_seq:
            detail = f"đầu chuỗi ghi số {head.seq}, sự kiện cuối là số {self.last_seq}"
            return Problem(self.chain, head.seq + 1, HEAD, detail)
        if head.hash != self.last_hash:
            return Problem(self.chain, self.last_seq, HEAD, "mã băm đầu chuỗi khác")
        return None

    def _checkpoint_problem(self) -> Problem | None:
        cp = self.checkpoint
        if cp is None or cp.seq == 0:
            return None
        if self.last_seq < cp.seq:
            detail = f"mốc ghi số {cp.seq}, chuỗi dừng ở số {self.last_seq}"
            return Problem(self.chain, self.last_seq + 1, TRUNCATED, detail)
        if self.checkpoint_root != cp.merkle_root:
            detail = f"{cp.seq} sự kiện đầu không còn như lúc lập mốc"
            return Problem(self.chain, cp.seq, MERKLE, detail)
        return None


def verify(
    chains: Iterable[str] | None = None,
    checkpoint: Mapping[str, ChainCheckpoint] | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> VerifyResult:
    """Stream the events (of `chains`, or all) and check them; see the module docstring.

    On PostgreSQL the heads and the events are read in one REPEATABLE READ, READ ONLY
    transaction, so that events committed meanwhile do not look like a head mismatch.
    """
    return _in_snapshot(lambda: _verify(chains, checkpoint, chunk_size))


def _in_snapshot(run: Callable[[], VerifyResult]) -> VerifyResult:
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            return run()
    return run()


def verify_since(
    previous: Mapping[str, ChainCheckpoint], chunk_size: int = CHUNK_SIZE
) -> VerifyResult:
    """Check every chain, trusting `previous` (a signature-checked checkpoint) for the events
    it sealed; see the module docstring. Raises CheckpointError when a frontier in `previous`
    does not match its own seq and Merkle root. Same snapshot rule as `verify`."""
    return _in_snapshot(lambda: _verify_since(previous, chunk_size))


def _event_chains() -> list[str]:
    """The distinct chains of the events, by a loose index scan on (chain, seq): one index
    probe per chain, not a scan of the table (SQLite and PostgreSQL)."""
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    sql = (
        f"WITH RECURSIVE c(chain) AS (SELECT MIN(chain) FROM {table} "  # noqa: S608 (table name)
        f"UNION ALL SELECT (SELECT MIN(chain) FROM {table} t WHERE t.chain > c.chain) "
        "FROM c WHERE c.chain IS NOT NULL) SELECT chain FROM c WHERE chain IS NOT NULL"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [row[0] for row in cursor.fetchall()]


def _verify_since(previous: Mapping[str, ChainCheckpoint], chunk_size: int) -> VerifyResult:
    heads = {h.chain: h for h in AuditChainHead.objects.all()}
    result = VerifyResult()
    for chain in sorted(set(heads) | set(previous) | set(_event_chains())):
        state = _ChainState(chain, None)
        before = previous.get(chain)
        rows = AuditEvent.objects.filter(chain=chain).order_by("seq")
        problem: Problem | None = None
        if before is not None and before.frontier is not None:
            state.resume_from(before, before.resume())
            result.resumed.add(chain)
            if before.seq > 0:
                problem = _anchor_problem(before)
            rows = rows.filter(seq__gt=before.seq)
        if problem is None:
            for row in rows.values(*FIELDS).iterator(chunk_size=chunk_size):
                state.add(row)
                result.events += 1
            problem, summary = state.finish(heads.get(chain))
        else:
            summary = state.finish(heads.get(chain))[1]
        result.chains[chain] = summary
        if problem is not None:
            result.problems[chain] = problem
    return result


def _anchor_problem(before: ChainCheckpoint) -> Problem | None:
    """Event `before.seq` must still be there with the hash the previous checkpoint sealed."""
    anchor = (
        AuditEvent.objects.filter(chain=before.chain, seq=before.seq)
        .values_list("hash", flat=True)
        .first()
    )
    if anchor is None:
        detail = f"mốc trước ghi số {before.seq}, sự kiện đó không còn"
        return Problem(before.chain, before.seq, TRUNCATED, detail)
    if anchor != before.head_hash:
        detail = f"sự kiện số {before.seq} khác mã băm đã niêm phong ở mốc trước"
        return Problem(before.chain, before.seq, MERKLE, detail)
    return None


def _verify(
    chains: Iterable[str] | None,
    checkpoint: Mapping[str, ChainCheckpoint] | None,
    chunk_size: int,
) -> VerifyResult:
    wanted = set(chains) if chains is not None else None
    checkpoint = checkpoint or {}
    heads_qs = AuditChainHead.objects.all()
    if wanted is not None:
        heads_qs = heads_qs.filter(chain__in=wanted)
    heads = {h.chain: h for h in heads_qs}
    result = VerifyResult()
    state: _ChainState | None = None

    def close(s: _ChainState) -> None:
        problem, summary = s.finish(heads.get(s.chain))
        result.chains[s.chain] = summary
        if problem is not None:
            result.problems[s.chain] = problem

    for row in _rows(wanted, chunk_size):
        if state is None or row["chain"] != state.chain:
            if state is not None:
                close(state)
            state = _ChainState(row["chain"], checkpoint.get(row["chain"]))
        state.add(row)
        result.events += 1
    if state is not None:
        close(state)
    # Chains known to the heads or to the checkpoint that have no event left at all.
    empty = (set(heads) | set(checkpoint)) - set(result.chains)
    if wanted is not None:
        empty &= wanted
    for chain in sorted(empty):
        close(_ChainState(chain, checkpoint.get(chain)))
    return result

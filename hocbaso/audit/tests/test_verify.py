"""verify_audit and checkpoint_audit against a tamper corpus (security.md finding 2, target B2).

The corpus starts from the `world` fixture's events (several chains). Each tamper is applied at
many random positions (seeded), each trial inside a savepoint that is rolled back, and must be
detected with the right first bad seq. Tampering bypasses the ORM guard with raw SQL; on
PostgreSQL the append-only triggers would refuse it, so `_unguarded` disables them as the table
owner inside the test's transaction (rolled back with it). The same corpus runs on both databases.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from hocbaso.audit.actors import SEED
from hocbaso.audit.chain import GENESIS_HASH, event_hash
from hocbaso.audit.checkpoint import (
    CheckpointError,
    generate_key,
    merkle_root,
    merkle_root_reference,
    read_checkpoint,
)
from hocbaso.audit.context import request_context
from hocbaso.audit.log import log
from hocbaso.audit.models import AuditChainHead, AuditEvent
from hocbaso.audit.verify import (
    FIELDS,
    HASH,
    HEAD,
    MERKLE,
    PREV_HASH,
    SEQ_GAP,
    TRUNCATED,
    VerifyResult,
    stored_fields,
    verify,
)
from hocbaso.people.tests.world import World

pytestmark = pytest.mark.django_db

TRIALS = 25
BIG = 10**12  # temporary seq while renumbering (seq is unsigned, so no negative values)


# -- helpers -------------------------------------------------------------------------------------


@pytest.fixture
def _unguarded() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")


def _sql(sql: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def _chains() -> dict[str, int]:
    return {h.chain: h.seq for h in AuditChainHead.objects.filter(seq__gt=0)}


def _hash_at(chain: str, seq: int) -> str:
    if seq == 0:
        return GENESIS_HASH
    return AuditEvent.objects.values_list("hash", flat=True).get(chain=chain, seq=seq)


def _pick(rng: random.Random, chains: dict[str, int], min_len: int = 1) -> tuple[str, int]:
    names = sorted(c for c, n in chains.items() if n >= min_len)
    chain = rng.choice(names)
    return chain, chains[chain]


def _trial(
    tamper: Callable[..., None], *args: Any, checkpoint: dict[str, Any] | None = None
) -> VerifyResult:
    """Apply `tamper(*args)` in a savepoint, verify, roll the tamper back."""
    with transaction.atomic():
        tamper(*args)
        result = verify(checkpoint=checkpoint)
        transaction.set_rollback(True)
    return result


def _assert_detected(result: VerifyResult, chain: str, seq: int, kinds: set[str]) -> None:
    assert set(result.problems) == {chain}, result.problems
    problem = result.problems[chain]
    assert (problem.seq, problem.kind) in {(seq, k) for k in kinds}, problem


def _edit(chain: str, seq: int, column: str) -> None:
    row = AuditEvent.objects.filter(chain=chain, seq=seq).values(*FIELDS, "id").get()
    where = "WHERE chain = %s AND seq = %s"
    if column == "data":
        value: Any = json.dumps({**row["data"], "sửa": "Toán = 5"}, ensure_ascii=False)
    elif column == "created_at":
        value = connection.ops.adapt_datetimefield_value(
            row["created_at"] + dt.timedelta(seconds=1)
        )
    elif column == "actor_id":
        value = (row["actor_id"] or 0) + 1000
    elif column == "ip":
        value = "10.9.8.7" if row["ip"] != "10.9.8.7" else "10.9.8.6"
    elif column in ("hash", "prev_hash"):
        value = ("f" if row[column][0] != "f" else "e") + row[column][1:]
    else:
        value = row[column] + "*"
    _sql(
        f"UPDATE audit_auditevent SET {column} = %s {where}",  # noqa: S608 (column: EDITABLE)
        [value, chain, seq],
    )


def _shift_up(chain: str, from_seq: int) -> None:
    """Renumber seq >= from_seq to seq + 1 (two steps, to keep (chain, seq) unique)."""
    _sql(
        "UPDATE audit_auditevent SET seq = seq + %s WHERE chain = %s AND seq >= %s",
        [BIG, chain, from_seq],
    )
    _sql(
        "UPDATE audit_auditevent SET seq = seq - %s WHERE chain = %s AND seq >= %s",
        [BIG - 1, chain, BIG],
    )


def _recompute_from(chain: str, from_seq: int) -> None:
    """Rebuild prev_hash and hash of events from_seq.. consistently, and the head."""
    prev = _hash_at(chain, from_seq - 1)
    rows = AuditEvent.objects.filter(chain=chain, seq__gte=from_seq).order_by("seq")
    last = from_seq - 1
    for row in rows.values(*FIELDS):
        digest = event_hash(prev, stored_fields(row))
        _sql(
            "UPDATE audit_auditevent SET prev_hash = %s, hash = %s WHERE chain = %s AND seq = %s",
            [prev, digest, chain, row["seq"]],
        )
        prev, last = digest, row["seq"]
    _sql(
        "UPDATE audit_auditchainhead SET seq = %s, hash = %s WHERE chain = %s", [last, prev, chain]
    )


def _delete(chain: str, seq: int) -> None:
    _sql("DELETE FROM audit_auditevent WHERE chain = %s AND seq = %s", [chain, seq])


def _swap(chain: str, p: int, q: int) -> None:
    sql = "UPDATE audit_auditevent SET seq = %s WHERE chain = %s AND seq = %s"
    _sql(sql, [BIG, chain, p])
    _sql(sql, [p, chain, q])
    _sql(sql, [q, chain, BIG])


def _insert(chain: str, seq: int, crude: bool) -> None:
    _shift_up(chain, seq)
    template = AuditEvent.objects.filter(chain=chain).values(*FIELDS).first()
    assert template is not None
    fields = {**stored_fields(template), "seq": seq, "subject_label": "điểm giả"}
    prev = _hash_at(chain, seq - 1)
    digest = "ab" * 32 if crude else event_hash(prev, fields)
    created = dt.datetime.fromisoformat(fields.pop("created_at"))
    AuditEvent(prev_hash=prev, hash=digest, created_at=created, **fields).save()


def _recompute_after_edit(chain: str, seq: int, column: str) -> None:
    _edit(chain, seq, column)
    _recompute_from(chain, seq)


@pytest.fixture
def corpus(world: World, _unguarded: None) -> dict[str, int]:
    chains = _chains()
    assert len(chains) >= 2, chains
    assert sum(chains.values()) >= 20, chains
    assert verify().intact
    return chains


@pytest.fixture
def key(tmp_path: Path) -> Path:
    path = tmp_path / "checkpoint.pem"
    generate_key(path)
    return path


@pytest.fixture
def checkpoint(corpus: dict[str, int], key: Path, tmp_path: Path) -> dict[str, Any]:
    out = tmp_path / "checkpoint.json"
    call_command("checkpoint_audit", out=str(out), key=str(key))
    return read_checkpoint(out)


def _exit_code(*args: str, **options: Any) -> int:
    try:
        call_command("verify_audit", *args, **options)
    except CommandError as exc:
        return exc.returncode
    return 0


# -- the untouched trail -------------------------------------------------------------------------


def test_untouched_world_verifies(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    # given the world's events, read back from this database (SQLite or PostgreSQL)
    # when / then
    assert _exit_code() == 0
    assert "toàn vẹn" in capsys.readouterr().out


def test_awkward_values_round_trip_through_the_database(db: None) -> None:
    # given values whose stored form could differ from what was hashed
    data = {
        "z": [1, 2.5, -0.0, 2.0, 1e20, 1.0e23, 1e-07, 1.5e300, 'ă\u1ea1 "q"'],
        "a": {"k": True, "n": None},
        "10": "số",
    }
    with request_context("web", ip="2001:DB8::1"), transaction.atomic():
        log("org.school_renamed", actor=SEED, school_id=7, data=data)
    with request_context("web", ip=""), transaction.atomic():
        log("org.school_renamed", actor=SEED, school_id=7, subject_label="Trường  A ")
    # when / then
    assert verify().intact


@pytest.mark.usefixtures("_unguarded")
def test_school_option_checks_one_chain(world: World) -> None:
    # given a tampered event in another chain
    school = world.school
    other = next(c for c in _chains() if c != f"school:{school.pk}")
    _edit(other, 1, "action")
    # when / then
    assert _exit_code(school=school.code) == 0
    assert _exit_code() == 1


def test_unknown_school_is_a_usage_error(world: World) -> None:
    assert _exit_code(school="khong-co") == 2


# -- the tamper corpus ---------------------------------------------------------------------------

EDITABLE = [
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
    "hash",
    "prev_hash",
]


def test_an_edited_field_is_caught_at_its_seq(corpus: dict[str, int]) -> None:
    rng = random.Random(4001)
    for _ in range(TRIALS * 2):
        chain, n = _pick(rng, corpus)
        seq, column = rng.randint(1, n), rng.choice(EDITABLE)
        result = _trial(_edit, chain, seq, column)
        kinds = {PREV_HASH} if column == "prev_hash" else {HASH}
        _assert_detected(result, chain, seq, kinds)


def test_a_deleted_event_is_caught_at_its_seq(corpus: dict[str, int]) -> None:
    rng = random.Random(4002)
    for _ in range(TRIALS):
        chain, n = _pick(rng, corpus)
        seq = rng.randint(1, n)
        result = _trial(_delete, chain, seq)
        # the last event gone: the head still names it
        _assert_detected(result, chain, seq, {SEQ_GAP} if seq < n else {HEAD})


def test_two_swapped_events_are_caught_at_the_first(corpus: dict[str, int]) -> None:
    rng = random.Random(4003)
    for _ in range(TRIALS):
        chain, n = _pick(rng, corpus, min_len=2)
        p, q = sorted(rng.sample(range(1, n + 1), 2))

        _assert_detected(_trial(_swap, chain, p, q), chain, p, {PREV_HASH})


def test_an_inserted_forged_event_is_caught(corpus: dict[str, int]) -> None:
    """The forger knows the hash function: the forged event itself is consistent, so the first
    bad event is the one after it (whose prev_hash no longer matches), or, appended at the end,
    the position the head does not know. A crude forgery (wrong hash) is caught at its own seq."""
    rng = random.Random(4004)
    for trial in range(TRIALS * 2):
        chain, n = _pick(rng, corpus)
        seq, crude = rng.randint(1, n + 1), trial % 2 == 1

        if crude:
            expected = (seq, {HASH})
        elif seq <= n:
            expected = (seq + 1, {PREV_HASH})
        else:
            expected = (seq, {HEAD})
        _assert_detected(_trial(_insert, chain, seq, crude), chain, expected[0], expected[1])


def _truncate(chain: str, seq: int) -> None:
    _sql("DELETE FROM audit_auditevent WHERE chain = %s AND seq >= %s", [chain, seq])
    _sql(
        "UPDATE audit_auditchainhead SET seq = %s, hash = %s WHERE chain = %s",
        [seq - 1, _hash_at(chain, seq - 1), chain],
    )


def test_a_cut_tail_passes_the_chain_but_not_the_checkpoint(
    corpus: dict[str, int], checkpoint: dict[str, Any]
) -> None:
    rng = random.Random(4005)
    for _ in range(TRIALS):
        chain, n = _pick(rng, corpus)
        seq = rng.randint(1, n)
        assert _trial(_truncate, chain, seq).intact  # why the checkpoint exists
        _assert_detected(
            _trial(_truncate, chain, seq, checkpoint=checkpoint), chain, seq, {TRUNCATED}
        )


def test_a_chain_recomputed_after_an_edit_passes_the_chain_but_not_the_checkpoint(
    corpus: dict[str, int], checkpoint: dict[str, Any]
) -> None:
    """The Merkle root tells that the first `seq` events changed, not which: the problem is
    reported at the checkpoint's seq for the chain."""
    rng = random.Random(4006)
    for _ in range(TRIALS):
        chain, n = _pick(rng, corpus)
        seq, column = rng.randint(1, n), rng.choice(EDITABLE[:12])

        assert _trial(_recompute_after_edit, chain, seq, column).intact
        _assert_detected(
            _trial(_recompute_after_edit, chain, seq, column, checkpoint=checkpoint),
            chain,
            n,
            {MERKLE},
        )


# -- checkpoints ---------------------------------------------------------------------------------


def test_checkpoint_survives_growth_of_the_chain(
    corpus: dict[str, int], key: Path, tmp_path: Path
) -> None:
    # given a checkpoint, then new events in a checkpointed chain and in a new chain
    out = tmp_path / "cp.json"
    call_command("checkpoint_audit", out=str(out), key=str(key))
    chain = sorted(corpus)[0]
    school_id = None if chain == "system" else int(chain.split(":")[1])
    with transaction.atomic():
        log("org.school_renamed", actor=SEED, school_id=school_id)
        log("org.school_renamed", actor=SEED, school_id=987654)
    # when / then
    public = key.with_name(key.name + ".pub")
    assert _exit_code(checkpoint=str(out), public_key=str(public)) == 0


def test_a_cut_tail_is_reported_by_the_command_in_vietnamese(
    corpus: dict[str, int], key: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given
    out = tmp_path / "cp.json"
    call_command("checkpoint_audit", out=str(out), key=str(key))
    chain, n = _pick(random.Random(1), corpus)
    _truncate(chain, n)
    capsys.readouterr()
    # when / then
    assert _exit_code() == 0
    assert _exit_code(checkpoint=str(out)) == 1
    assert f"Chuỗi {chain}, sự kiện số {n}: chuỗi bị cắt đuôi" in capsys.readouterr().out


def test_a_tampered_checkpoint_file_or_a_foreign_key_is_refused(
    corpus: dict[str, int], key: Path, tmp_path: Path
) -> None:
    # given a signed checkpoint whose seq is lowered afterwards (to hide a cut tail)
    out = tmp_path / "cp.json"
    call_command("checkpoint_audit", out=str(out), key=str(key))
    document = json.loads(out.read_text())
    document["payload"]["chains"][0]["seq"] -= 1
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(document))
    other = tmp_path / "other.pem"
    generate_key(other)
    # when / then
    with pytest.raises(CheckpointError, match="Chữ ký"):
        read_checkpoint(forged)
    assert _exit_code(checkpoint=str(forged)) == 2
    pinned_other = str(other.with_name(other.name + ".pub"))
    assert _exit_code(checkpoint=str(out), public_key=pinned_other) == 2


def test_checkpoint_refuses_to_seal_a_broken_chain(
    corpus: dict[str, int], key: Path, tmp_path: Path
) -> None:
    chain, n = _pick(random.Random(2), corpus)
    _edit(chain, n, "action")
    out = tmp_path / "cp.json"
    with pytest.raises(CommandError) as exc:
        call_command("checkpoint_audit", out=str(out), key=str(key))
    assert exc.value.returncode == 1
    assert not out.exists()


def test_checkpoint_key_from_setting_and_generate_key(
    world: World, tmp_path: Path, settings: Any
) -> None:
    key = tmp_path / "k.pem"
    call_command("checkpoint_audit", generate_key=str(key))
    assert key.stat().st_mode & 0o077 == 0
    with pytest.raises(CommandError) as exc:
        call_command("checkpoint_audit", generate_key=str(key))  # never overwrite a key
    assert exc.value.returncode == 2
    settings.AUDIT_CHECKPOINT_KEY_FILE = str(key)
    call_command("checkpoint_audit", out=str(tmp_path / "cp.json"))
    assert set(read_checkpoint(tmp_path / "cp.json")) == set(_chains())


@pytest.mark.parametrize("size", [*range(0, 40), 63, 64, 65, 100, 257])
def test_incremental_merkle_root_matches_rfc6962(size: int) -> None:
    hashes = [f"{i:064x}" for i in range(size)]
    assert merkle_root(hashes) == merkle_root_reference(hashes)


def test_merkle_root_known_answer() -> None:
    # RFC 6962 leaf/node prefixes: empty tree is SHA-256(""); one leaf is SHA-256(00 || leaf)
    assert merkle_root([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    leaf = bytes(32)
    assert merkle_root([leaf.hex()]) == hashlib.sha256(b"\x00" + leaf).hexdigest()


# -- PostgreSQL triggers -------------------------------------------------------------------------


@pytest.fixture
def _no_truncate_escape(postgres_only: None) -> None:
    _sql("SET LOCAL hocbaso.audit_allow_truncate = 'off'")


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditevent SET action = 'x'",
        "DELETE FROM audit_auditevent",
        "TRUNCATE audit_auditevent",
        "TRUNCATE audit_auditevent, audit_auditchainhead",
    ],
)
@pytest.mark.usefixtures("_no_truncate_escape")
def test_postgres_refuses_changes_to_audit_events(world: World, sql: str) -> None:
    before = AuditEvent.objects.count()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        _sql(sql)
    assert AuditEvent.objects.count() == before


def test_postgres_keeps_chain_heads_updatable(world: World, postgres_only: None) -> None:
    chain = sorted(_chains())[0]
    _sql("UPDATE audit_auditchainhead SET seq = seq WHERE chain = %s", [chain])
    with transaction.atomic():
        log("org.school_renamed", actor=SEED, school_id=None)
    assert verify().intact

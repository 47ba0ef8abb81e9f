"""`checkpoint_audit --previous`: the incremental checkpoint (security.md target B4).

An incremental checkpoint resumes each chain's Merkle tree from the frontier stored in the
previous (signed) checkpoint and verifies only the newer events. It must give exactly what a full
pass gives, refuse a tampered new part, and trust only a previous checkpoint signed with the key
in use. Runs on both databases.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from hocbaso.audit.actors import SEED
from hocbaso.audit.chain import event_hash
from hocbaso.audit.checkpoint import (
    MerkleBuilder,
    generate_key,
    load_private_key,
    merkle_root_reference,
    read_checkpoint,
    sign,
    write_checkpoint,
)
from hocbaso.audit.log import EventSpec, log_many
from hocbaso.audit.models import AuditChainHead, AuditEvent
from hocbaso.audit.verify import FIELDS, MERKLE, PREV_HASH, TRUNCATED, stored_fields, verify_since

pytestmark = pytest.mark.django_db

ACTION = "org.school_renamed"


# -- helpers -------------------------------------------------------------------------------------


@pytest.fixture
def key(tmp_path: Path) -> Path:
    path = tmp_path / "checkpoint.pem"
    generate_key(path)
    return path


@pytest.fixture
def _unguarded() -> None:
    """Let raw SQL tamper with events (PostgreSQL triggers off, inside the test's transaction)."""
    if connection.vendor == "postgresql":
        _sql("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")


def _sql(sql: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def _append(school_id: int, count: int, tag: str = "") -> None:
    """`count` new events in chain school:<school_id>, written by the real log_many."""
    specs = [
        EventSpec(action=ACTION, school_id=school_id, data={"n": i, "tag": tag, "tên": "Lớp 4A"})
        for i in range(count)
    ]
    with transaction.atomic():
        for start in range(0, count, 50):  # several requests, several created_at values
            log_many(specs[start : start + 50], actor=SEED)


def _seal(out: Path, key: Path, previous: Path | None = None, **options: Any) -> dict[str, Any]:
    if previous is not None:
        options["previous"] = str(previous)
    call_command("checkpoint_audit", out=str(out), key=str(key), **options)
    return {c["chain"]: c for c in json.loads(out.read_text())["payload"]["chains"]}


def _seal_exit(out: Path, key: Path, previous: Path, **options: Any) -> int:
    try:
        _seal(out, key, previous, **options)
    except CommandError as exc:
        return exc.returncode
    return 0


def _sealed(chains: dict[str, Any]) -> dict[str, tuple[int, str, str, Any]]:
    """What must not depend on how the checkpoint was computed (not its time)."""
    return {
        name: (c["seq"], c["head_hash"], c["merkle_root"], c["frontier"])
        for name, c in chains.items()
    }


def _hashes(chain: str) -> list[str]:
    return list(
        AuditEvent.objects.filter(chain=chain).order_by("seq").values_list("hash", flat=True)
    )


def _without_frontier(path: Path, key: Path, out: Path, only: str | None = None) -> Path:
    """The checkpoint at `path` as the format was before `frontier` (for all chains or one),
    re-signed with `key`."""
    payload = json.loads(path.read_text())["payload"]
    for c in payload["chains"]:
        if only is None or c["chain"] == only:
            del c["frontier"]
    write_checkpoint(out, sign(payload, load_private_key(key)))
    return out


# -- the Merkle frontier -------------------------------------------------------------------------


def test_a_builder_resumed_from_its_frontier_gives_the_rfc6962_root() -> None:
    rng = random.Random(6962)
    for _ in range(200):
        first, more = rng.randint(0, 300), rng.randint(0, 300)
        hashes = [f"{rng.getrandbits(256):064x}" for _ in range(first + more)]
        builder = MerkleBuilder()
        for h in hashes[:first]:
            builder.add(h)
        resumed = MerkleBuilder.from_frontier(builder.frontier())
        assert resumed.size == first
        for h in hashes[first:]:
            resumed.add(h)
        assert resumed.root() == merkle_root_reference(hashes)


@pytest.mark.parametrize(
    "frontier",
    [[(3, "00" * 32)], [(2, "00" * 32), (4, "11" * 32)], [(2, "00" * 32), (2, "11" * 32)],
     [(1, "00" * 31)], [(True, "00" * 32)], [(0, "00" * 32)]],
)  # fmt: skip
def test_a_malformed_frontier_is_rejected(frontier: list[tuple[int, str]]) -> None:
    with pytest.raises(ValueError, match="frontier"):
        MerkleBuilder.from_frontier(frontier)


# -- incremental == full -------------------------------------------------------------------------


def test_incremental_checkpoint_equals_the_full_pass(key: Path, tmp_path: Path) -> None:
    """Random growth of random chains (including new ones and unchanged ones), sealed round
    after round, each round incrementally from the previous incremental checkpoint."""
    rng = random.Random(4104)
    _append(1, rng.randint(1, 40))
    previous = tmp_path / "round-0.json"
    _seal(previous, key)
    for n in range(1, 9):
        appended = 0
        for school_id in rng.sample(range(1, 7), rng.randint(0, 4)):
            count = rng.choice([1, 2, 3, rng.randint(4, 130)])
            _append(school_id, count, tag=f"round {n}")
            appended += count
        full = _seal(tmp_path / f"full-{n}.json", key)
        incremental_path = tmp_path / f"round-{n}.json"
        incremental = _seal(incremental_path, key, previous)
        assert _sealed(incremental) == _sealed(full)
        for name, c in incremental.items():
            assert c["merkle_root"] == merkle_root_reference(_hashes(name))
        # only the new events were verified
        result = verify_since(read_checkpoint(previous))
        assert result.intact
        assert result.events == appended
        previous = incremental_path
    public = key.with_name(key.name + ".pub")
    call_command("verify_audit", checkpoint=str(previous), public_key=str(public))


def test_a_chain_missing_from_the_previous_checkpoint_is_computed_in_full(
    key: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a previous checkpoint, then a new chain and growth of an old one
    _append(1, 20)
    previous = tmp_path / "previous.json"
    _seal(previous, key)
    _append(1, 5)
    _append(42, 37)
    capsys.readouterr()
    # when
    incremental = _seal(tmp_path / "incremental.json", key, previous)
    # then
    out = capsys.readouterr().out
    assert "Chuỗi school:42: không có trong mốc trước, kiểm và tính lại từ sự kiện số 1." in out
    assert "Chuỗi school:1:" not in out
    assert incremental["school:42"]["seq"] == 37
    assert incremental["school:42"]["merkle_root"] == merkle_root_reference(_hashes("school:42"))
    assert _sealed(incremental) == _sealed(_seal(tmp_path / "full.json", key))
    result = verify_since(read_checkpoint(previous))
    assert (result.events, result.resumed) == (5 + 37, {"school:1"})


def test_a_previous_checkpoint_without_frontier_falls_back_to_a_full_pass(
    key: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a checkpoint in the format before `frontier`
    _append(1, 30)
    _append(2, 12)
    full_path = tmp_path / "full.json"
    _seal(full_path, key)
    old = _without_frontier(full_path, key, tmp_path / "old.json", only="school:2")
    public = key.with_name(key.name + ".pub")
    call_command("verify_audit", checkpoint=str(old), public_key=str(public))  # still verifies
    _append(2, 3)
    capsys.readouterr()
    # when
    incremental = _seal(tmp_path / "incremental.json", key, old)
    # then
    out = capsys.readouterr().out
    assert "Chuỗi school:2: mốc trước không ghi trạng thái Merkle" in out
    assert "Chuỗi school:1:" not in out
    assert _sealed(incremental) == _sealed(_seal(tmp_path / "full-2.json", key))
    assert verify_since(read_checkpoint(old)).events == 15


# -- refusals ------------------------------------------------------------------------------------


def _edit_field(chain: str, seq: int) -> None:
    _sql(
        "UPDATE audit_auditevent SET subject_label = 'điểm sửa' WHERE chain = %s AND seq = %s",
        [chain, seq],
    )


def _delete(chain: str, seq: int) -> None:
    _sql("DELETE FROM audit_auditevent WHERE chain = %s AND seq = %s", [chain, seq])


def _relink(chain: str, seq: int) -> None:
    """Event `seq` gets another prev_hash, and the chain from it is recomputed consistently:
    only the link to the previous checkpoint's head shows it."""
    prev = "ab" * 32
    rows = AuditEvent.objects.filter(chain=chain, seq__gte=seq).order_by("seq")
    for row in list(rows.values(*FIELDS)):
        digest = event_hash(prev, stored_fields(row))
        _sql(
            "UPDATE audit_auditevent SET prev_hash = %s, hash = %s WHERE chain = %s AND seq = %s",
            [prev, digest, chain, row["seq"]],
        )
        prev = digest
    AuditChainHead.objects.filter(chain=chain).update(hash=prev)


def _rewrite_from_start(chain: str, seq: int) -> None:
    """Edit event 1 and recompute the whole chain consistently (a DBA's forgery)."""
    _edit_field(chain, 1)
    prev = "0" * 64
    for row in list(AuditEvent.objects.filter(chain=chain).order_by("seq").values(*FIELDS)):
        digest = event_hash(prev, stored_fields(row))
        _sql(
            "UPDATE audit_auditevent SET prev_hash = %s, hash = %s WHERE chain = %s AND seq = %s",
            [prev, digest, chain, row["seq"]],
        )
        prev = digest
    AuditChainHead.objects.filter(chain=chain).update(hash=prev)


def _cut_below_previous(chain: str, seq: int) -> None:
    """Cut the chain back below the previous checkpoint's seq, head and all."""
    _sql("DELETE FROM audit_auditevent WHERE chain = %s AND seq >= %s", [chain, seq - 3])
    last = AuditEvent.objects.filter(chain=chain, seq=seq - 4).values_list("hash", flat=True)
    AuditChainHead.objects.filter(chain=chain).update(seq=seq - 4, hash=last.get())


@pytest.mark.parametrize(
    ("tamper", "where", "kind"),
    [
        (_edit_field, "new", "nội dung sự kiện không khớp mã băm"),
        (_delete, "new", "thiếu sự kiện"),
        (_relink, "first new", "mã băm của sự kiện trước không khớp"),
        (_rewrite_from_start, "previous", "chuỗi bị tính lại"),
        (_cut_below_previous, "previous", "chuỗi bị cắt đuôi"),
    ],
)
@pytest.mark.usefixtures("_unguarded")
def test_tampering_is_refused_without_writing_a_file(
    tamper: Any,
    where: str,
    kind: str,
    key: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # given a previous checkpoint at seq 25, then 30 new events
    _append(7, 25)
    _append(8, 4)
    previous = tmp_path / "previous.json"
    _seal(previous, key)
    _append(7, 30)
    rng = random.Random(f"{tamper.__name__}")
    seq = {"new": rng.randint(27, 54), "first new": 26, "previous": 25}[where]
    tamper("school:7", seq)
    capsys.readouterr()
    # when
    out = tmp_path / "incremental.json"
    code = _seal_exit(out, key, previous)
    # then
    assert code == 1
    assert not out.exists()
    printed = capsys.readouterr().out
    assert f"Chuỗi school:7, sự kiện số {seq if where != 'previous' else 25}: {kind}" in printed
    assert "school:8" not in printed


def test_the_problem_kinds_of_the_previous_part(key: Path, tmp_path: Path) -> None:
    _append(3, 10)
    previous = tmp_path / "previous.json"
    _seal(previous, key)
    sealed = read_checkpoint(previous)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            _sql("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
        _relink("school:3", 10)
        assert verify_since(sealed).problems["school:3"].kind == MERKLE
        transaction.set_rollback(True)
    _append(3, 2)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            _sql("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
        _relink("school:3", 11)
        assert verify_since(sealed).problems["school:3"].kind == PREV_HASH
        transaction.set_rollback(True)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            _sql("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
        _delete("school:3", 12)
        _delete("school:3", 11)
        _delete("school:3", 10)
        AuditChainHead.objects.filter(chain="school:3").update(seq=9)
        assert verify_since(sealed).problems["school:3"].kind == TRUNCATED
        transaction.set_rollback(True)


def test_a_previous_checkpoint_signed_by_another_key_is_refused(
    key: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a valid checkpoint signed by another key, a forged one and one with a bad frontier
    _append(1, 12)
    other = tmp_path / "other.pem"
    generate_key(other)
    foreign = tmp_path / "foreign.json"
    _seal(foreign, other)
    mine = tmp_path / "mine.json"
    _seal(mine, key)
    document = json.loads(mine.read_text())
    document["payload"]["chains"][0]["seq"] -= 1
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(document))
    payload = json.loads(mine.read_text())["payload"]
    payload["chains"][0]["frontier"][0][1] = "00" * 32
    bad_frontier = tmp_path / "bad-frontier.json"
    write_checkpoint(bad_frontier, sign(payload, load_private_key(key)))
    _append(1, 3)
    out = tmp_path / "out.json"
    other_public = str(other.with_name(other.name + ".pub"))
    # when / then: refused with exit 2 and no file
    for previous, options in [
        (foreign, {}),
        (foreign, {"public_key": other_public}),
        (mine, {"public_key": other_public}),
        (forged, {}),
        (bad_frontier, {}),
    ]:
        with pytest.raises(CommandError) as exc:
            _seal(out, key, previous, **options)
        assert exc.value.returncode == 2, (previous, options)
        assert not out.exists()
    assert "khoá khác" in str(_refusal(out, key, foreign))
    assert "Chữ ký" in str(_refusal(out, key, forged))
    assert "Trạng thái Merkle" in str(_refusal(out, key, bad_frontier))
    # and with its own key and public key, the incremental checkpoint is written
    own_public = str(key.with_name(key.name + ".pub"))
    assert _seal_exit(out, key, mine, public_key=own_public) == 0


def _refusal(out: Path, key: Path, previous: Path) -> CommandError:
    with pytest.raises(CommandError) as exc:
        _seal(out, key, previous)
    return exc.value


def test_public_key_without_previous_is_a_usage_error(key: Path, tmp_path: Path) -> None:
    public = str(key.with_name(key.name + ".pub"))
    with pytest.raises(CommandError) as exc:
        call_command(
            "checkpoint_audit", out=str(tmp_path / "x.json"), key=str(key), public_key=public
        )
    assert exc.value.returncode == 2

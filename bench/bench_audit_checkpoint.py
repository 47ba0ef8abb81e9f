"""Incremental checkpoint cost (security.md target B4: ≤ 1 s per 10,000 new events).

    python bench/bench_audit_checkpoint.py [--events N]      # default 200,000; SQLite in a temp dir
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hocbaso_bench_audit_checkpoint \\
        python bench/bench_audit_checkpoint.py

Generates N events in 4 chains with `bench_audit_verify.generate` (precomputed hashes, one bulk
insert per chain), seals them with `checkpoint_audit` (full pass), appends 10,000 new events
through the real writer (`audit.log.log_many`, 2,500 per chain), then times
`checkpoint_audit --previous` (incremental) against a full `checkpoint_audit` of the same N +
10,000 events: in this process (`call_command`, the command's own cost) and in a child process
(`bench_audit_verify.run`: wall time including Django start-up, and peak RSS); the incremental
run in this process is timed twice, the first being the first read of the appended rows (on
PostgreSQL that read also sets their hint bits). Checks that both
give the same seq, head hash and Merkle root per chain. Writes
bench/results/audit-checkpoint-<vendor>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VAR = tempfile.mkdtemp(prefix="hocbaso-bench-checkpoint-")
DATABASE_URL = os.environ.get("DATABASE_URL")
os.environ["DJANGO_SETTINGS_MODULE"] = "hocbaso.config.settings"
os.environ["HOCBASO_VAR_DIR"] = VAR
NEW_EVENTS = 10_000

import django  # noqa: E402

django.setup()  # before importing bench_audit_verify, so that its SQLite-only set-up is inert

import bench.bench_audit_verify as bench_verify  # noqa: E402

# bench_audit_verify made its own temp dir and dropped DATABASE_URL for its children: undo both.
shutil.rmtree(bench_verify.VAR, ignore_errors=True)
os.environ["HOCBASO_VAR_DIR"] = VAR
if DATABASE_URL:
    os.environ["DATABASE_URL"] = DATABASE_URL

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from hocbaso.audit.actors import SEED  # noqa: E402
from hocbaso.audit.context import request_context  # noqa: E402
from hocbaso.audit.log import EventSpec, log_many  # noqa: E402


class _PsycopgAsSqlite3:
    """`bench_audit_verify.generate` writes through sqlite3's DB-API (`?` placeholders, the
    connection as transaction context manager); this lends it the same on psycopg."""

    def __init__(self) -> None:
        connection.ensure_connection()
        self.ops = connection.ops
        self._raw = connection.connection
        self._tx: Any = None

    @property
    def connection(self) -> _PsycopgAsSqlite3:
        return self

    def ensure_connection(self) -> None:
        connection.ensure_connection()

    def close(self) -> None:
        connection.close()

    def __enter__(self) -> _PsycopgAsSqlite3:
        self._tx = self._raw.transaction()
        self._tx.__enter__()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._tx.__exit__(kind, exc, tb)

    def execute(self, sql: str, params: tuple[Any, ...]) -> None:
        self._raw.execute(sql.replace("?", "%s"), params)

    def executemany(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        with self._raw.cursor() as cursor:
            cursor.executemany(sql.replace("?", "%s"), rows)


def append(count: int) -> float:
    """`count` new events, spread over the 4 chains, through the real writer."""
    started = time.perf_counter()
    per_chain = count // bench_verify.CHAINS
    with request_context("command"):
        for c in range(bench_verify.CHAINS):
            for start in range(0, per_chain, 500):
                specs = [
                    EventSpec(
                        action="assessment.sheet_saved",
                        school_id=c + 1,
                        subject_type="assessment.sheet",
                        subject_id=str(i % 500),
                        subject_label="Lớp 4A · Toán · Cuối kì I",
                        data={"old": {"diem": i % 10}, "new": {"diem": (i + 1) % 10}, "hs": i},
                    )
                    for i in range(start, min(start + 500, per_chain))
                ]
                with transaction.atomic():
                    log_many(specs, actor=SEED)
    connection.close()
    return time.perf_counter() - started


def timed_checkpoint(out: Path, key: Path, previous: Path | None = None) -> float:
    options: dict[str, Any] = {"out": str(out), "key": str(key), "stdout": open(os.devnull, "w")}  # noqa: SIM115
    if previous is not None:
        options["previous"] = str(previous)
    started = time.perf_counter()
    call_command("checkpoint_audit", **options)
    seconds = time.perf_counter() - started
    options["stdout"].close()
    connection.close()
    return seconds


def sealed(path: Path) -> dict[str, tuple[int, str, str]]:
    chains = json.loads(path.read_text(encoding="utf-8"))["payload"]["chains"]
    return {c["chain"]: (c["seq"], c["head_hash"], c["merkle_root"]) for c in chains}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=200_000)
    total = parser.parse_args().events
    if connection.vendor == "postgresql":
        bench_verify.connection = _PsycopgAsSqlite3()  # type: ignore[assignment]
    gen = bench_verify.generate(total)
    bench_verify.connection = connection
    var = Path(VAR)
    key = var / "key.pem"
    call_command("checkpoint_audit", generate_key=str(key), stdout=open(os.devnull, "w"))  # noqa: SIM115
    base = var / "base.json"
    full_n = timed_checkpoint(base, key)
    appended = append(NEW_EVENTS)
    incremental = timed_checkpoint(var / "incremental.json", key, previous=base)
    repeat = timed_checkpoint(var / "incremental-2.json", key, previous=base)  # rows now read once
    full_more = timed_checkpoint(var / "full.json", key)
    equal = sealed(var / "incremental.json") == sealed(var / "full.json")
    runs = [
        bench_verify.run("checkpoint_audit", "--out", str(var / "child-full.json"), "--key", str(key)),
        bench_verify.run("checkpoint_audit", "--out", str(var / "child-incremental.json"), "--key", str(key), "--previous", str(base)),
    ]  # fmt: skip
    runs[1]["command"] = "checkpoint_audit --previous"
    baseline = bench_verify.run("check")  # Django start-up alone
    result = {
        "database": connection.vendor,
        "events": total,
        "chains": bench_verify.CHAINS,
        "new_events": NEW_EVENTS,
        "generate_seconds": round(gen, 1),
        "append_seconds": round(appended, 1),
        "in_process_seconds": {
            "full_checkpoint_events": round(full_n, 2),
            "incremental_checkpoint_new_events": round(incremental, 3),
            "incremental_checkpoint_new_events_repeat": round(repeat, 3),
            "full_checkpoint_events_plus_new": round(full_more, 2),
        },
        "incremental_seconds_per_10k_new_events": round(incremental / (NEW_EVENTS / 10_000), 3),
        "full_over_incremental_ratio": round(full_more / incremental, 1),
        "incremental_equals_full": equal,
        "child_process_runs": runs,
        "django_check_run": baseline,
        "cpu": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "load_average_1_5_15": [round(x, 1) for x in os.getloadavg()],
        "python": platform.python_version(),
        "target_b4": "≤ 1 s per 10,000 new events (incremental checkpoint)",
    }
    out = ROOT / "bench" / "results" / f"audit-checkpoint-{connection.vendor}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=2))
    shutil.rmtree(VAR, ignore_errors=True)
    if not equal:
        sys.exit("incremental checkpoint differs from the full pass")


if __name__ == "__main__":
    main()

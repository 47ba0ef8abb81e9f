"""`make bench`: run every benchmark, on SQLite and (when reachable) PostgreSQL.

Results go to bench/results/*.json. The province-size seed (a few minutes per database) runs
only with --full. Each benchmark compares against its baseline in the same run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"


def postgres_url(name: str) -> str | None:
    """A fresh PostgreSQL database for one benchmark, or None when no server answers."""
    check = subprocess.run(
        ["psql", PG_ADMIN, "-qc", f"DROP DATABASE IF EXISTS {name}"], capture_output=True, text=True
    )
    if check.returncode != 0:
        return None
    subprocess.run(["psql", PG_ADMIN, "-qc", f"CREATE DATABASE {name}"], check=True)
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def run(script: str, database_url: str | None = None) -> int:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    if database_url:
        env["DATABASE_URL"] = database_url
    label = "PostgreSQL" if database_url else "SQLite"
    print(f"\n== {script} ({label})", flush=True)
    return subprocess.run(
        [sys.executable, str(ROOT / "bench" / script)], env=env, cwd=ROOT
    ).returncode


def main() -> int:
    failures = 0
    failures += run("bench_regulation.py") != 0
    failures += run("bench_sign.py") != 0
    failures += run("bench_record_render.py") != 0
    for script in (
        "bench_roster.py",
        "bench_save.py",
        "bench_save_audit.py",
        "bench_sheet_import.py",
        "bench_audit_checkpoint.py",
    ):
        if not (ROOT / "bench" / script).exists():
            continue
        failures += run(script) != 0
        url = postgres_url(f"hocbaso_{script.removesuffix('.py')}")
        if url:
            failures += run(script, url) != 0
        else:
            print(f"PostgreSQL not reachable: {script} on PostgreSQL SKIPPED (not measured)")
    # batch signing needs several worker processes sharing a database: PostgreSQL only
    url = postgres_url("hocbaso_bench_batch_signing")
    if url:
        failures += run("bench_batch_signing.py", url) != 0
    else:
        print("PostgreSQL not reachable: bench_batch_signing.py SKIPPED (not measured)")
    if "--full" in sys.argv:
        failures += run("bench_seed.py") != 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

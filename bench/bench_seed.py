"""Time and peak memory of `seed_demo` for a province (150 schools × 35 pupils a class, about
52,500 pupils) on a fresh SQLite file and a fresh PostgreSQL database.

    .venv/bin/python bench/bench_seed.py [--schools 150] [--students-per-class 35]
        [--only sqlite|postgres] [--pg-url postgres://postgres@127.0.0.1:5432/hocbaso_bench]

Each seed runs in its own subprocess; its peak RSS comes from `os.wait4` (that child only).
Migrations run first and are not timed. Results go to bench/results/seed.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "seed.json"
PYTHON = sys.executable
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/hocbaso_bench"
_SUMMARY = re.compile(r"(\d+) trường, (\d+) lớp, (\d+) học sinh, (\d+) tài khoản, (\d+) tệp ảnh")


def _manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return done.stdout


def _timed_seed(env: dict[str, str], seed_args: list[str]) -> dict[str, Any]:
    started = time.monotonic()
    with tempfile.TemporaryFile(mode="w+") as out:
        proc = subprocess.Popen(
            [PYTHON, "manage.py", "seed_demo", *seed_args],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=out,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.monotonic() - started
        out.seek(0)
        output = out.read()
    if proc.returncode != 0:
        raise SystemExit(f"seed_demo failed ({proc.returncode}):\n{output[-4000:]}")
    match = _SUMMARY.search(output)
    counts = (
        dict(
            zip(
                ("schools", "classes", "pupils", "accounts", "photo_files"),
                map(int, match.groups()),
                strict=True,
            )
        )
        if match
        else {}
    )
    # ru_maxrss is in kilobytes on Linux.
    return {"seconds": round(seconds, 1), "peak_rss_mb": round(usage.ru_maxrss / 1024, 1), **counts}


def _audit_events(env: dict[str, str]) -> int:
    code = "from hocbaso.audit.models import AuditEvent; print(AuditEvent.objects.count())"
    return int(_manage(env, "shell", "-c", code).strip().splitlines()[-1])


def bench_sqlite(base_env: dict[str, str], seed_args: list[str]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="hocbaso-bench-") as var_dir:
        env = {**base_env, "HOCBASO_VAR_DIR": var_dir}
        env.pop("DATABASE_URL", None)
        _manage(env, "migrate", "--no-input", "-v0")
        result = _timed_seed(env, seed_args)
        result["audit_events"] = _audit_events(env)
        db_file = Path(var_dir) / "hocbaso.sqlite3"
        result["database_mb"] = round(db_file.stat().st_size / 2**20, 1)
    return {"database": "sqlite", **result}


def _psql(url: str, sql: str) -> str:
    parts = urlparse(url)
    done = subprocess.run(
        ["psql", "-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432),
         "-U", parts.username or "postgres", "-d", "postgres", "-tAc", sql],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return done.stdout.strip()


def bench_postgres(base_env: dict[str, str], seed_args: list[str], url: str) -> dict[str, Any]:
    name = urlparse(url).path.lstrip("/")
    _psql(url, f'DROP DATABASE IF EXISTS "{name}"')
    _psql(url, f'CREATE DATABASE "{name}"')
    with tempfile.TemporaryDirectory(prefix="hocbaso-bench-") as var_dir:
        env = {**base_env, "DATABASE_URL": url, "HOCBASO_VAR_DIR": var_dir}
        _manage(env, "migrate", "--no-input", "-v0")
        result = _timed_seed(env, seed_args)
        result["audit_events"] = _audit_events(env)
    size = int(_psql(url, f"SELECT pg_database_size('{name}')"))
    result["database_mb"] = round(size / 2**20, 1)
    return {"database": "postgresql", **result}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=150)
    parser.add_argument("--students-per-class", type=int, default=35)
    parser.add_argument("--only", choices=("sqlite", "postgres"))
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", DEFAULT_PG_URL))
    args = parser.parse_args()
    seed_args = [
        "--schools",
        str(args.schools),
        "--students-per-class",
        str(args.students_per_class),
    ]
    base_env = dict(os.environ)
    results = []
    if args.only in (None, "sqlite"):
        results.append(bench_sqlite(base_env, seed_args))
        print(_line(results[-1]), flush=True)
    if args.only in (None, "postgres"):
        results.append(bench_postgres(base_env, seed_args, args.pg_url))
        print(_line(results[-1]), flush=True)
    report = {
        "benchmark": "seed_demo",
        "command": f"manage.py seed_demo {' '.join(seed_args)}",
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "results": results,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"→ {RESULTS.relative_to(ROOT)}")


def _line(result: dict[str, Any]) -> str:
    return (
        f"{result['database']:<10} {result['seconds']:>7.1f} s  "
        f"peak RSS {result['peak_rss_mb']:>6.1f} MB  "
        f"{result.get('pupils', '?')} học sinh, {result['audit_events']} sự kiện nhật kí, "
        f"CSDL {result['database_mb']} MB"
    )


if __name__ == "__main__":
    main()

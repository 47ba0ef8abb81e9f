"""Verification cost of the audit trail (security.md target B4: 1 M events ≤ 60 s on 2 cores).

    python bench/bench_audit_verify.py [EVENTS]      # default 1,000,000; SQLite in a temp dir

Generates EVENTS events in 4 chains straight into a migrated SQLite file (precomputed hashes,
executemany in one transaction), then runs `manage.py verify_audit`, `checkpoint_audit` and
`verify_audit --checkpoint` each in a child process, timing them and reading the child's peak
RSS. Writes bench/results/audit_verify.json.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VAR = tempfile.mkdtemp(prefix="hocbaso-bench-audit-")
os.environ["DJANGO_SETTINGS_MODULE"] = "hocbaso.config.settings"
os.environ["HOCBASO_VAR_DIR"] = VAR
os.environ.pop("DATABASE_URL", None)
CHAINS = 4

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from hocbaso.audit.chain import GENESIS_HASH, event_hash  # noqa: E402


def generate(total: int) -> float:
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    connection.ensure_connection()
    raw = connection.connection
    base = dt.datetime(2026, 9, 5, 7, 0, tzinfo=dt.UTC)
    per_chain = total // CHAINS
    insert = (
        "INSERT INTO audit_auditevent (chain, seq, prev_hash, hash, action, created_at, actor_id,"
        " actor_label, subject_type, subject_id, subject_label, data, request_id, ip, origin,"
        " bien_ban_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
    )
    for c in range(CHAINS):
        chain = f"school:{c + 1}"
        prev, rows = GENESIS_HASH, []
        for seq in range(1, per_chain + 1):
            at = base + dt.timedelta(seconds=seq, microseconds=seq % 1000)
            data = {"old": {"diem": seq % 10}, "new": {"diem": (seq + 1) % 10}, "hs": seq}
            fields = {
                "chain": chain,
                "seq": seq,
                "action": "assessment.sheet_saved",
                "created_at": at.isoformat(),
                "actor_id": 1000 + seq % 37,
                "actor_label": "Nguyễn Thị Lan (gv.lan)",
                "subject_type": "assessment.sheet",
                "subject_id": str(seq % 500),
                "subject_label": "Lớp 4A · Toán · Cuối kì I",
                "data": data,
                "request_id": f"{seq:032x}",
                "ip": "10.0.0.7",
                "origin": "web",
                "bien_ban_id": "",
            }
            digest = event_hash(prev, fields)
            rows.append(
                (
                    chain,
                    seq,
                    prev,
                    digest,
                    fields["action"],
                    connection.ops.adapt_datetimefield_value(at),
                    fields["actor_id"],
                    fields["actor_label"],
                    fields["subject_type"],
                    fields["subject_id"],
                    fields["subject_label"],
                    json.dumps(data, ensure_ascii=False),
                    fields["request_id"],
                    fields["ip"],
                    fields["origin"],
                    "",
                )
            )
            prev = digest
        with raw:
            raw.executemany(insert, rows)
            raw.execute(
                "INSERT INTO audit_auditchainhead (chain, seq, hash) VALUES (?,?,?)",
                (chain, per_chain, prev),
            )
    connection.close()
    return time.perf_counter() - started


# The child reports its own peak RSS (VmHWM of its post-exec address space). getrusage's
# RUSAGE_CHILDREN ru_maxrss would include the parent's size at fork (Linux keeps the pre-exec
# high-water mark), i.e. the generator's memory, not the verifier's.
WRAPPER = """
import atexit, runpy, sys
def _hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM"):
            sys.stderr.write("\\nVMHWM_KB " + line.split()[1] + "\\n")
atexit.register(_hwm)
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def run(*args: str) -> dict[str, Any]:
    started = time.perf_counter()
    proc = subprocess.run(  # noqa: S603
        [sys.executable, "-c", WRAPPER, str(ROOT / "manage.py"), *args],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        check=False,
    )
    seconds = time.perf_counter() - started
    found = re.search(r"VMHWM_KB (\d+)", proc.stderr)
    stderr = re.sub(r"\s*VMHWM_KB \d+\s*", "", proc.stderr)
    return {
        "command": " ".join(args[:1]) + (" --checkpoint" if "--checkpoint" in args else ""),
        "exit": proc.returncode,
        "seconds": round(seconds, 2),
        "peak_rss_mb": round(int(found.group(1)) / 1024, 1) if found else None,
        "output": (proc.stdout + stderr).strip()[-300:],
    }


def main() -> None:
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    gen = generate(total)
    key = Path(VAR) / "key.pem"
    cp = Path(VAR) / "checkpoint.json"
    runs = [
        run("verify_audit"),
        run("checkpoint_audit", "--generate-key", str(key)),
        run("checkpoint_audit", "--out", str(cp), "--key", str(key)),
        run("verify_audit", "--checkpoint", str(cp), "--public-key", f"{key}.pub"),
    ]
    baseline = run("check")  # Django start-up alone, for the RSS floor
    result = {
        "events": total,
        "chains": CHAINS,
        "database": "SQLite (temporary file)",
        "generate_seconds": round(gen, 1),
        "db_file_mb": round(os.path.getsize(Path(VAR) / "hocbaso.sqlite3") / 2**20, 1),
        "runs": runs,
        "django_check_run": baseline,
        "cpu": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "target_b4": "1 M events verified in ≤ 60 s on 2 cores",
    }
    out = ROOT / "bench" / "results" / "audit_verify.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=2))
    if not os.environ.get("BENCH_KEEP"):
        shutil.rmtree(VAR, ignore_errors=True)
    else:
        print("kept", VAR)


if __name__ == "__main__":
    main()

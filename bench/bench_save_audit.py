"""What the audit write costs a save (issue 4, "Measured"): `save_sheet` of a 35-pupil sheet
where every cell changes, with the real audit write and with it replaced by a no-op.

    python bench/bench_save_audit.py [--saves N]            # SQLite in a temporary directory
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hocbaso_bench_save_audit \\
        python bench/bench_save_audit.py

One process, one class of 35 pupils built by `bench_save.build`, the cells of
`bench_save.sheet_cells`. The action is called directly (no HTTP), N times each way, interleaved
(with, without, without, with, … so both share the machine's noise and neither always runs
first); the no-op is `unittest.mock.patch` of `hocbaso.assessment.actions.save_sheet.log`, here
only. Without it the save writes no event and does not lock or move the chain head. Writes
bench/results/save-audit-<vendor>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
import uuid
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

import bench.bench_save as bench_save  # noqa: E402  (sets up Django like bench_save does)
from hocbaso.assessment.actions.save_sheet import CellInput, save_sheet  # noqa: E402
from hocbaso.assessment.models import Sheet  # noqa: E402
from hocbaso.audit.context import request_context  # noqa: E402
from hocbaso.audit.models import AuditEvent  # noqa: E402

WARM_UP = 10


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[max(int(len(ordered) * q) - 1, 0)]


def summary(samples: list[float]) -> dict[str, float | int]:
    return {
        "saves": len(samples),
        "p50_ms": round(statistics.median(samples), 2),
        "p95_ms": round(percentile(samples, 0.95), 2),
        "mean_ms": round(statistics.fmean(samples), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--saves", type=int, default=200, help="saves each way")
    saves = parser.parse_args().saves
    call_command("migrate", verbosity=0)
    [(username, class_id, pupils)] = bench_save.build(1)
    user = get_user_model().objects.get(username=username)
    n = 0

    def one_save() -> float:
        nonlocal n
        n += 1
        cells = [
            CellInput(c["student"], c["code"], c["level"], c["score"], c["comment"])
            for c in bench_save.sheet_cells(pupils, n)
        ]
        version = Sheet.objects.filter(class_group_id=class_id, key="toan").values_list("version", flat=True).first() or 0  # fmt: skip
        started = time.perf_counter()
        outcome = save_sheet(
            class_id, "CHKI", "toan", cells,
            base_version=version, idempotency_key=uuid.uuid4().hex, acting_user=user,
        )  # fmt: skip
        elapsed = (time.perf_counter() - started) * 1000
        assert outcome.changed == len(pupils), outcome
        return elapsed

    def without_audit() -> float:
        with mock.patch("hocbaso.assessment.actions.save_sheet.log") as fake:
            elapsed = one_save()
        assert fake.call_count == 1
        return elapsed

    with_audit: list[float] = []
    no_audit: list[float] = []
    with request_context("web", ip="127.0.0.1"):
        for _ in range(WARM_UP):
            one_save()
            without_audit()
        events_before = AuditEvent.objects.count()
        for i in range(saves):
            if i % 2 == 0:
                with_audit.append(one_save())
                no_audit.append(without_audit())
            else:
                no_audit.append(without_audit())
                with_audit.append(one_save())
        events_written = AuditEvent.objects.count() - events_before
    assert events_written == saves, events_written
    real, noop = summary(with_audit), summary(no_audit)
    results = {
        "database": connection.vendor,
        "cells_per_save": len(pupils),
        "with_audit": real,
        "audit_write_noop": noop,
        "overhead_ratio_p50": round(real["p50_ms"] / noop["p50_ms"], 3),
        "overhead_ratio_p95": round(real["p95_ms"] / noop["p95_ms"], 3),
        "overhead_p50_ms": round(real["p50_ms"] - noop["p50_ms"], 2),
        "python": platform.python_version(),
        "load_average_1_5_15": [round(x, 1) for x in os.getloadavg()],
        "note": "save_sheet called in-process, interleaved; no-op = mock.patch of save_sheet.log",
    }
    out = ROOT / "bench" / "results" / f"save-audit-{connection.vendor}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()

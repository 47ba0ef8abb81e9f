"""Time and peak memory of the sheet import (issue 3, "Excel round trip"): one 35-row sheet,
then a whole school's ~30,000 cells as the teachers would send them, one file per sheet.

    .venv/bin/python bench/bench_sheet_import.py                # SQLite in a temporary file
    DATABASE_URL=postgres://.../empty_db .venv/bin/python bench/bench_sheet_import.py
        [--classes 31] [--pupils 35] [--single-runs 15]

Each file goes through the real path: `import_sheet` dry run (guards, the parse in the limited
worker subprocess, the diff) then the apply (parsed again, re-planned under the sheet's row
lock, `save_sheet`). Files are made beforehand by `export_sheet` + openpyxl and not timed.
Memory: the web process's peak RSS and the Python heap it allocates for one import
(tracemalloc), and the largest parse worker's peak RSS (RUSAGE_CHILDREN). Results are merged
into bench/results/sheet_import.json under the database vendor.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hocbaso.config.settings")
if not os.environ.get("DATABASE_URL"):
    os.environ["HOCBASO_VAR_DIR"] = tempfile.mkdtemp(prefix="hocbaso-bench-")
os.environ["HOCBASO_PRIVATE_MEDIA_ROOT"] = tempfile.mkdtemp(prefix="hocbaso-bench-media-")

import django  # noqa: E402

django.setup()

import openpyxl  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from hocbaso.assessment.actions.import_sheet import export_sheet, import_sheet  # noqa: E402
from hocbaso.assessment.models import QC_SHEET, Entry, SheetSave  # noqa: E402
from hocbaso.assessment.sheets import sheet_columns, sheet_keys  # noqa: E402
from hocbaso.assessment.workbook import field_specs  # noqa: E402
from hocbaso.audit.actors import SEED  # noqa: E402
from hocbaso.audit.context import request_context  # noqa: E402
from hocbaso.audit.models import AuditEvent  # noqa: E402
from hocbaso.org import actions as org_actions  # noqa: E402
from hocbaso.org.models import ClassGroup  # noqa: E402
from hocbaso.people.actions.assignments import assign_homeroom, assign_teacher  # noqa: E402
from hocbaso.people.actions.students import create_student  # noqa: E402
from hocbaso.people.imports import worker  # noqa: E402
from hocbaso.people.models import User  # noqa: E402
from hocbaso.people.tests.world import World, build_world, pupil_values  # noqa: E402

PERIOD = "CHKI"
GRADE = 4
RESULTS = ROOT / "bench" / "results" / "sheet_import.json"
LEVELS = {"subject": ("T", "H", "C"), "rated": ("T", "Đ", "C")}


def _rss_mb(who: int) -> float:
    return round(resource.getrusage(who).ru_maxrss / 1024, 1)  # ru_maxrss is in KiB on Linux


# The parse worker's own peak: VmHWM of its address space. (RUSAGE_CHILDREN is no use here:
# Linux carries the forking parent's high-water mark into the child's maxrss at exec.)
_PEAK_WRAPPER = """
import re, runpy, sys
sys.argv = sys.argv[1:]
try:
    runpy.run_path(sys.argv[0], run_name="__main__")
except SystemExit:
    pass
status = open("/proc/self/status").read()
sys.stderr.write(re.search(r"VmHWM:\\s+(\\d+)", status).group(1))
"""


def worker_peak_mb(data: bytes) -> float:
    from django.conf import settings  # noqa: PLC0415

    command = [
        sys.executable, "-I", "-B", "-c", _PEAK_WRAPPER, worker.__file__,
        "--max-rows", str(settings.IMPORT_MAX_ROWS),
        "--max-bytes", str(settings.IMPORT_MAX_UPLOAD_BYTES),
        "--max-chars", str(settings.IMPORT_MAX_UNCOMPRESSED_BYTES),
        "--max-memory", str(settings.IMPORT_MAX_MEMORY_BYTES),
        "--max-seconds", str(settings.IMPORT_MAX_SECONDS),
    ]  # fmt: skip
    done = subprocess.run(command, input=data, capture_output=True, check=True)
    assert b'"rows"' in done.stdout[:20], done.stdout[:200]
    return round(int(done.stderr.decode().strip()) / 1024, 1)


def _school(world: World, classes: int, pupils: int) -> tuple[User, list[ClassGroup]]:
    """`classes` grade-4 classes of `pupils`, one teacher assigned to every sheet of them."""
    teacher = world.user("homeroom_4a")
    groups = []
    for n in range(classes):
        group = org_actions.create_class(
            school=world.school, school_year=world.year, grade=GRADE, name=f"4B{n:02d}",
            acting_user=SEED,
        )  # fmt: skip
        for i in range(pupils):
            create_student(
                pupil_values(f"Học Sinh {n:02d} {i:02d}"), group.pk,
                enrolled_on=dt.date(2026, 9, 5), acting_user=SEED,
            )  # fmt: skip
        for key in sheet_keys(GRADE):
            if key != QC_SHEET:
                assign_teacher(teacher.pk, group.pk, key, acting_user=SEED)
        assign_homeroom(teacher.pk, group.pk, acting_user=SEED)
        groups.append(group)
    return teacher, groups


def _filled_file(group: ClassGroup, key: str, teacher: User, seed: int) -> tuple[bytes, int]:
    """The downloaded sheet with every value cell filled (a first entry of the period)."""
    export = export_sheet(group.pk, PERIOD, key, acting_user=teacher)
    workbook = openpyxl.load_workbook(io.BytesIO(export.content))
    sheet = workbook.worksheets[0]
    specs = field_specs(sheet_columns(key, group.grade, PERIOD))
    cells = 0
    for r, row in enumerate(sheet.iter_rows(min_row=4)):
        for offset, spec in enumerate(specs, start=3):
            levels = LEVELS["subject" if spec.column.kind == Entry.Kind.SUBJECT else "rated"]
            if spec.field == "level":
                row[offset].value = levels[(r + seed + offset) % 3]
                cells += 1
            elif spec.field == "score":
                row[offset].value = (r + seed) % 11
            elif (r + offset) % 4 == 0:
                row[offset].value = f"Em tiến bộ, cần cố gắng thêm ({r}/{offset})."
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue(), cells


def _timed(call: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    result = call()
    return result, (time.perf_counter() - started) * 1000


def _run(group: ClassGroup, key: str, teacher: User, data: bytes) -> tuple[float, float]:
    def run(dry_run: bool) -> Any:
        return import_sheet(
            group.pk, PERIOD, key, data, "so.xlsx", acting_user=teacher, dry_run=dry_run
        )

    dry, dry_ms = _timed(lambda: run(True))
    assert not dry.errors, (key, dry.errors[:3])
    assert dry.changes, key
    applied, apply_ms = _timed(lambda: run(False))
    assert applied.applied, (key, applied.errors[:3])
    return dry_ms, apply_ms


def _stats(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(ordered[math.ceil(len(ordered) * 0.95) - 1], 1),  # nearest rank
        "max_ms": round(ordered[-1], 1),
    }


def single_sheet(teacher: User, groups: list[ClassGroup], runs: int, pupils: int) -> dict[str, Any]:
    """One maths sheet (a row per pupil) in each of `runs` classes: export, dry run and apply;
    the Python heap one import allocates in the web process; the parse worker's peak."""
    files = [_filled_file(g, "toan", teacher, n)[0] for n, g in enumerate(groups[:runs])]
    export_ms = []
    for group in groups[:runs]:
        started = time.perf_counter()
        export_sheet(group.pk, PERIOD, "toan", acting_user=teacher)
        export_ms.append((time.perf_counter() - started) * 1000)
    dry, apply = [], []
    for group, data in zip(groups[: runs - 1], files, strict=False):
        d, a = _run(group, "toan", teacher, data)
        dry.append(d)
        apply.append(a)
    tracemalloc.start()
    _run(groups[runs - 1], "toan", teacher, files[-1])
    heap_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {
        "rows": pupils,
        "runs": runs,
        "file_bytes": len(files[0]),
        "export": _stats(export_ms),
        "dry_run": _stats(dry),
        "apply": _stats(apply),
        "web_process_heap_peak_mb": round(heap_peak / 1024 / 1024, 2),
        "parse_worker_peak_rss_mb": worker_peak_mb(files[0]),
    }


def whole_school(teacher: User, groups: list[ClassGroup], skip_maths: int) -> dict[str, Any]:
    """Every sheet of every class (maths already done for the first `skip_maths` classes)."""
    plan = [
        (g, key)
        for n, g in enumerate(groups)
        for key in sheet_keys(GRADE)
        if not (key == "toan" and n < skip_maths)
    ]
    files = []
    cells = 0
    for n, (group, key) in enumerate(plan):
        data, count = _filled_file(group, key, teacher, n)
        files.append((group, key, data))
        cells += count
    largest = max(files, key=lambda f: len(f[2]))
    entries_before = Entry.objects.current().count()
    events_before = AuditEvent.objects.count()
    dry, apply = [], []
    started = time.perf_counter()
    for group, key, data in files:
        d, a = _run(group, key, teacher, data)
        dry.append(d)
        apply.append(a)
    total_s = time.perf_counter() - started
    written = Entry.objects.current().count() - entries_before
    assert written == cells, (written, cells)
    assert AuditEvent.objects.count() - events_before == len(files)
    return {
        "classes": len(groups),
        "sheets": len(files),
        "cells_this_run": cells,
        "cells_in_school": Entry.objects.current().count(),
        "total_s": round(total_s, 1),
        "dry_run_total_s": round(sum(dry) / 1000, 1),
        "apply_total_s": round(sum(apply) / 1000, 1),
        "cells_per_s": round(cells / total_s),
        "dry_run_per_sheet": _stats(dry),
        "apply_per_sheet": _stats(apply),
        "sheet_saves": SheetSave.objects.filter(source="xlsx").count(),
        "largest_file": {
            "sheet": largest[1],
            "bytes": len(largest[2]),
            "parse_worker_peak_rss_mb": worker_peak_mb(largest[2]),
        },
    }


def main() -> None:
    args = argparse.ArgumentParser()
    args.add_argument("--classes", type=int, default=31)  # 31 × 35 pupils × 28 cells ≈ 30,380
    args.add_argument("--pupils", type=int, default=35)
    args.add_argument("--single-runs", type=int, default=15)
    options = args.parse_args()
    call_command("migrate", verbosity=0)
    with request_context("bench", ip="127.0.0.1"):
        world = build_world()
        started = time.perf_counter()
        teacher, groups = _school(world, options.classes, options.pupils)
        setup_s = time.perf_counter() - started
        single = single_sheet(teacher, groups, options.single_runs, options.pupils)
        school = whole_school(teacher, groups, options.single_runs)
    result = {
        "database": connection.vendor,
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "setup_s": round(setup_s, 1),
        "sheet_35_rows": single,
        "school": school,
        "bench_process_peak_rss_mb": _rss_mb(resource.RUSAGE_SELF),  # setup and openpyxl too
    }
    merged = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    merged[connection.vendor] = result
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(merged, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()

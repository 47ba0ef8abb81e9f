"""What a load-test run measured, and whether every acknowledged save is in the database.

`summarise` reads the request log the locust users wrote (one JSON line per request) and
needs no database; `check_acknowledged` needs Django set up: for every acknowledged save it
looks up the `SheetSave` with its idempotency key and the entries written by that save, and
counts a save as lost when its row, its version or any of its cell values is missing.

A save writes only the cells it changes (`save_sheet`): a cell that already held the value sent
keeps its earlier row. Such a cell is checked against the sheet as of the save's version (its
latest row with `sheet_version` ≤ that version), so it is not lost when that row holds the
acknowledged value. (Found when a row-by-row run preceded a full-sheet run on the same
database: 3 cells of a first full save already held the values sent.)
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

CHUNK = 500


def read_log(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def percentile(ordered: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not ordered:
        return 0.0
    rank = max(int(round(q * len(ordered) + 0.5)) - 1, 0)
    return ordered[min(rank, len(ordered) - 1)]


def summarise(lines: Iterable[dict[str, Any]], kind: str, ramp_up_s: float = 0.0) -> dict[str, Any]:
    """Throughput and latency of one kind of request. The rate counts successful requests in
    the steady window (from the end of the ramp-up to the last request); latencies cover every
    request of that kind, ramp-up included."""
    rows = [r for r in lines if r["kind"] == kind]
    if not rows:
        return {"requests": 0, "errors": 0}
    ms = sorted(r["ms"] for r in rows)
    start = min(r["t"] for r in rows)
    end = max(r["t"] + r["ms"] / 1000 for r in rows)
    steady = [r for r in rows if r["t"] >= start + ramp_up_s and r["status"] == 200]
    steady_s = end - (start + ramp_up_s)
    ok = sum(1 for r in rows if r["status"] == 200)
    return {
        "requests": len(rows),
        "ok": ok,
        "errors": len(rows) - ok,
        "error_statuses": sorted({r["status"] for r in rows if r["status"] != 200}),
        "duration_s": round(end - start, 1),
        "per_second_overall": round(ok / (end - start), 1) if end > start else 0.0,
        "per_second_steady": round(len(steady) / steady_s, 1) if steady_s > 0 else 0.0,
        "p50_ms": round(statistics.median(ms), 1),
        "p95_ms": round(percentile(ms, 0.95), 1),
        "p99_ms": round(percentile(ms, 0.99), 1),
        "max_ms": round(ms[-1], 1),
    }


def _as_of(save: Any, student_id: int) -> tuple[str, int | None] | None:
    """The pupil's cell on the save's sheet as of the save's version (for a cell the save did
    not write because it already held the value): its latest row up to that version."""
    from hocbaso.assessment.models import Entry

    row = (
        Entry.objects.filter(
            sheet_id=save.sheet_id, student_id=student_id, sheet_version__lte=save.version
        )
        .order_by("-sheet_version")
        .values_list("level", "score")
        .first()
    )
    return (row[0], row[1]) if row is not None else None


def check_acknowledged(lines: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Every acknowledged save (status 200) against the database: returns the number checked,
    the number lost and the first few lost keys with what was wrong."""
    from hocbaso.assessment.models import Entry, SheetSave

    acked = [r for r in lines if r["kind"] == "save" and r["status"] == 200]
    lost: list[dict[str, Any]] = []
    cells_checked = 0
    for i in range(0, len(acked), CHUNK):
        chunk = {r["key"]: r for r in acked[i : i + CHUNK]}
        saves = {
            s.idempotency_key: s
            for s in SheetSave.objects.filter(idempotency_key__in=chunk).select_related("sheet")
        }
        written: dict[int, dict[int, tuple[str, int | None]]] = {}
        for row in Entry.objects.filter(save_record__in=saves.values()).values(
            "save_record_id", "student_id", "level", "score", "sheet_version"
        ):
            written.setdefault(row["save_record_id"], {})[row["student_id"]] = (
                row["level"],
                row["score"],
            )
        for key, ack in chunk.items():
            save = saves.get(key)
            if save is None:
                lost.append({"key": key, "why": "no SheetSave with this idempotency key"})
                continue
            if save.version != ack["version"] or save.sheet.class_group_id != ack["class_id"]:
                lost.append({"key": key, "why": f"version {save.version} ≠ {ack['version']}"})
                continue
            cells = written.get(save.pk, {})
            missing = [
                c
                for c in ack["cells"]
                if cells.get(c[0]) != (c[1], c[2]) and _as_of(save, c[0]) != (c[1], c[2])
            ]
            cells_checked += len(ack["cells"])
            if missing:
                lost.append({"key": key, "why": f"{len(missing)} cell(s) not as acknowledged"})
    return {
        "acknowledged_saves": len(acked),
        "cells_checked": cells_checked,
        "lost": len(lost),
        "first_lost": lost[:5],
    }

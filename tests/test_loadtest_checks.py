"""The load test's bookkeeping (bench/loadtest, `make loadtest`): the summary of a tiny fake run
and the acknowledged-writes check against real saves. The load itself never runs here."""

from __future__ import annotations

import uuid

import pytest

from bench.loadtest import acks, seed
from bench.loadtest.cells import sheet_cells
from hocbaso.assessment.actions.save_sheet import CellInput, save_sheet
from hocbaso.audit.context import request_context
from hocbaso.people.models import User


def _line(t: float, ms: float, status: int = 200, kind: str = "save") -> dict[str, object]:
    return {"kind": kind, "t": t, "ms": ms, "status": status}


def test_summary_counts_errors_rates_and_percentiles() -> None:
    lines = [_line(100.0 + i * 0.1, float(i + 1)) for i in range(100)]
    lines.append(_line(105.0, 500.0, status=0))
    lines.append(_line(100.0, 3.0, kind="bare"))
    s = acks.summarise(lines, "save", ramp_up_s=1.0)
    assert s["requests"] == 101
    assert s["ok"] == 100
    assert s["errors"] == 1
    assert s["error_statuses"] == [0]
    assert s["p50_ms"] == 51.0
    assert s["p95_ms"] == 96.0
    assert s["p99_ms"] == 100.0
    assert s["max_ms"] == 500.0
    # 90 successes from t=101.0 (after the ramp-up) to the end of the last one at 110.0
    assert s["per_second_steady"] == 10.0
    assert s["per_second_overall"] == 10.0
    assert acks.summarise(lines, "login") == {"requests": 0, "errors": 0}


def _save(user: User, teacher: seed.Teacher, n: int, version: int) -> dict[str, object]:
    cells = sheet_cells(teacher["pupils"], n)
    key = uuid.uuid4().hex
    with request_context("web", ip="127.0.0.1"):
        outcome = save_sheet(
            teacher["class_id"], seed.PERIOD, seed.KEY,
            [CellInput(c["student"], c["code"], c["level"], c["score"], c["comment"]) for c in cells],
            base_version=version, idempotency_key=key, acting_user=user,
        )  # fmt: skip
    return {
        "kind": "save", "t": 0.0, "ms": 1.0, "status": 200, "class_id": teacher["class_id"],
        "key": key, "version": outcome.version,
        "cells": [[c["student"], c["level"], c["score"]] for c in cells],
    }  # fmt: skip


@pytest.mark.django_db
def test_acknowledged_saves_are_found_and_a_lost_one_is_reported() -> None:
    seed.seed(schools=1, classes=1)
    [teacher] = seed.plan()
    user = User.objects.get(username=teacher["username"])
    first = _save(user, teacher, 1, 0)
    second = _save(user, teacher, 2, 1)
    assert [first["version"], second["version"]] == [1, 2]
    assert seed.plan()[0]["version"] == 2

    ok = acks.check_acknowledged([first, second])
    assert ok == {"acknowledged_saves": 2, "cells_checked": 70, "lost": 0, "first_lost": []}

    wrong_value = {**second, "cells": [[*second["cells"][0][:2], 10]] + second["cells"][1:]}  # type: ignore[index,operator]
    never_written = {**first, "key": "f" * 32}
    wrong_version = {**first, "version": 7}
    failed = {**first, "status": 503}  # not acknowledged: not checked
    report = acks.check_acknowledged([wrong_value, never_written, wrong_version, failed])
    assert report["acknowledged_saves"] == 3
    assert report["lost"] == 3
    assert [x["why"] for x in report["first_lost"]] == [
        "1 cell(s) not as acknowledged",
        "no SheetSave with this idempotency key",
        "version 1 ≠ 7",
    ]


def test_row_by_row_saves_take_turns_and_change_every_cell_they_send() -> None:
    pupils = list(range(100, 135))
    first, second = sheet_cells(pupils, 1, rows=1), sheet_cells(pupils, 2, rows=1)
    assert [c["student"] for c in first + second] == [101, 102]
    assert len(sheet_cells(pupils, 7)) == 35
    last_seen: dict[object, tuple[object, object]] = {}
    for n in range(1, 200):
        for cell in sheet_cells(pupils, n, rows=1):
            value = (cell["level"], cell["score"])
            assert last_seen.get(cell["student"]) != value
            last_seen[cell["student"]] = value

"""The load test's bookkeeping (bench/loadtest, `make loadtest`): the summary of a tiny fake run
and the acknowledged-writes check against real saves. The load itself never runs here."""

from __future__ import annotations

import uuid

import pytest

from bench.loadtest import acks, autovacuum, run, seed
from bench.loadtest.cells import sheet_cells
from hocbaso.assessment.actions.save_sheet import CellInput, save_sheet
from hocbaso.assessment.models import SheetSave
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


@pytest.mark.django_db
def test_a_cell_the_save_left_unchanged_is_checked_at_the_save_s_version() -> None:
    # given a sheet whose first pupil already holds the value a later full save sends
    seed.seed(schools=1, classes=1)
    [teacher] = seed.plan()
    user = User.objects.get(username=teacher["username"])
    first_pupil = teacher["pupils"][:1]
    early = _save(user, {**teacher, "pupils": first_pupil}, 34, 0)  # 34 ≡ 1 (mod 3 and 11)
    full = _save(user, teacher, 1, 1)
    # then the full save wrote 34 cells, and its 35th is still acknowledged, not lost
    assert SheetSave.objects.get(idempotency_key=full["key"]).changed == 34
    report = acks.check_acknowledged([early, full])
    assert (report["lost"], report["cells_checked"]) == (0, 36)
    # and a cell whose value as of that version differs is still reported
    wrong = {**full, "cells": [[*full["cells"][0][:2], 10]] + full["cells"][1:]}  # type: ignore[index,operator]
    assert acks.check_acknowledged([wrong])["lost"] == 1


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


@pytest.mark.parametrize(
    ("reltuples", "dead", "inserted", "modified", "expected"),
    [
        # autovacuum's defaults (PostgreSQL 15, "Routine Vacuuming", 25.1.6): a table of 1,000 rows
        (1000, 250, 0, 0, (False, False)),  # dead 250 = 50 + 0.2 × 1000: not over
        (1000, 251, 0, 0, (True, False)),
        (1000, 0, 1200, 0, (False, False)),  # inserts 1200 = 1000 + 0.2 × 1000
        (1000, 0, 1201, 0, (True, False)),
        (1000, 0, 0, 150, (False, False)),  # changes 150 = 50 + 0.1 × 1000
        (1000, 0, 0, 151, (False, True)),
        (0, 51, 0, 51, (True, True)),  # a table never vacuumed counts as empty
        (1_000_000, 150_000, 150_000, 90_000, (False, False)),
        (1_000_000, 200_051, 0, 100_051, (True, True)),
    ],
)
def test_autovacuum_stand_in_follows_the_daemon_s_default_thresholds(
    reltuples: float, dead: int, inserted: int, modified: int, expected: tuple[bool, bool]
) -> None:
    assert autovacuum.due(reltuples, dead, inserted, modified) == expected


def test_the_report_says_whether_the_stand_in_ran() -> None:
    assert run.autovacuum_line({"server_autovacuum": "on", "stand_in_runs": []}) == (
        "The server's autovacuum was on."
    )
    line = run.autovacuum_line(
        {
            "server_autovacuum": "off",
            "stand_in_runs": [
                {"at_s": 61, "table": "assessment_entry", "what": "VACUUM", "seconds": 7.1}
            ],
        }
    )
    assert "autovacuum was off" in line
    assert "ran 1 time(s)" in line
    assert "VACUUM assessment_entry at 61 s (7.1 s)" in line

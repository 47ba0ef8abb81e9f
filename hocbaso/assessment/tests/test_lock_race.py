"""security.md A6: 50 concurrent saves race one `lock_entry`; no save commits after the lock.

The concurrent test needs PostgreSQL (row locks, one connection per thread): it is skipped on
SQLite. The sequential version runs everywhere.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
import time
from collections.abc import Iterator

import pytest
import time_machine
from django.db import connection

from hocbaso.assessment.actions.locks import LOCAL_TZ, LockScope, SheetLocked, lock_entry
from hocbaso.assessment.actions.save_sheet import CellInput, save_sheet
from hocbaso.assessment.models import Entry, EntryLock, SheetSave
from hocbaso.audit.actors import SEED
from hocbaso.audit.context import request_context
from hocbaso.audit.models import AuditEvent
from hocbaso.people.actions import students
from hocbaso.people.tests.world import World, pupil_values

SAVES = 50
TODAY = dt.datetime(2026, 12, 1, 9, 0, tzinfo=LOCAL_TZ)  # CHKI open until 20/01/2027


@pytest.fixture(autouse=True)
def _december() -> Iterator[None]:
    with time_machine.travel(TODAY, tick=True):
        yield


def _save_one(world: World, student_id: int, idem: str) -> None:
    save_sheet(
        world.class_4a.pk, "CHKI", "toan", [CellInput(student_id, "toan", "T", 9)],
        base_version=0, idempotency_key=idem, acting_user=world.user("homeroom_4a"),
    )  # fmt: skip


@pytest.mark.django_db
def test_save_lock_then_save_refused(world: World) -> None:
    _save_one(world, world.pupil_a.pk, "before")
    lock = lock_entry(
        LockScope(school_id=world.school.pk, period_code="CHKI"),
        acting_user=world.user("principal"),
    )
    with pytest.raises(SheetLocked):
        _save_one(world, world.pupil_a.pk, "after")
    assert not Entry.objects.filter(created_at__gt=lock.created_at).exists()
    assert SheetSave.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_saves_never_commit_after_a_lock(postgres_only: None, world: World) -> None:
    # given 50 pupils in 4A, each saved by its own request on its own connection
    pupils = [world.pupil_a.pk] + [
        students.create_student(
            pupil_values(f"Học sinh {n:02d}"), world.class_4a.pk,
            enrolled_on=dt.date(2026, 9, 5), acting_user=SEED,
        ).pk
        for n in range(1, SAVES)
    ]  # fmt: skip
    events_before = AuditEvent.objects.count()
    barrier = threading.Barrier(SAVES + 1)
    results: dict[int, str] = {}

    def saver(n: int) -> None:
        try:
            with request_context("test", ip="127.0.0.1"):
                barrier.wait()
                time.sleep(random.random() * 0.05)  # noqa: S311 - jitter, not a secret
                _save_one(world, pupils[n], f"race-{n}")
            results[n] = "ok"
        except SheetLocked:
            results[n] = "locked"
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            results[n] = repr(exc)
        finally:
            connection.close()

    def locker() -> None:
        try:
            with request_context("test", ip="127.0.0.1"):
                barrier.wait()
                time.sleep(0.02)
                scope = LockScope(school_id=world.school.pk, period_code="CHKI")
                lock_entry(scope, reason="", acting_user=world.user("principal"))
            results[-1] = "locked it"
        except Exception as exc:  # noqa: BLE001
            results[-1] = repr(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=saver, args=(n,)) for n in range(SAVES)]
    threads.append(threading.Thread(target=locker))
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)

    # then the lock was taken, and every save either succeeded before it or was refused
    assert results.pop(-1) == "locked it"
    assert len(results) == SAVES
    assert set(results.values()) <= {"ok", "locked"}, results
    ok = sum(1 for r in results.values() if r == "ok")
    lock = EntryLock.objects.get()
    assert not Entry.objects.filter(created_at__gt=lock.created_at).exists()
    assert not SheetSave.objects.filter(created_at__gt=lock.created_at).exists()
    assert Entry.objects.filter(sheet__class_group=world.class_4a).count() == ok
    assert SheetSave.objects.count() == ok
    assert AuditEvent.objects.count() - events_before == ok + 1

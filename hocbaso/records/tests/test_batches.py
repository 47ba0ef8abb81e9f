"""Batch signing: one PIN, background tasks, exactly once even with crashes and two workers."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection

from hocbaso.audit.models import AuditEvent
from hocbaso.people.errors import ActionError
from hocbaso.people.tests.world import World
from hocbaso.records import batch_runner
from hocbaso.records.batch_runner import run_batch
from hocbaso.records.batches import (
    batch_progress,
    resume_stale_batches,
    stale_after,
    start_batch,
)
from hocbaso.records.models import RecordFile, RecordPage, SigningBatch, SigningBatchItem
from hocbaso.records.signing_chain import current_file
from hocbaso.records.tests.chain_world import Signers, give_signers, verified_pages

State = RecordPage.State
PIN = "123456"
IMMEDIATE = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
        "QUEUES": ["default", "signing"],
    }
}
DUMMY = {
    "default": {
        "BACKEND": "django_tasks.backends.dummy.DummyBackend",
        "QUEUES": ["default", "signing"],
    }
}


@pytest.fixture
def signers(ready: World, demo_authority, settings) -> Signers:
    settings.TASKS = IMMEDIATE
    return give_signers(ready, demo_authority)


def _signed_once(pages: list[RecordPage], step: str, state: str) -> None:
    for page in pages:
        page.refresh_from_db()
        assert page.state == state
        assert RecordFile.objects.filter(page=page, step=step).count() == 1
        found = current_file(page)
        assert found is not None
        assert found.step == step  # the current file is the file of the state: never half-signed
    events = AuditEvent.objects.filter(
        action="signature.applied", subject_id__in=[str(p.pk) for p in pages]
    )
    assert sum(1 for e in events if e.data["new"]["role"] == step) == len(pages)


def test_a_class_batch_signs_each_page_once(ready: World, signers: Signers) -> None:
    pages = verified_pages(ready, 4)
    teacher = ready.user("homeroom_4a")
    batch = start_batch(role="homeroom", class_id=ready.class_4a.pk, pin=PIN, acting_user=teacher)
    batch.refresh_from_db()
    assert (batch.status, batch.total, batch.done, batch.failed) == ("finished", 4, 4, 0)
    assert bytes(batch.sealed_pin) == b""  # the PIN is wiped when the batch ends
    _signed_once(pages, "homeroom", State.SIGNED_BY_HOMEROOM)
    assert batch_progress(batch.pk)["done"] == 4
    # The principal's and the seal's batches follow; the school scope picks the waiting pages.
    principal = ready.user("principal")
    start_batch(role="principal", school_id=ready.school.pk, pin=PIN, acting_user=principal)
    start_batch(role="seal", school_id=ready.school.pk, pin=PIN, acting_user=principal)
    _signed_once(pages, "seal", State.SEALED)
    assert AuditEvent.objects.filter(action="record.issued").count() == 4
    assert AuditEvent.objects.filter(action="signing.batch_started").count() == 3
    assert AuditEvent.objects.filter(action="signing.batch_finished").count() == 3
    # Nothing of the PIN in the audit log or the task arguments.
    assert not any(PIN in str(e.data) for e in AuditEvent.objects.all())


def test_a_wrong_pin_is_refused_up_front(ready: World, signers: Signers) -> None:
    verified_pages(ready, 2)
    with pytest.raises(ActionError, match="PIN"):
        start_batch(
            role="homeroom",
            class_id=ready.class_4a.pk,
            pin="000000",
            acting_user=ready.user("homeroom_4a"),
        )
    assert not SigningBatch.objects.exists()
    assert not RecordFile.objects.exclude(step="rendered").exists()


def test_only_the_homeroom_teacher_starts_a_homeroom_batch(ready: World, signers: Signers) -> None:
    verified_pages(ready, 1)
    with pytest.raises(ActionError, match="chủ nhiệm"):
        start_batch(
            role="homeroom",
            class_id=ready.class_4a.pk,
            pin=PIN,
            acting_user=ready.user("principal"),
        )
    assert not SigningBatch.objects.exists()


def test_running_twice_and_overlapping_batches_skip_signed_pages(
    ready: World,
    signers: Signers,
    settings,
) -> None:
    pages = verified_pages(ready, 3)
    settings.TASKS = DUMMY  # queued, not run: this test runs the task function itself
    teacher = ready.user("homeroom_4a")
    first = start_batch(role="homeroom", class_id=ready.class_4a.pk, pin=PIN, acting_user=teacher)
    second = start_batch(
        role="homeroom", page_ids=[p.pk for p in pages], pin=PIN, acting_user=teacher
    )
    run_batch(first.pk)
    run_batch(first.pk)  # a second run (a re-enqueued task) finds nothing to do
    run_batch(second.pk)  # the same pages in another batch: already past the step
    _signed_once(pages, "homeroom", State.SIGNED_BY_HOMEROOM)
    statuses = SigningBatchItem.objects.filter(batch=second).values_list("status", flat=True)
    assert set(statuses) == {"skipped"}
    second.refresh_from_db()
    assert (second.status, second.skipped) == ("finished", 3)


class Crash(BaseException):
    """A worker dying in the middle of an item (not an error the batch may catch)."""


def test_a_crash_mid_batch_resumes_and_signs_each_page_once(
    ready: World,
    signers: Signers,
    settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pages = verified_pages(ready, 5)
    settings.TASKS = DUMMY
    batch = start_batch(
        role="homeroom",
        class_id=ready.class_4a.pk,
        pin=PIN,
        acting_user=ready.user("homeroom_4a"),
    )
    real_sign = batch_runner.sign_page
    calls = {"n": 0}

    def dying_sign(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            real_sign(*args, **kwargs)  # the third page is signed, then the worker dies
            raise Crash
        return real_sign(*args, **kwargs)

    monkeypatch.setattr(batch_runner, "sign_page", dying_sign)
    with pytest.raises(Crash):
        run_batch(batch.pk)
    batch.refresh_from_db()
    assert batch.status == "running"
    states = sorted(
        RecordPage.objects.filter(pk__in=[p.pk for p in pages]).values_list("state", flat=True)
    )
    assert states.count(State.SIGNED_BY_HOMEROOM) == 2  # the third page's signing rolled back
    for page in pages:  # every current file matches its page's state
        page.refresh_from_db()
        found = current_file(page)
        assert found is not None
        assert found.step == ("homeroom" if page.state == State.SIGNED_BY_HOMEROOM else "rendered")
    monkeypatch.setattr(batch_runner, "sign_page", real_sign)
    assert resume_stale_batches() == []  # the heartbeat is fresh: not yet considered dead
    settings.TASKS = IMMEDIATE
    assert batch.heartbeat_at is not None
    later = batch.heartbeat_at + stale_after() + dt.timedelta(seconds=1)
    assert resume_stale_batches(now=later) == [batch.pk]
    batch.refresh_from_db()
    assert (batch.status, batch.done, batch.failed) == ("finished", 5, 0)
    _signed_once(pages, "homeroom", State.SIGNED_BY_HOMEROOM)


def test_an_expired_certificate_fails_items_and_the_batch_finishes(
    ready: World,
    signers: Signers,
    settings,
) -> None:
    pages = verified_pages(ready, 2)
    settings.TASKS = DUMMY
    batch = start_batch(
        role="homeroom",
        class_id=ready.class_4a.pk,
        pin=PIN,
        acting_user=ready.user("homeroom_4a"),
    )
    expired_at = signers.homeroom.not_after + dt.timedelta(days=2)
    with time_machine.travel(expired_at, tick=False):
        run_batch(batch.pk)
    batch.refresh_from_db()
    assert (batch.status, batch.failed, batch.done) == ("finished", 2, 0)
    errors = set(SigningBatchItem.objects.filter(batch=batch).values_list("error", flat=True))
    assert len(errors) == 1
    assert "hết hạn" in errors.pop()
    assert AuditEvent.objects.filter(action="signing.batch_item_failed").count() == 2
    for page in pages:
        page.refresh_from_db()
        assert page.state == State.VERIFIED


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_sign_each_page_once(
    postgres_only: None,
    ready: World,
    signers: Signers,
    settings,
) -> None:
    pages = verified_pages(ready, 6)
    settings.TASKS = DUMMY
    batch = start_batch(
        role="homeroom",
        class_id=ready.class_4a.pk,
        pin=PIN,
        acting_user=ready.user("homeroom_4a"),
    )
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            run_batch(batch.pk)
        except BaseException as exc:  # noqa: BLE001 — reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    batch.refresh_from_db()
    assert (batch.status, batch.done, batch.skipped, batch.failed) == ("finished", 6, 0, 0)
    _signed_once(pages, "homeroom", State.SIGNED_BY_HOMEROOM)
    assert settings.SIGNING_DEMO_PKI

"""A real `db_worker` killed (SIGKILL) in the middle of a batch: after `resume_signing` and a
new worker, every page is signed exactly once and no current file is half-signed.
PostgreSQL only: the worker subprocess needs the test database as a real, shared database."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from hocbaso.audit.models import AuditEvent
from hocbaso.people.tests.world import World
from hocbaso.records.batches import start_batch
from hocbaso.records.models import RecordFile, RecordPage, SigningBatch, SigningBatchItem
from hocbaso.records.signing_chain import current_file
from hocbaso.records.tests.chain_world import give_signers, verified_pages

PAGES = 16
ROOT = Path(__file__).resolve().parents[3]
DATABASE_TASKS = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "signing"]}
}


def _worker(*extra: str) -> subprocess.Popen[bytes]:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DB_CONN_MAX_AGE": "0",
        "HOCBASO_PRIVATE_MEDIA_ROOT": str(settings.PRIVATE_MEDIA_ROOT),
        "HOCBASO_DEMO_PKI": "1",
        "HOCBASO_TSA": "demo",
        "HOCBASO_TRUST_ROOTS": "",
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
    }
    command = [sys.executable, "manage.py", "db_worker", "--queue-name", "signing"]
    command += ["--interval", "0.1", "--no-startup-delay", "--no-reload", *extra]
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def _done(batch: SigningBatch) -> int:
    return SigningBatchItem.objects.filter(batch=batch, status="done").count()


@pytest.mark.django_db(transaction=True)
def test_killing_a_worker_mid_batch_loses_nothing_and_signs_nothing_twice(
    postgres_only: None,
    ready: World,
    demo_authority,
    settings,
) -> None:
    settings.TASKS = DATABASE_TASKS
    give_signers(ready, demo_authority)
    pages = verified_pages(ready, PAGES)
    batch = start_batch(
        role="homeroom",
        class_id=ready.class_4a.pk,
        pin=settings.SIGNING_DEMO_PIN,
        acting_user=ready.user("homeroom_4a"),
    )
    worker = _worker()
    try:
        deadline = time.monotonic() + 120
        while _done(batch) < 3 and time.monotonic() < deadline and worker.poll() is None:
            time.sleep(0.05)
        worker.send_signal(signal.SIGKILL)
    finally:
        worker.wait(timeout=30)
    signed_before = _done(batch)
    assert 3 <= signed_before < PAGES, "the worker should have died mid-batch"
    batch.refresh_from_db()
    assert batch.status == SigningBatch.Status.RUNNING
    for page in pages:  # nothing half-signed: each current file is the file of its state
        page.refresh_from_db()
        found = current_file(page)
        assert found is not None
        expected = "homeroom" if page.state == RecordPage.State.SIGNED_BY_HOMEROOM else "rendered"
        assert found.step == expected
    # The worker's heartbeat is on the real clock; resume treats the batch as stale.
    SigningBatch.objects.filter(pk=batch.pk).update(
        heartbeat_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    )
    out = StringIO()
    call_command("resume_signing", stdout=out)
    assert str(batch.pk) in out.getvalue()
    restarted = _worker("--batch")
    assert restarted.wait(timeout=180) == 0
    batch.refresh_from_db()
    assert (batch.status, batch.done, batch.failed, batch.skipped) == ("finished", PAGES, 0, 0)
    for page in pages:
        page.refresh_from_db()
        assert page.state == RecordPage.State.SIGNED_BY_HOMEROOM
        assert RecordFile.objects.filter(page=page, step="homeroom").count() == 1
    applied = AuditEvent.objects.filter(action="signature.applied")
    assert applied.count() == PAGES
    assert sorted(int(e.subject_id) for e in applied) == sorted(p.pk for p in pages)

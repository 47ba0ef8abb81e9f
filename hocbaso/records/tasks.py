"""Background tasks of the records app (django-tasks; queue "signing").

Run a worker with ``python manage.py db_worker --queue-name signing`` (several may run at
once). The task's only argument is the batch id: the PIN never travels in a task row.
"""

from __future__ import annotations

from typing import Any

from django_tasks import task

from hocbaso.records.batch_runner import run_batch

SIGNING_QUEUE = "signing"


@task(queue_name=SIGNING_QUEUE)
def run_signing_batch(batch_id: int) -> dict[str, Any]:
    return run_batch(batch_id)


def enqueue_batch(batch_id: int, copies: int = 1) -> None:
    """Queue the batch; ``copies`` tasks let that many workers share a large batch (each
    item is claimed by one run only)."""
    for _ in range(max(1, copies)):
        run_signing_batch.enqueue(batch_id)

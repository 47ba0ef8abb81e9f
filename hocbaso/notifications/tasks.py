"""Background delivery (django-tasks, queue "default"): used when
``HOCBASO_NOTIFICATION_DELIVERY = "task"``, and for the periodic retry sweep."""

from __future__ import annotations

from django_tasks import task

from hocbaso.audit.context import request_context
from hocbaso.notifications.delivery import deliver, deliver_due


@task()
def deliver_notification(notification_id: int) -> str:
    with request_context("task"):
        result = deliver(notification_id)
    return "skipped" if result is None else str(result.status)


@task()
def retry_notifications(limit: int = 500) -> dict[str, int]:
    with request_context("task"):
        return deliver_due(limit)

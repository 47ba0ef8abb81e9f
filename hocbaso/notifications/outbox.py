"""`enqueue`: the one way to send a message. The row is written in the caller's transaction
and sent after it commits (`delivery.deliver`), through the backend configured for its
channel; if the caller's transaction rolls back, nothing is sent.

``settings.HOCBASO_NOTIFICATION_DELIVERY``: "inline" (default) sends right after the commit
in the same process; "task" queues a django-tasks task (`tasks.deliver_notification`) for a
worker (``manage.py db_worker``), so that a slow gateway never holds a web request.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from hocbaso.notifications.models import Channel, Notification


def _after_commit(notification_id: int) -> None:
    if getattr(settings, "HOCBASO_NOTIFICATION_DELIVERY", "inline") == "task":
        from hocbaso.notifications.tasks import deliver_notification

        deliver_notification.enqueue(notification_id)
        return
    from hocbaso.notifications.delivery import deliver

    deliver(notification_id)


def enqueue(
    *,
    topic: str,
    channel: str,
    address: str,
    text: str,
    subject: str = "",
    user: Any = None,
    dedupe_key: str = "",
    school_id: int | None = None,
    params: dict[str, str] | None = None,
) -> Notification:
    """Record a message and send it when the caller's transaction commits.

    A ``dedupe_key`` already used returns the existing row and sends nothing more (a period
    released twice, a record re-sealed, a retried request)."""
    if channel not in Channel.values:
        raise ValueError(f"Unknown notification channel: {channel}")
    address = address.strip()
    if not address:
        raise ValueError("A notification needs an address")
    if dedupe_key:
        existing = Notification.objects.filter(dedupe_key=dedupe_key).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():  # a savepoint: a concurrent twin loses the race cleanly
            notification = Notification.objects.create(
                topic=topic,
                channel=channel,
                address=address,
                subject=subject,
                text=text,
                params=params or {},
                user=user if getattr(user, "pk", None) else None,
                school_id=school_id,
                dedupe_key=dedupe_key,
            )
    except IntegrityError:
        if not dedupe_key:
            raise
        return Notification.objects.get(dedupe_key=dedupe_key)
    # robust: a failure to send is logged and retried later, never raised into the request
    transaction.on_commit(partial(_after_commit, notification.pk), robust=True)
    return notification

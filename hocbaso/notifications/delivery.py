"""Sending one logged message, with retries.

`deliver` claims a due queued row (attempts + 1, ``next_attempt_at`` pushed forward by a lease
so that no other worker sends it meanwhile), sends it outside any transaction, then records
the outcome: sent; queued again with a back-off after a transient failure; failed after a
permanent one or the last attempt. Sending and final failure are audit events: a person's data
left the system (the address masked, never the text).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from hocbaso.audit.actors import SystemActor
from hocbaso.audit.log import log
from hocbaso.notifications.backends import DeliveryError, OutgoingMessage, sender_for
from hocbaso.notifications.masking import mask_address
from hocbaso.notifications.models import Notification

logger = logging.getLogger("hocbaso.notifications")

NOTIFIER = SystemActor("notifications")
LEASE = dt.timedelta(minutes=5)


def max_attempts() -> int:
    return int(getattr(settings, "HOCBASO_NOTIFICATION_MAX_ATTEMPTS", 5))


def backoff(attempts: int) -> dt.timedelta:
    """1, 2, 4, 8… minutes after the n-th failed attempt, at most an hour."""
    return dt.timedelta(minutes=min(60, 2 ** max(0, attempts - 1)))


def _claim(notification_id: int) -> bool:
    now = timezone.now()
    claimed = Notification.objects.filter(
        pk=notification_id, status=Notification.Status.QUEUED, next_attempt_at__lte=now
    ).update(attempts=F("attempts") + 1, next_attempt_at=now + LEASE)
    return claimed == 1


def _audit(notification: Notification, action: str, **extra: object) -> None:
    log(
        action,
        actor=NOTIFIER,
        subject=notification,
        school_id=notification.school_id,
        subject_label=f"{notification.topic} → {mask_address(notification.address)}",
        data={
            "topic": notification.topic,
            "channel": notification.channel,
            "address": mask_address(notification.address),
            "user_id": notification.user_id,
            "attempts": notification.attempts,
            **extra,
        },
    )


@transaction.atomic
def _record_sent(notification_id: int, provider_id: str) -> Notification:
    n = Notification.objects.select_for_update().get(pk=notification_id)
    n.status = Notification.Status.SENT
    n.sent_at = timezone.now()
    n.provider_message_id = provider_id[:120]
    n.last_error = ""
    n.save(update_fields=["status", "sent_at", "provider_message_id", "last_error"])
    _audit(n, "notification.sent")
    return n


@transaction.atomic
def _record_failure(notification_id: int, error: str, *, transient: bool) -> Notification:
    n = Notification.objects.select_for_update().get(pk=notification_id)
    n.last_error = error[:2000]
    if transient and n.attempts < max_attempts():
        n.next_attempt_at = timezone.now() + backoff(n.attempts)
        n.save(update_fields=["last_error", "next_attempt_at"])
        return n
    n.status = Notification.Status.FAILED
    n.save(update_fields=["last_error", "status"])
    _audit(n, "notification.failed", error=n.last_error)
    return n


def deliver(notification_id: int) -> Notification | None:
    """Send the row if it is due; None when it was not (sent, failed, claimed elsewhere)."""
    if not _claim(notification_id):
        return None
    n = Notification.objects.get(pk=notification_id)
    message = OutgoingMessage(
        notification_id=n.pk,
        topic=n.topic,
        channel=n.channel,
        address=n.address,
        subject=n.subject,
        text=n.text,
        params={str(k): str(v) for k, v in n.params.items()},
    )
    try:
        provider_id = sender_for(n.channel)(message)
    except DeliveryError as exc:
        return _record_failure(n.pk, str(exc), transient=exc.transient)
    except Exception as exc:  # a defect in a sender must not lose the row: retry it later
        logger.exception("notification %s: sender failed", n.pk)
        return _record_failure(n.pk, f"Lỗi không mong đợi: {exc!r}", transient=True)
    return _record_sent(n.pk, provider_id)


def deliver_due(limit: int = 500) -> dict[str, int]:
    """Send every queued row whose time has come (the retry sweep). Returns counts."""
    now = timezone.now()
    ids = list(
        Notification.objects.filter(status=Notification.Status.QUEUED, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    counts = {"sent": 0, "queued": 0, "failed": 0, "skipped": 0}
    for notification_id in ids:
        result = deliver(notification_id)
        if result is None:
            counts["skipped"] += 1
        else:
            counts[str(result.status)] += 1
    return counts

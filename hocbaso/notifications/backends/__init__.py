"""Senders, one module per kind (`console`, `email`, `sms_http`, `zalo_zns`), chosen per channel
by ``settings.HOCBASO_NOTIFICATION_BACKENDS`` (docs/notifications.md).

A backend is a callable ``send(message: OutgoingMessage) -> str`` returning the provider's
message id ("" when it has none) or raising `DeliveryError`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from hocbaso.notifications.backends.base import DeliveryError, OutgoingMessage

KINDS = ("console", "email", "sms_http", "zalo_zns")

Sender = Callable[[OutgoingMessage], str]

__all__ = ["KINDS", "DeliveryError", "OutgoingMessage", "Sender", "backend_kind", "sender_for"]


def backend_kind(channel: str) -> str:
    configured: dict[str, str] = getattr(settings, "HOCBASO_NOTIFICATION_BACKENDS", {})
    kind = configured.get(channel, "console")
    if kind not in KINDS:
        raise ImproperlyConfigured(
            f"HOCBASO_NOTIFICATION_BACKENDS[{channel!r}] = {kind!r}: not one of {KINDS}"
        )
    return kind


def sender_for(channel: str) -> Sender:
    module = importlib.import_module(f"hocbaso.notifications.backends.{backend_kind(channel)}")
    send: Sender = module.send
    return send

"""The default sender: writes the message to the log (logger ``hocbaso.notifications``) and
delivers nothing. For development and demos; the address is masked."""

from __future__ import annotations

import logging

from hocbaso.notifications.backends.base import OutgoingMessage
from hocbaso.notifications.masking import mask_address

logger = logging.getLogger("hocbaso.notifications")


def send(message: OutgoingMessage) -> str:
    logger.info(
        "[%s → %s %s] %s%s",
        message.topic,
        message.channel,
        mask_address(message.address),
        f"{message.subject}: " if message.subject else "",
        message.text,
    )
    return f"console-{message.notification_id}"

"""What every sender receives and how it reports a failure."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class OutgoingMessage:
    notification_id: int
    topic: str
    channel: str
    address: str
    subject: str
    text: str
    params: dict[str, str] = field(default_factory=dict)


class DeliveryError(Exception):
    """The message was not delivered. ``transient``: worth retrying later (timeouts, HTTP 5xx
    or 429, a connection refused); otherwise retrying would fail the same way."""

    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient

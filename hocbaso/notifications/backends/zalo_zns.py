"""Zalo Notification Service (ZNS) through the Official Account's API.

``POST {url}`` (default ``https://business.openapi.zalo.me/message/template``) with the header
``access_token: <OA access token>`` and ``{"phone": "84…", "template_id", "template_data",
"tracking_id"}``; the answer ``{"error": 0, "data": {"msg_id": …}}`` means sent, any other
``error`` a refusal (``message``). ZNS sends only templates approved by Zalo: the template of
each topic is configured, and its named parameters come from the notification's ``params``.

Settings: ``HOCBASO_ZALO_ZNS`` = {"url", "access_token", "templates": {topic: template_id},
"timeout"} (environment: HOCBASO_ZALO_ZNS_URL, HOCBASO_ZALO_ACCESS_TOKEN[_FILE],
HOCBASO_ZALO_TEMPLATES as JSON). The OA access token expires: refreshing it is outside hocbaso
(docs/notifications.md).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from hocbaso.notifications.backends.base import DeliveryError, OutgoingMessage
from hocbaso.notifications.backends.http_json import post_json

SERVICE = "Zalo ZNS"
# Zalo error codes after which a retry can succeed (-32: rate limit, -124: token expired and
# being refreshed, -1: unknown internal error).
TRANSIENT_ERRORS = {-1, -32, -124}


def _config() -> dict[str, Any]:
    config: dict[str, Any] = getattr(settings, "HOCBASO_ZALO_ZNS", {})
    if not config.get("url") or not config.get("access_token"):
        raise DeliveryError("Chưa cấu hình Zalo ZNS (HOCBASO_ZALO_ZNS).", transient=False)
    return config


def to_international_number(phone: str) -> str:
    """ZNS takes Vietnamese numbers as 84xxxxxxxxx."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if digits.startswith("0"):
        digits = "84" + digits[1:]
    return digits


def send(message: OutgoingMessage) -> str:
    config = _config()
    template_id = config.get("templates", {}).get(message.topic)
    if not template_id:
        raise DeliveryError(
            f"Chưa có mẫu tin Zalo ZNS cho chủ đề «{message.topic}».", transient=False
        )
    body = {
        "phone": to_international_number(message.address),
        "template_id": str(template_id),
        "template_data": dict(message.params) or {"noi_dung": message.text},
        "tracking_id": str(message.notification_id),
    }
    answer = post_json(
        config["url"],
        body,
        service=SERVICE,
        timeout=float(config.get("timeout", 10)),
        headers={"access_token": config["access_token"]},
    )
    if not isinstance(answer, dict):
        raise DeliveryError(f"{SERVICE} trả về dữ liệu không hợp lệ.", transient=True)
    error = answer.get("error")
    if error != 0:
        raise DeliveryError(
            f"{SERVICE} từ chối tin nhắn (mã {error}: {answer.get('message', '')}).",
            transient=error in TRANSIENT_ERRORS,
        )
    data = answer.get("data") or {}
    return str(data.get("msg_id", ""))

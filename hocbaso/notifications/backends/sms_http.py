"""SMS through an HTTP gateway speaking eSMS.vn's V4 JSON contract (a Vietnamese brandname SMS
provider; other gateways get a module of their own next to this one).

``POST {url}`` (default ``https://rest.esms.vn/MainService.svc/json/SendMultipleMessage_V4_post_json/``)
with ``{"ApiKey", "SecretKey", "Phone", "Content", "Brandname", "SmsType": "2", "IsUnicode",
"RequestId"}``; the answer ``{"CodeResult": "100", "SMSID": …}`` means accepted, any other
``CodeResult`` is a refusal (``ErrorMessage``). ``RequestId`` is our notification id, so a
retried request is recognisable on the provider's side.

Settings: ``HOCBASO_SMS_GATEWAY`` = {"url", "api_key", "secret_key", "brandname", "sms_type",
"unicode", "timeout"} (environment: HOCBASO_SMS_URL, HOCBASO_SMS_API_KEY,
HOCBASO_SMS_SECRET_KEY[_FILE], HOCBASO_SMS_BRANDNAME).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from hocbaso.notifications.backends.base import DeliveryError, OutgoingMessage
from hocbaso.notifications.backends.http_json import post_json

SERVICE = "Cổng SMS"
ACCEPTED = "100"
# eSMS codes after which a retry can succeed (99: unknown error, 103: insufficient balance).
TRANSIENT_CODES = {"99", "103"}


def _config() -> dict[str, Any]:
    config: dict[str, Any] = getattr(settings, "HOCBASO_SMS_GATEWAY", {})
    if not config.get("url") or not config.get("api_key"):
        raise DeliveryError("Chưa cấu hình cổng SMS (HOCBASO_SMS_GATEWAY).", transient=False)
    return config


def to_local_number(phone: str) -> str:
    """eSMS takes Vietnamese numbers as 0xxxxxxxxx."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if digits.startswith("84"):
        digits = "0" + digits[2:]
    return digits


def send(message: OutgoingMessage) -> str:
    config = _config()
    body = {
        "ApiKey": config["api_key"],
        "SecretKey": config.get("secret_key", ""),
        "Phone": to_local_number(message.address),
        "Content": message.text,
        "Brandname": config.get("brandname", ""),
        "SmsType": str(config.get("sms_type", "2")),
        "IsUnicode": "1" if config.get("unicode", True) else "0",
        "RequestId": str(message.notification_id),
    }
    answer = post_json(
        config["url"],
        body,
        service=SERVICE,
        timeout=float(config.get("timeout", 10)),
        headers={},
    )
    if not isinstance(answer, dict):
        raise DeliveryError(f"{SERVICE} trả về dữ liệu không hợp lệ.", transient=True)
    code = str(answer.get("CodeResult", ""))
    if code != ACCEPTED:
        detail = answer.get("ErrorMessage") or "không rõ lí do"
        raise DeliveryError(
            f"{SERVICE} từ chối tin nhắn (mã {code or '?'}: {detail}).",
            transient=code in TRANSIENT_CODES,
        )
    return str(answer.get("SMSID", ""))

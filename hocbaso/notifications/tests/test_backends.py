"""The HTTP senders against a local stand-in (no external network): success, HTTP 5xx then a
retry, a timeout, refusals; e-mail through Django's locmem outbox; the retry command."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from hocbaso.audit.models import AuditEvent
from hocbaso.notifications.delivery import deliver
from hocbaso.notifications.models import Notification
from hocbaso.notifications.outbox import enqueue
from hocbaso.notifications.tests.standin import Reply, standin

pytestmark = pytest.mark.django_db

ESMS_OK = {"CodeResult": "100", "CountRegenerate": 0, "SMSID": "sms-42"}
ZNS_OK = {"error": 0, "message": "Success", "data": {"msg_id": "zns-7", "sent_time": "1"}}


def _sms_settings(settings: Any, url: str, timeout: float = 5) -> None:
    settings.HOCBASO_NOTIFICATION_BACKENDS = {"sms": "sms_http", "zalo": "zalo_zns"}
    settings.HOCBASO_SMS_GATEWAY = {
        "url": url,
        "api_key": "KEY",
        "secret_key": "SECRET",
        "brandname": "HOCBASO",
        "timeout": timeout,
    }


def _queued(channel: str = "sms", **extra: Any) -> Notification:
    return enqueue(
        topic="period.released",
        channel=channel,
        address="+84 912 345 678",
        text="Kết quả đã được công bố, xem tại https://hocbaso.example/phu-huynh/",
        **extra,
    )


def test_sms_gateway_success_posts_the_esms_contract(settings: Any) -> None:
    with standin(Reply(200, ESMS_OK)) as gateway:
        _sms_settings(settings, gateway.url)
        row = _queued()
        deliver(row.pk)
    sent = Notification.objects.get(pk=row.pk)
    assert (sent.status, sent.attempts, sent.provider_message_id) == ("sent", 1, "sms-42")
    (request,) = gateway.requests
    assert request.path == "/send"
    assert request.body == {
        "ApiKey": "KEY",
        "SecretKey": "SECRET",
        "Phone": "0912345678",
        "Content": "Kết quả đã được công bố, xem tại https://hocbaso.example/phu-huynh/",
        "Brandname": "HOCBASO",
        "SmsType": "2",
        "IsUnicode": "1",
        "RequestId": str(row.pk),
    }
    assert AuditEvent.objects.get(action="notification.sent").data["channel"] == "sms"


def test_sms_gateway_5xx_is_retried_after_the_backoff(settings: Any) -> None:
    with standin(Reply(503, {"error": "busy"}), Reply(200, ESMS_OK)) as gateway:
        _sms_settings(settings, gateway.url)
        row = _queued()
        # when: the first attempt meets HTTP 503
        deliver(row.pk)
        waiting = Notification.objects.get(pk=row.pk)
        assert (waiting.status, waiting.attempts) == ("queued", 1)
        assert waiting.last_error == "Cổng SMS trả lời HTTP 503."
        # not yet due: the sweep leaves it alone
        out = StringIO()
        call_command("retry_notifications", stdout=out)
        assert "Đã gửi: 0" in out.getvalue()
        assert len(gateway.requests) == 1
        # then: after the back-off, the sweep sends it
        with time_machine.travel(timezone.now() + dt.timedelta(minutes=2)):
            out = StringIO()
            call_command("retry_notifications", stdout=out)
    assert out.getvalue().strip() == ("Đã gửi: 1; chờ thử lại: 0; không thành công: 0; bỏ qua: 0")
    sent = Notification.objects.get(pk=row.pk)
    assert (sent.status, sent.attempts, sent.last_error) == ("sent", 2, "")
    assert len(gateway.requests) == 2
    assert AuditEvent.objects.filter(action="notification.sent").count() == 1


def test_sms_gateway_timeout_is_a_transient_failure(settings: Any) -> None:
    with standin(Reply(200, ESMS_OK, delay=1.0)) as gateway:
        _sms_settings(settings, gateway.url, timeout=0.2)
        row = _queued()
        deliver(row.pk)
    waiting = Notification.objects.get(pk=row.pk)
    assert (waiting.status, waiting.attempts) == ("queued", 1)
    assert waiting.last_error == "Cổng SMS không trả lời trong 0.2 giây."
    assert waiting.next_attempt_at > timezone.now()


def test_sms_gateway_refusal_code_fails_without_retry(settings: Any) -> None:
    refused = {"CodeResult": "101", "ErrorMessage": "Sai ApiKey"}
    with standin(Reply(200, refused)) as gateway:
        _sms_settings(settings, gateway.url)
        row = _queued()
        deliver(row.pk)
        assert deliver(row.pk) is None  # a failed row is never sent again
    failed = Notification.objects.get(pk=row.pk)
    assert (failed.status, failed.attempts) == ("failed", 1)
    assert failed.last_error == "Cổng SMS từ chối tin nhắn (mã 101: Sai ApiKey)."
    event = AuditEvent.objects.get(action="notification.failed")
    assert event.data["address"] == "+84******678"
    assert len(gateway.requests) == 1


def test_the_last_transient_failure_is_final(settings: Any) -> None:
    settings.HOCBASO_NOTIFICATION_MAX_ATTEMPTS = 2
    with standin(Reply(500, {}), Reply(502, {})) as gateway:
        _sms_settings(settings, gateway.url)
        row = _queued()
        deliver(row.pk)
        with time_machine.travel(timezone.now() + dt.timedelta(minutes=2)):
            deliver(row.pk)
    failed = Notification.objects.get(pk=row.pk)
    assert (failed.status, failed.attempts, failed.last_error) == (
        "failed",
        2,
        "Cổng SMS trả lời HTTP 502.",
    )


def test_plain_http_is_refused_except_on_loopback(settings: Any) -> None:
    _sms_settings(settings, "http://sms.example.vn/send")
    row = _queued()
    deliver(row.pk)
    failed = Notification.objects.get(pk=row.pk)
    assert (failed.status, failed.last_error) == (
        "failed",
        "Địa chỉ Cổng SMS phải dùng https (chỉ máy cục bộ được dùng http).",
    )


def test_zalo_zns_success_posts_the_template_message(settings: Any) -> None:
    with standin(Reply(200, ZNS_OK), path="/message/template") as zns:
        _sms_settings(settings, "")
        settings.HOCBASO_ZALO_ZNS = {
            "url": zns.url,
            "access_token": "OA-TOKEN",
            "templates": {"period.released": "245001"},
        }
        row = _queued("zalo", params={"lop": "4A", "ki": "Giữa học kì I"})
        deliver(row.pk)
    sent = Notification.objects.get(pk=row.pk)
    assert (sent.status, sent.provider_message_id) == ("sent", "zns-7")
    (request,) = zns.requests
    assert request.headers["access_token"] == "OA-TOKEN"
    assert request.body == {
        "phone": "84912345678",
        "template_id": "245001",
        "template_data": {"lop": "4A", "ki": "Giữa học kì I"},
        "tracking_id": str(row.pk),
    }


def test_zalo_zns_error_code_and_missing_template(settings: Any) -> None:
    with standin(Reply(200, {"error": -108, "message": "Phone number is invalid"})) as zns:
        _sms_settings(settings, "")
        settings.HOCBASO_ZALO_ZNS = {
            "url": zns.url,
            "access_token": "OA-TOKEN",
            "templates": {"period.released": "245001"},
        }
        refused = _queued("zalo")
        deliver(refused.pk)
        untemplated = enqueue(topic="other", channel="zalo", address="0912345678", text="x")
        deliver(untemplated.pk)
    assert Notification.objects.get(pk=refused.pk).last_error == (
        "Zalo ZNS từ chối tin nhắn (mã -108: Phone number is invalid)."
    )
    assert Notification.objects.get(pk=untemplated.pk).last_error == (
        "Chưa có mẫu tin Zalo ZNS cho chủ đề «other»."
    )
    assert set(Notification.objects.values_list("status", flat=True)) == {"failed"}
    assert len(zns.requests) == 1


def test_email_goes_through_djangos_mail(settings: Any) -> None:
    settings.HOCBASO_NOTIFICATION_BACKENDS = {"email": "email"}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    row = enqueue(
        topic="record.issued",
        channel="email",
        address="cha.me@example.vn",
        subject="Học bạ số đã phát hành",
        text="Học bạ đã được phát hành.",
    )
    deliver(row.pk)
    (message,) = mail.outbox
    assert (message.subject, message.to, message.body) == (
        "Học bạ số đã phát hành",
        ["cha.me@example.vn"],
        "Học bạ đã được phát hành.",
    )
    assert Notification.objects.get(pk=row.pk).status == "sent"


def test_an_unconfigured_gateway_fails_with_a_clear_message(settings: Any) -> None:
    settings.HOCBASO_NOTIFICATION_BACKENDS = {"sms": "sms_http"}
    settings.HOCBASO_SMS_GATEWAY = {"url": "https://sms.example.vn/", "api_key": ""}
    row = _queued()
    deliver(row.pk)
    assert Notification.objects.get(pk=row.pk).last_error == (
        "Chưa cấu hình cổng SMS (HOCBASO_SMS_GATEWAY)."
    )

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.db import transaction

from hocbaso.audit.models import AuditEvent
from hocbaso.notifications.masking import mask_address
from hocbaso.notifications.models import Notification
from hocbaso.notifications.outbox import enqueue

pytestmark = pytest.mark.django_db


def _message(**overrides: Any) -> Notification:
    values: dict[str, Any] = {
        "topic": "test.hello",
        "channel": "sms",
        "address": "0912345678",
        "text": "Xin chào",
    }
    values.update(overrides)
    return enqueue(**values)


def test_enqueue_writes_the_row_and_sends_it_on_commit_through_the_console(
    django_capture_on_commit_callbacks: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # given / when
    with (
        caplog.at_level(logging.INFO, logger="hocbaso.notifications"),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        row = _message(dedupe_key="k1")
        assert Notification.objects.get(pk=row.pk).status == "queued"
    # then
    assert len(callbacks) == 1
    sent = Notification.objects.get(pk=row.pk)
    assert (sent.status, sent.attempts, sent.provider_message_id) == (
        "sent",
        1,
        f"console-{row.pk}",
    )
    assert sent.sent_at is not None
    assert "[test.hello → sms 091****678] Xin chào" in caplog.text
    assert "0912345678" not in caplog.text
    event = AuditEvent.objects.get(action="notification.sent")
    assert event.data["address"] == "091****678"
    assert event.data["topic"] == "test.hello"
    assert "Xin chào" not in str(event.data)


def test_a_repeated_dedupe_key_returns_the_first_row_and_sends_nothing(
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        first = _message(dedupe_key="period:1:user:2")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = _message(dedupe_key="period:1:user:2", text="Khác")
    assert again.pk == first.pk
    assert callbacks == []
    assert Notification.objects.count() == 1
    assert AuditEvent.objects.filter(action="notification.sent").count() == 1


def test_rows_without_a_dedupe_key_are_never_merged(
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        _message()
        _message()
    assert Notification.objects.count() == 2


def test_a_rolled_back_caller_sends_nothing(django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                _message(dedupe_key="rolled-back")
                raise RuntimeError("the action failed")
        except RuntimeError:
            pass
    assert callbacks == []
    assert Notification.objects.count() == 0
    assert AuditEvent.objects.filter(action__startswith="notification.").count() == 0


def test_an_unknown_channel_or_empty_address_is_refused() -> None:
    with pytest.raises(ValueError, match="Unknown notification channel: fax"):
        _message(channel="fax")
    with pytest.raises(ValueError, match="needs an address"):
        _message(address="  ")
    assert Notification.objects.count() == 0


def test_task_delivery_queues_a_task_instead_of_sending(
    django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.HOCBASO_NOTIFICATION_DELIVERY = "task"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        row = _message()
    assert Notification.objects.get(pk=row.pk).status == "sent"


@pytest.mark.parametrize(
    ("_case", "address", "masked"),
    [
        ("phone", "0912345678", "091****678"),
        ("international", "+84912345678", "+84******678"),
        ("email", "an.nguyen@example.vn", "a***@example.vn"),
        ("short", "12345", "*****"),
    ],
)
def test_mask_address(_case: str, address: str, masked: str) -> None:
    assert mask_address(address) == masked

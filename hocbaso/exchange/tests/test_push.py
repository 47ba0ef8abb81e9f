"""Pushes to the stand-in receiver: retries without duplicates, idempotency, supersede,
credentials, the attempt log."""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from hocbaso.audit.actors import SystemActor
from hocbaso.audit.models import AuditEvent
from hocbaso.exchange.models import PushAttempt, PushJob
from hocbaso.exchange.push.actions import queue_pushes, requeue_job
from hocbaso.exchange.push.runner import run_due
from hocbaso.exchange.standin import StandinServer
from hocbaso.exchange.tests.fixtures import TOKEN, issue_page
from hocbaso.people.errors import ActionError
from hocbaso.people.tests.world import World
from hocbaso.records.models import RecordAccess

pytestmark = pytest.mark.django_db
PUSHER = SystemActor("push_records")


def _queue(world: World, target: str = "warehouse") -> list[PushJob]:
    return queue_pushes(target, acting_user=PUSHER, province_id=world.province.pk)


def _run_later(minutes: int = 0) -> None:
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=minutes), tick=True):
        run_due(acting_user=PUSHER, targets=("warehouse",))


def test_a_push_survives_a_server_error_and_a_retry_without_duplicates(
    world: World, standin: StandinServer
) -> None:
    # given an issued page queued for the Kho, and a receiver failing once with HTTP 500
    page = issue_page(world)
    [job] = _queue(world)
    standin.service.faults.fail_next = 1
    # when the run sends it, then a later run retries once the backoff has passed
    run_due(acting_user=PUSHER, targets=("warehouse",))
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("pending", 1)
    assert job.next_attempt_at > timezone.now() + dt.timedelta(seconds=29)
    _run_later(minutes=3)
    # then the receiver holds exactly one copy, and the job is delivered with its receipt
    job.refresh_from_db()
    [item] = standin.service.received()
    assert (job.status, job.attempts, job.receipt_id) == ("delivered", 2, item.receipt)
    assert item.key == job.idempotency_key
    assert item.body["madinhdanhhocba"] == page.record_code
    keys = [key for _path, key, _status in standin.service.requests]
    assert keys == [job.idempotency_key, job.idempotency_key]
    attempts = list(
        PushAttempt.objects.filter(job=job).values_list("number", "http_status", "outcome")
    )
    assert attempts == [(1, 500, "retry"), (2, 201, "delivered")]


def test_a_lost_answer_is_retried_and_the_receiver_keeps_one_copy(
    world: World, standin: StandinServer
) -> None:
    # given a receiver that stores the item, then answers 500 (the answer is lost)
    issue_page(world)
    [job] = _queue(world)
    standin.service.faults.fail_after_store_next = 1
    # when the job is sent, then retried
    run_due(acting_user=PUSHER, targets=("warehouse",))
    _run_later(minutes=3)
    # then the retry is answered "already received" (409) and counts as delivered
    job.refresh_from_db()
    assert len(standin.service.received()) == 1
    assert job.status == "delivered"
    outcomes = list(job.attempt_log.values_list("http_status", "outcome"))
    assert outcomes == [(500, "retry"), (409, "already")]
    assert job.receipt_id == standin.service.received()[0].receipt


def test_a_timeout_then_503_with_retry_after_are_retried(
    world: World, standin: StandinServer, settings: Any
) -> None:
    # given a receiver slower than the client's timeout (1 s), then unavailable for 10 minutes
    issue_page(world)
    [job] = _queue(world)
    standin.service.faults.slow_next = 1
    standin.service.faults.slow_seconds = 2.5
    settings.HOCBASO_EXCHANGE_TIMEOUT = 1
    run_due(acting_user=PUSHER, targets=("warehouse",))
    settings.HOCBASO_EXCHANGE_TIMEOUT = 5
    job.refresh_from_db()
    first = job.attempt_log.get()
    assert (first.http_status, first.outcome) == (None, "retry")
    assert "không trả lời trong 1 giây" in first.error
    # (the receiver finishes the slow request, and stores its item, after the client gave up)
    deadline = time.monotonic() + 10
    while not standin.service.requests and time.monotonic() < deadline:
        time.sleep(0.05)
    assert standin.service.requests[0][2] == 201
    standin.service.faults.unavailable_next = 1
    standin.service.faults.retry_after = 600
    _run_later(minutes=3)
    job.refresh_from_db()
    # then the 503's Retry-After holds the next attempt back at least 10 minutes
    assert job.attempt_log.last().http_status == 503  # type: ignore[union-attr]
    assert job.next_attempt_at >= timezone.now() + dt.timedelta(seconds=590)
    _run_later(minutes=15)
    job.refresh_from_db()
    # the slow request was stored by the receiver after the client gave up: still one copy
    assert job.status == "delivered"
    assert len(standin.service.received()) == 1


def test_a_second_push_of_the_same_version_sends_nothing(
    world: World, standin: StandinServer
) -> None:
    # given a delivered version
    issue_page(world)
    _queue(world)
    run_due(acting_user=PUSHER, targets=("warehouse",))
    requests_before = len(standin.service.requests)
    # when it is queued and run again
    again = _queue(world)
    run_due(acting_user=PUSHER, targets=("warehouse",))
    # then no job is created and nothing is sent
    assert again == []
    assert PushJob.objects.count() == 1
    assert len(standin.service.requests) == requests_before == 1


def test_a_superseding_version_is_a_new_item(world: World, standin: StandinServer) -> None:
    # given version 1 delivered, then version 2 issued (version 1 superseded)
    v1 = issue_page(world)
    _queue(world)
    run_due(acting_user=PUSHER, targets=("warehouse",))
    v1.state = "superseded"
    v1.save(update_fields=["state"])
    v2 = issue_page(world, version=2)
    # when the Sở queues again
    [job2] = _queue(world)
    run_due(acting_user=PUSHER, targets=("warehouse",))
    # then version 2 is a second item naming the version it replaces
    assert job2.page_id == v2.pk
    items = sorted(standin.service.received(), key=lambda r: r.body["phienban"])
    assert [(r.body["phienban"], r.body["thaythephienban"]) for r in items] == [(1, None), (2, 1)]
    assert items[0].key != items[1].key


def test_a_version_superseded_before_delivery_is_cancelled(
    world: World, standin: StandinServer
) -> None:
    v1 = issue_page(world)
    [job] = _queue(world)
    v1.state = "superseded"
    v1.save(update_fields=["state"])
    issue_page(world, version=2)
    run_due(acting_user=PUSHER, targets=("warehouse",))
    job.refresh_from_db()
    assert job.status == "cancelled"
    assert standin.service.requests == []


def test_credentials_are_sent_and_never_logged(
    world: World, standin: StandinServer, caplog: pytest.LogCaptureFixture
) -> None:
    # given a receiver that refuses once and echoes nothing secret
    issue_page(world)
    [job] = _queue(world)
    standin.service.faults.fail_next = 1
    caplog.set_level(logging.DEBUG)
    run_due(acting_user=PUSHER, targets=("warehouse",))
    _run_later(minutes=3)
    # then the token reached the receiver
    [item] = standin.service.received()
    assert item.authorization == f"Bearer {TOKEN}"
    # and it is nowhere in the attempt log, the job, the audit trail or the Python logs
    stored = [a.error for a in PushAttempt.objects.all()] + [job.last_error]
    stored += [str(e.data) for e in AuditEvent.objects.all()]
    assert all(TOKEN not in text for text in stored)
    assert TOKEN not in caplog.text


def test_wrong_credentials_fail_the_job_and_the_sở_can_requeue_it(
    world: World, standin: StandinServer, settings: Any
) -> None:
    issue_page(world)
    [job] = _queue(world)
    settings.HOCBASO_EXCHANGE_WAREHOUSE_TOKEN = "wrong-token-123"
    run_due(acting_user=PUSHER, targets=("warehouse",))
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("failed", 1)
    assert job.last_error.startswith("HTTP 401")
    assert "wrong-token-123" not in job.last_error
    # when the token is fixed and the province officer requeues it
    settings.HOCBASO_EXCHANGE_WAREHOUSE_TOKEN = TOKEN
    requeue_job(job.pk, acting_user=world.user("province_officer"))
    run_due(acting_user=PUSHER, targets=("warehouse",))
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("delivered", 2)
    assert job.idempotency_key == standin.service.received()[0].key


def test_every_attempt_is_logged_and_delivery_writes_the_issuance_log(
    world: World, standin: StandinServer
) -> None:
    page = issue_page(world)
    [job] = _queue(world)
    standin.service.faults.fail_next = 2
    run_due(acting_user=PUSHER, targets=("warehouse",))
    _run_later(minutes=3)
    _run_later(minutes=10)
    job.refresh_from_db()
    assert list(job.attempt_log.values_list("number", "outcome")) == [
        (1, "retry"), (2, "retry"), (3, "delivered"),
    ]  # fmt: skip
    assert all(a.duration_ms >= 0 and a.started_at for a in job.attempt_log.all())
    access = RecordAccess.objects.get(page=page)
    assert (access.kind, access.recipient, access.sha256) == (
        "extract", "Kho học bạ số (Bộ GD&ĐT)", page.sha256,
    )  # fmt: skip
    actions = list(
        AuditEvent.objects.filter(action__startswith="exchange.").values_list("action", flat=True)
    )
    assert actions == ["exchange.push_queued", "exchange.push_delivered"]


def test_retries_stop_after_the_maximum_attempts(
    world: World, standin: StandinServer, settings: Any
) -> None:
    settings.HOCBASO_EXCHANGE_MAX_ATTEMPTS = 2
    issue_page(world)
    [job] = _queue(world)
    standin.service.faults.fail_next = 5
    run_due(acting_user=PUSHER, targets=("warehouse",))
    _run_later(minutes=3)
    _run_later(minutes=10)
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("failed", 2)
    assert len(standin.service.requests) == 2


def test_vneid_carries_the_personal_id_and_completion(world: World, standin: StandinServer) -> None:
    issue_page(world)
    queue_pushes("vneid", acting_user=PUSHER, province_id=world.province.pk)
    run_due(acting_user=PUSHER, targets=("vneid",))
    [item] = standin.service.received("vneid")
    body = item.body
    assert (body["sodinhdanhcanhan"], body["gioitinh"], body["makhoi"]) == ("058216000123", 1, "4")
    assert (body["dahthanhctrinhlophoc"], body["dahthanhctrinhtieuhoc"], body["duoclenlop"]) == (
        1, 0, 1,
    )  # fmt: skip
    assert "tepxml" not in body


def test_only_the_sở_may_queue(world: World) -> None:
    issue_page(world)
    for persona in ("principal", "inspector", "other_principal", "parent_a"):
        with pytest.raises(ActionError):
            queue_pushes(
                "warehouse", acting_user=world.user(persona), province_id=world.province.pk
            )
    assert PushJob.objects.count() == 0
    jobs = queue_pushes(
        "warehouse", acting_user=world.user("province_officer"), province_id=world.province.pk
    )
    assert len(jobs) == 1


def test_an_unconfigured_target_is_skipped_without_burning_attempts(world: World) -> None:
    issue_page(world)
    [job] = _queue(world)
    report = run_due(acting_user=PUSHER, targets=("warehouse",))
    job.refresh_from_db()
    assert job.attempts == 0
    assert report.skipped_targets == {"warehouse": "Chưa cấu hình địa chỉ nơi nhận «warehouse»."}


def test_the_push_records_command_queues_and_sends(world: World, standin: StandinServer) -> None:
    from io import StringIO

    from django.core.management import call_command

    issue_page(world)
    out = StringIO()
    call_command("push_records", "--queue", "--province", "58", stdout=out, stderr=StringIO())
    assert "warehouse: đã đưa 1 trang học bạ vào hàng đợi." in out.getvalue()
    assert "Đã gửi thành công 2, chờ thử lại 0" in out.getvalue()
    assert sorted(r.target for r in standin.service.received()) == ["vneid", "warehouse"]

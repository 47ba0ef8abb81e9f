"""The Kho's acknowledgement moves the delivered version to `submitted` (D10), through the
records action; failures, refusals, VNeID and late deliveries of superseded versions don't."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from hocbaso.audit.actors import SystemActor
from hocbaso.audit.models import AuditEvent
from hocbaso.exchange.models import PushJob
from hocbaso.exchange.push.actions import queue_pushes, record_attempt
from hocbaso.exchange.push.config import retry_policy
from hocbaso.exchange.push.payload import Answer
from hocbaso.exchange.push.runner import run_due
from hocbaso.exchange.standin import StandinServer
from hocbaso.exchange.tests.fixtures import issue_page
from hocbaso.people.tests.world import World

pytestmark = pytest.mark.django_db
PUSHER = SystemActor("push_records")


def _queue(world: World, target: str = "warehouse") -> list[PushJob]:
    return queue_pushes(target, acting_user=PUSHER, province_id=world.province.pk)


def test_the_kho_acknowledgement_moves_the_page_to_submitted(
    world: World, standin: StandinServer
) -> None:
    # given a sealed page queued for the Kho
    page = issue_page(world)
    [job] = _queue(world)
    # when the run delivers it
    run_due(acting_user=PUSHER, targets=("warehouse",))
    # then the page is submitted, with the Kho's receipt and the time of the acknowledgement
    job.refresh_from_db()
    page.refresh_from_db()
    [item] = standin.service.received()
    assert job.status == "delivered"
    assert page.state == "submitted"
    assert page.submission_receipt == job.receipt_id == item.receipt
    assert page.submitted_at == job.delivered_at
    # audited by the records app, and named in the delivery's own event
    event = AuditEvent.objects.get(action="record.submitted", subject_id=str(page.pk))
    assert event.data["new"]["receipt"] == item.receipt
    assert event.data["old"] == {"state": "sealed"}
    delivered = AuditEvent.objects.get(action="exchange.push_delivered")
    assert delivered.data["page_submitted"] == "submitted"
    # a submitted page is still the current issued one: not queued again
    assert _queue(world) == []


def test_an_already_received_answer_counts_as_the_acknowledgement(
    world: World, standin: StandinServer
) -> None:
    page = issue_page(world)
    _queue(world)
    standin.service.faults.fail_after_store_next = 1  # stored, answer lost: the retry gets 409
    run_due(acting_user=PUSHER, targets=("warehouse",))
    page.refresh_from_db()
    assert page.state == "sealed"  # a lost answer is no acknowledgement
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=3), tick=True):
        run_due(acting_user=PUSHER, targets=("warehouse",))
    page.refresh_from_db()
    assert page.state == "submitted"
    assert page.submission_receipt == standin.service.received()[0].receipt


def test_a_failed_delivery_leaves_the_page_sealed(
    world: World, standin: StandinServer, settings: Any
) -> None:
    # given a receiver refusing the credentials (401: the job fails at once)
    page = issue_page(world)
    [job] = _queue(world)
    settings.HOCBASO_EXCHANGE_WAREHOUSE_TOKEN = "wrong-token-123"
    run_due(acting_user=PUSHER, targets=("warehouse",))
    job.refresh_from_db()
    page.refresh_from_db()
    assert job.status == "failed"
    assert job.last_error.startswith("HTTP 401")  # visible as before
    assert (page.state, page.submission_receipt, page.submitted_at) == ("sealed", "", None)
    assert not AuditEvent.objects.filter(action="record.submitted").exists()


def test_a_transient_failure_leaves_the_page_sealed(world: World, standin: StandinServer) -> None:
    page = issue_page(world)
    _queue(world)
    standin.service.faults.fail_next = 1
    run_due(acting_user=PUSHER, targets=("warehouse",))
    page.refresh_from_db()
    assert page.state == "sealed"


def test_a_vneid_delivery_does_not_submit_the_page(world: World, standin: StandinServer) -> None:
    page = issue_page(world)
    [job] = _queue(world, "vneid")
    run_due(acting_user=PUSHER, targets=("vneid",))
    job.refresh_from_db()
    page.refresh_from_db()
    assert job.status == "delivered"
    assert page.state == "sealed"


def test_a_late_acknowledgement_of_a_superseded_version_marks_nothing(world: World) -> None:
    # given version 1 sent to the Kho, then superseded by a sealed version 2 before the
    # answer was recorded
    v1 = issue_page(world)
    [job] = _queue(world)
    v1.state = "superseded"
    v1.save(update_fields=["state"])
    v2 = issue_page(world, version=2)
    # when the Kho's acknowledgement of version 1 is recorded
    record_attempt(
        job.pk, started_at=timezone.now(), answer=Answer.DELIVERED, http_status=201,
        receipt_id="KHO-1", error="", duration_ms=5, next_delay=0, policy=retry_policy(),
        acting_user=PUSHER,
    )  # fmt: skip
    # then the job is delivered, but neither version is marked submitted
    job.refresh_from_db()
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert job.status == "delivered"
    assert (v1.state, v1.submission_receipt) == ("superseded", "")
    assert (v2.state, v2.submission_receipt) == ("sealed", "")
    delivered = AuditEvent.objects.get(action="exchange.push_delivered")
    assert delivered.data["page_submitted"] == "not_current"


def test_the_new_version_after_a_correction_must_be_resubmitted(
    world: World, standin: StandinServer
) -> None:
    # given version 1 submitted, then a correction sealed as version 2 (v1 superseded)
    v1 = issue_page(world)
    _queue(world)
    run_due(acting_user=PUSHER, targets=("warehouse",))
    v1.refresh_from_db()
    assert v1.state == "submitted"
    v1.state = "superseded"
    v1.save(update_fields=["state"])
    v2 = issue_page(world, version=2)
    # then version 2 waits for its own delivery
    assert v2.state == "sealed"
    [job2] = _queue(world)
    assert job2.page_id == v2.pk
    with_time = timezone.now() + dt.timedelta(seconds=1)
    run_due(acting_user=PUSHER, targets=("warehouse",))
    v2.refresh_from_db()
    v1.refresh_from_db()
    assert v2.state == "submitted"
    assert v2.submitted_at is not None
    assert v2.submitted_at <= with_time
    assert v2.submission_receipt != v1.submission_receipt
    assert v1.state == "superseded"

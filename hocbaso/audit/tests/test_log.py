"""The audit log: append-only through the ORM, written only inside a transaction, only for
registered actions, one hash chain per school, and traceable to its request (style.md habit 6)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from hocbaso.audit.actors import SEED
from hocbaso.audit.chain import GENESIS_HASH, event_hash
from hocbaso.audit.context import request_context
from hocbaso.audit.log import EventSpec, log, log_many
from hocbaso.audit.models import AppendOnlyError, AuditChainHead, AuditEvent

pytestmark = pytest.mark.django_db

SCHOOL_A = 101
SCHOOL_B = 202


def _event(school_id: int | None = SCHOOL_A, label: str = "Trường Tiểu học A") -> AuditEvent:
    return log(
        "org.school_renamed",
        actor=SEED,
        school_id=school_id,
        subject_type="org.school",
        subject_id=str(school_id),
        subject_label=label,
        data={"old": {"name": "cũ"}, "new": {"name": label}},
    )


def _stored(event: AuditEvent) -> tuple[object, ...]:
    return AuditEvent.objects.filter(pk=event.pk).values_list("action", "data", "hash").get()


# -- append-only ---------------------------------------------------------------------------------


def test_saving_an_existing_event_is_refused() -> None:
    # given
    event = AuditEvent.objects.get(pk=_event().pk)
    before = _stored(event)
    event.action = "account.login"
    # when / then
    with pytest.raises(AppendOnlyError, match="append-only"):
        event.save()
    with pytest.raises(AppendOnlyError, match="append-only"):
        event.save(update_fields=["action"])
    assert _stored(event) == before


def test_a_new_instance_cannot_overwrite_an_event_by_reusing_its_pk() -> None:
    # given an event, and a forged copy carrying its primary key
    event = AuditEvent.objects.get(pk=_event().pk)
    before = _stored(event)
    forged = AuditEvent.objects.get(pk=event.pk)
    forged._state.adding = True  # as if built with AuditEvent(pk=event.pk, ...)
    forged.data = {"new": {"name": "đã sửa"}}
    # when / then: an insert is attempted and fails; no UPDATE is ever issued
    with pytest.raises(IntegrityError), transaction.atomic():
        forged.save()
    assert _stored(event) == before


def test_deleting_an_event_is_refused() -> None:
    # given
    event = _event()
    # when / then
    with pytest.raises(AppendOnlyError, match="append-only"):
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk).count() == 1


def test_queryset_update_and_delete_are_refused() -> None:
    # given
    first, second = _event(), _event(label="Trường B")
    before = [_stored(first), _stored(second)]
    # when / then
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=first.pk).update(action="account.login")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.update(data={})
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(chain=f"school:{SCHOOL_A}").delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError), transaction.atomic():
        # bulk_update fails inside its own atomic block: a savepoint keeps the test's usable
        AuditEvent.objects.bulk_update([first], ["action"])
    assert [_stored(first), _stored(second)] == before


def test_bulk_create_cannot_upsert_over_an_event() -> None:
    # given
    event = AuditEvent.objects.get(pk=_event().pk)
    before = _stored(event)
    event.action = "account.login"
    # when / then
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.bulk_create(
            [event], update_conflicts=True, unique_fields=["id"], update_fields=["action"]
        )
    assert _stored(event) == before


# -- when and what may be logged -----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_log_outside_a_transaction_is_refused() -> None:
    # given no transaction is open
    assert not transaction.get_connection().in_atomic_block
    # when / then
    with pytest.raises(RuntimeError, match="inside the action's transaction"):
        _event()
    assert AuditEvent.objects.count() == 0


def test_unregistered_action_is_refused() -> None:
    # when / then
    with pytest.raises(ValueError, match=r"^Unregistered audit action: student\.teleported$"):
        log("student.teleported", actor=SEED, school_id=SCHOOL_A)
    assert AuditEvent.objects.count() == 0


def test_one_unregistered_action_refuses_the_whole_batch() -> None:
    # when / then
    with pytest.raises(ValueError, match="Unregistered audit action: export.everything"):
        log_many(
            [EventSpec("export.students", school_id=SCHOOL_A), EventSpec("export.everything")],
            actor=SEED,
        )
    assert AuditEvent.objects.count() == 0
    assert AuditChainHead.objects.count() == 0


# -- one chain per school ------------------------------------------------------------------------


def _fields(event: AuditEvent) -> dict[str, object]:
    """The hashed body of a stored event, rebuilt from its columns."""
    return {
        "chain": event.chain,
        "seq": event.seq,
        "action": event.action,
        "created_at": event.created_at.isoformat(),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "subject_type": event.subject_type,
        "subject_id": event.subject_id,
        "subject_label": event.subject_label,
        "data": event.data,
        "request_id": event.request_id,
        "ip": event.ip,
        "origin": event.origin,
        "bien_ban_id": event.bien_ban_id,
    }


def test_each_school_has_its_own_linked_chain() -> None:
    # given events of two schools and of the province, interleaved, one batch among them
    _event(SCHOOL_A)
    _event(SCHOOL_B)
    _event(SCHOOL_A)
    log_many(
        [
            EventSpec("export.students", school_id=SCHOOL_B, subject_type="org.school"),
            EventSpec("export.staff", school_id=SCHOOL_A, subject_type="org.school"),
            EventSpec("export.students", school_id=SCHOOL_B, subject_type="org.school"),
        ],
        actor=SEED,
    )
    _event(None)
    # when the chains are read back
    chains = {
        name: list(AuditEvent.objects.filter(chain=name).order_by("seq"))
        for name in AuditEvent.objects.values_list("chain", flat=True).distinct()
    }
    # then each chain counts from 1 without gaps, links each event to the one before, and each
    # hash is the hash of the stored event
    assert {name: [e.seq for e in events] for name, events in chains.items()} == {
        f"school:{SCHOOL_A}": [1, 2, 3],
        f"school:{SCHOOL_B}": [1, 2, 3],
        "system": [1],
    }
    for events in chains.values():
        assert [e.prev_hash for e in events] == [GENESIS_HASH] + [e.hash for e in events[:-1]]
        assert [e.hash for e in events] == [event_hash(e.prev_hash, _fields(e)) for e in events]
    # and each chain's head is its last event
    heads = {h.chain: (h.seq, h.hash) for h in AuditChainHead.objects.all()}
    assert heads == {name: (events[-1].seq, events[-1].hash) for name, events in chains.items()}
    assert [e.action for e in chains[f"school:{SCHOOL_B}"]] == [
        "org.school_renamed",
        "export.students",
        "export.students",
    ]


# -- traceability --------------------------------------------------------------------------------


def test_event_records_the_request_context() -> None:
    # given a command's context
    with request_context("command", ip="10.1.2.3", request_id="lenh-nhap-2026-001"):
        # when
        event = _event()
    # then
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.request_id, stored.ip, stored.origin) == (
        "lenh-nhap-2026-001",
        "10.1.2.3",
        "command",
    )
    assert (stored.actor_id, stored.actor_label) == (None, "hệ thống")


def test_web_request_id_header_names_the_events_it_wrote() -> None:
    # given two failed logins from one address
    client = Client(REMOTE_ADDR="203.0.113.7")
    # when
    first = client.post("/dang-nhap/", {"username": "khong_co_ai", "password": "x-1"})
    second = client.post("/dang-nhap/", {"username": "khong_co_ai", "password": "x-2"})
    # then each response's X-Request-ID is the request_id of the event that request wrote
    events = list(AuditEvent.objects.filter(action="account.login_failed").order_by("seq"))
    assert [e.request_id for e in events] == [first["X-Request-ID"], second["X-Request-ID"]]
    assert first["X-Request-ID"] != second["X-Request-ID"]
    assert [(e.ip, e.origin) for e in events] == [("203.0.113.7", "web"), ("203.0.113.7", "web")]

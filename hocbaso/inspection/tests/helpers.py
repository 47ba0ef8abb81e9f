from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import time_machine
from django.db import transaction
from django.test import Client

from hocbaso.audit.log import EventSpec, log_many
from hocbaso.audit.models import AuditEvent
from hocbaso.people.models import User

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def client_for(persona: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=persona))
    return client


def write_events(
    school_id: int | None,
    count: int = 1,
    *,
    action: str = "student.profile_updated",
    actor: Any = None,
    at: dt.datetime | None = None,
    **fields: Any,
) -> list[AuditEvent]:
    """`count` events in the school's chain (written through the audit log, hash-chained)."""
    specs = [EventSpec(action=action, school_id=school_id, **fields) for _ in range(count)]
    if at is None:
        with transaction.atomic():
            return log_many(specs, actor=actor)
    with time_machine.travel(at, tick=False), transaction.atomic():
        return log_many(specs, actor=actor)


def vn(day: int, month: int = 12, year: int = 2026, hour: int = 9) -> dt.datetime:
    return dt.datetime(year, month, day, hour, 0, tzinfo=VN)

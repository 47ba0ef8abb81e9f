"""Khóa sổ (issue 4): which decision applies, the deadline, who decides, and refused saves."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from hocbaso.assessment.actions.locks import (
    LOCAL_TZ,
    LockScope,
    SheetLocked,
    lock_entry,
    lock_state,
    resolve,
    unlock_entry,
)
from hocbaso.assessment.actions.save_sheet import CellInput, SaveOutcome, save_sheet
from hocbaso.assessment.models import Entry, EntryLock, Sheet, SheetSave
from hocbaso.audit.actors import SEED
from hocbaso.audit.models import AuditEvent
from hocbaso.org.models import Period
from hocbaso.people.errors import ActionError
from hocbaso.people.tests.world import World

pytestmark = pytest.mark.django_db

# Before the CHKI deadline of the world's year (20/01/2027), after GHKI's (10/11/2026).
TODAY = dt.datetime(2026, 12, 1, 9, 0, tzinfo=LOCAL_TZ)


@pytest.fixture(autouse=True)
def _december() -> Iterator[None]:
    with time_machine.travel(TODAY, tick=True):
        yield


def _period(world: World, code: str = "CHKI") -> Period:
    return Period.objects.get(school_year=world.year, code=code)


def _save(
    world: World, persona: str = "homeroom_4a", idem: str = "k1", level: str = "T"
) -> SaveOutcome:
    return save_sheet(
        world.class_4a.pk, "CHKI", "toan", [CellInput(world.pupil_a.pk, "toan", level, 9)],
        base_version=Sheet.objects.filter(class_group=world.class_4a, key="toan")
        .values_list("version", flat=True).first() or 0,
        idempotency_key=idem, acting_user=world.user(persona),
    )  # fmt: skip


def _scope(world: World, **kw: object) -> LockScope:
    return LockScope(school_id=world.school.pk, period_code="CHKI", **kw)  # type: ignore[arg-type]


# -- precedence (pure) ---------------------------------------------------------------------------

SCOPES: dict[str, dict[str, str | int]] = {
    "school": {},
    "grade4": {"grade": 4},
    "grade5": {"grade": 5},
    "class4a": {"class": "4a"},
    "class5b": {"class": "5b"},
    "sheet": {"class": "4a", "key": "toan"},
    "other_sheet": {"class": "4a", "key": "tieng_viet"},
}


@pytest.mark.parametrize(
    ("decisions", "locked", "source"),
    [
        ([], False, "open"),
        ([("school", True, 1)], True, "school"),
        ([("grade4", True, 1)], True, "grade"),
        ([("grade5", True, 1)], False, "open"),  # another grade
        ([("class5b", True, 1)], False, "open"),  # another class
        ([("other_sheet", True, 1)], False, "open"),  # another sheet of the class
        ([("class4a", True, 1)], True, "class"),
        ([("sheet", True, 1)], True, "sheet"),
        # a specific reopening after a broader lock reopens that sheet only
        ([("school", True, 1), ("sheet", False, 2)], False, "sheet"),
        ([("school", True, 1), ("class4a", False, 2)], False, "class"),
        ([("school", True, 1), ("grade4", False, 2), ("sheet", True, 3)], True, "sheet"),
        # a broader decision taken later supersedes the earlier specific ones
        ([("sheet", False, 1), ("school", True, 2)], True, "school"),
        ([("sheet", True, 1), ("school", False, 2)], False, "school"),
        ([("class4a", False, 1), ("grade4", True, 2)], True, "grade"),
        # within one scope, the latest row
        ([("school", True, 1), ("school", False, 2)], False, "school"),
        ([("school", False, 1), ("school", True, 2)], True, "school"),
        # same moment: the more specific scope wins
        ([("school", True, 1), ("sheet", False, 1)], False, "sheet"),
        ([("class4a", False, 1), ("grade4", True, 1)], False, "class"),
    ],
)
def test_the_latest_covering_decision_wins(
    world: World, decisions: list[tuple[str, bool, int]], locked: bool, source: str
) -> None:
    period = _period(world)
    classes = {"4a": world.class_4a, "5b": world.class_5b}
    rows = []
    for n, (name, is_locked, minute) in enumerate(decisions, start=1):
        spec = SCOPES[name]
        rows.append(
            EntryLock(
                pk=n,
                school=world.school,
                period=period,
                grade=int(spec["grade"]) if "grade" in spec else None,
                class_group=classes[str(spec["class"])] if "class" in spec else None,
                key=str(spec.get("key", "")),
                locked=is_locked,
                created_at=TODAY + dt.timedelta(minutes=minute),
            )
        )
    state = resolve(rows, world.class_4a, period, "toan", now=TODAY + dt.timedelta(hours=1))
    assert (state.locked, state.source) == (locked, source)


# -- the deadline --------------------------------------------------------------------------------


def test_a_period_locks_itself_when_its_deadline_day_ends_in_vietnam(world: World) -> None:
    period = _period(world)  # deadline 20/01/2027
    target = (world.class_4a, period, "toan")
    last_minute = dt.datetime(2027, 1, 20, 23, 59, tzinfo=LOCAL_TZ)
    with time_machine.travel(last_minute, tick=False):
        assert lock_state(target).locked is False
    # 17:00 UTC on the 20th is already the 21st in Vietnam
    with time_machine.travel(dt.datetime(2027, 1, 20, 17, 0, tzinfo=dt.UTC), tick=False):
        state = lock_state(target)
        assert (state.locked, state.source) == (True, "deadline")
        assert state.since == dt.datetime(2027, 1, 21, tzinfo=LOCAL_TZ)
        with pytest.raises(SheetLocked, match="hết hạn nhập 20/01/2027"):
            _save(world)
    assert not Entry.objects.exists()


def test_an_unlock_before_the_deadline_does_not_outlive_it(world: World) -> None:
    unlock_entry(
        _scope(world),
        reason="Bổ sung điểm",
        acting_user=world.user("principal"),
        reauthenticated_at=timezone.now(),
    )
    with time_machine.travel(dt.datetime(2027, 1, 22, 8, 0, tzinfo=LOCAL_TZ), tick=False):
        assert lock_state((world.class_4a, _period(world), "toan")).source == "deadline"


def test_the_principal_may_reopen_a_sheet_after_the_deadline(world: World) -> None:
    with time_machine.travel(dt.datetime(2027, 1, 22, 8, 0, tzinfo=LOCAL_TZ), tick=True):
        scope = _scope(world, class_id=world.class_4a.pk, key="toan")
        unlock_entry(
            scope,
            reason="Biên bản số 3: sửa điểm Toán",
            acting_user=world.user("principal"),
            reauthenticated_at=timezone.now(),
        )
        state = lock_state((world.class_4a, _period(world), "toan"))
        assert (state.locked, state.source) == (False, "sheet")
        _save(world)  # accepted
        # the rest of the school stays locked
        assert lock_state((world.class_4a, _period(world), "tieng_viet")).locked is True
    assert Entry.objects.count() == 1


# -- who decides ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona",
    ["vice_principal", "school_admin", "homeroom_4a", "group_head", "other_principal", "sysadmin"],
)
def test_only_the_principal_of_the_school_locks_or_unlocks(world: World, persona: str) -> None:
    events = AuditEvent.objects.count()
    with pytest.raises(ActionError, match="Chỉ Hiệu trưởng"):
        lock_entry(_scope(world), acting_user=world.user(persona))
    with pytest.raises(ActionError, match="Chỉ Hiệu trưởng"):
        unlock_entry(
            _scope(world),
            reason="Sửa",
            acting_user=world.user(persona),
            reauthenticated_at=timezone.now(),
        )
    assert not EntryLock.objects.exists()
    assert AuditEvent.objects.count() == events


def test_unlocking_needs_a_reason(world: World) -> None:
    lock_entry(_scope(world), acting_user=world.user("principal"))
    with pytest.raises(ActionError, match="lí do"):
        unlock_entry(
            _scope(world),
            reason="   ",
            acting_user=world.user("principal"),
            reauthenticated_at=timezone.now(),
        )
    assert EntryLock.objects.count() == 1


def test_each_decision_is_a_new_row_with_its_audit_event(world: World) -> None:
    principal = world.user("principal")
    lock_entry(_scope(world, grade=4), reason="Hết kì", acting_user=principal)
    unlock_entry(
        _scope(world, class_id=world.class_4a.pk),
        reason="Sửa",
        acting_user=principal,
        reauthenticated_at=timezone.now(),
    )
    assert list(EntryLock.objects.order_by("pk").values_list("locked", "grade", "reason")) == [
        (True, 4, "Hết kì"),
        (False, None, "Sửa"),
    ]
    events = list(
        AuditEvent.objects.filter(action__startswith="assessment.entry_")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert events == ["assessment.entry_locked", "assessment.entry_unlocked"]
    # the grade lock created and locked every sheet row of grade 4 (for the race with saves)
    assert Sheet.objects.filter(class_group=world.class_4a, period=_period(world)).count() > 1
    assert not Sheet.objects.filter(class_group=world.class_5b).exists()


# -- refused saves -------------------------------------------------------------------------------


def test_save_then_lock_then_the_save_is_refused_for_everyone(world: World) -> None:
    _save(world, idem="before")
    lock_entry(_scope(world, class_id=world.class_4a.pk), acting_user=world.user("principal"))
    counts = (Entry.objects.count(), SheetSave.objects.count(), AuditEvent.objects.count())
    with pytest.raises(SheetLocked, match=r"Sổ đã khóa từ .*khóa lớp 4A.*biên bản.*Hiệu trưởng"):
        _save(world, idem="after", level="H")
    assert (Entry.objects.count(), SheetSave.objects.count(), AuditEvent.objects.count()) == counts
    # the seed is a system actor back-filling past periods: not a person entering marks
    save_sheet(
        world.class_4a.pk, "CHKI", "toan", [CellInput(world.pupil_a.pk, "toan", "H", 6)],
        base_version=1, idempotency_key="seed", acting_user=SEED, source="seed",
    )  # fmt: skip
    # reopened with a reason, the teacher saves again
    unlock_entry(
        _scope(world, class_id=world.class_4a.pk),
        reason="Sửa sai",
        acting_user=world.user("principal"),
        reauthenticated_at=timezone.now(),
    )
    assert _save(world, idem="reopened", level="C").changed == 1


def test_the_json_save_answers_423_with_the_message(world: World) -> None:
    lock_entry(_scope(world), acting_user=world.user("principal"))
    client = Client()
    client.force_login(world.user("homeroom_4a"))
    body = {
        "version": 0,
        "idempotency_key": "x1",
        "cells": [{"student": world.pupil_a.pk, "code": "toan", "level": "T", "score": 9}],
    }
    response = client.post(
        f"/lop/{world.class_4a.pk}/so-diem/CHKI/toan/luu/",
        json.dumps(body),
        content_type="application/json",
    )
    assert response.status_code == 423
    assert "Sổ đã khóa" in response.json()["errors"][0]
    assert not Entry.objects.exists()


@pytest.mark.parametrize("persona", ["homeroom_4a", "principal"])
def test_a_locked_grid_is_read_only_with_a_banner(world: World, persona: str) -> None:
    client = Client()
    client.force_login(world.user(persona))
    url = f"/lop/{world.class_4a.pk}/so-diem/CHKI/toan/"
    assert "Đã khóa sổ" not in client.get(url).content.decode()
    lock_entry(
        _scope(world, class_id=world.class_4a.pk, key="toan"), acting_user=world.user("principal")
    )
    page = client.get(url).content.decode()
    assert 'data-testid="locked"' in page
    assert "Đã khóa sổ" in page
    assert "<input data-field" not in page
    assert '"canWrite": false' in page


# -- the principal's screen ----------------------------------------------------------------------


def test_the_lock_board_lists_sheets_and_the_principal_locks_a_class(world: World) -> None:
    client = Client()
    client.force_login(world.user("principal"))
    url = f"/truong/{world.school.pk}/khoa-so/CHKI/"
    page = client.get(url).content.decode()
    assert 'data-testid="lock-board"' in page
    assert 'data-locked="1"' not in page
    response = client.post(url + "quyet-dinh/", {"action": "lock", "class_id": world.class_4a.pk})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert f'data-class="{world.class_4a.pk}" data-key="toan" data-locked="1"' in page
    assert f'data-class="{world.class_5b.pk}" data-key="tin_hoc" data-locked="0"' in page
    # reopening without a reason is refused with a message
    client.post(url + "quyet-dinh/", {"action": "unlock", "class_id": world.class_4a.pk})
    assert EntryLock.objects.count() == 1


def test_the_vice_principal_reads_the_board_without_forms(world: World) -> None:
    client = Client()
    client.force_login(world.user("vice_principal"))
    page = client.get(f"/truong/{world.school.pk}/khoa-so/CHKI/").content.decode()
    assert 'data-testid="lock-board"' in page
    assert "quyet-dinh" not in page


def test_reopening_needs_the_password_re_entered_within_five_minutes(world: World) -> None:
    from hocbaso.audit.models import AuditEvent
    from hocbaso.people.actions.accounts import ReauthenticationRequired
    from hocbaso.people.testing import enrol_second_factor, next_code
    from hocbaso.people.tests.world import PASSWORD

    principal = world.user("principal")
    lock_entry(_scope(world), acting_user=principal)
    # the action refuses a missing or stale re-entry, and writes nothing
    for stale in (None, timezone.now() - dt.timedelta(minutes=6)):
        with pytest.raises(ReauthenticationRequired):
            unlock_entry(
                _scope(world), reason="Bổ sung", acting_user=principal, reauthenticated_at=stale
            )
    assert EntryLock.objects.count() == 1
    # through the screen: sent to re-enter the password, then the same click reopens
    client = Client()
    client.force_login(principal)
    url = f"/truong/{world.school.pk}/khoa-so/CHKI/"
    decide = {"action": "unlock", "reason": "Bổ sung điểm"}
    response = client.post(url + "quyet-dinh/", decide)
    assert response.status_code == 302
    assert response["Location"].startswith("/xac-thuc-lai/?next=")
    assert EntryLock.objects.count() == 1
    # an enrolled principal's right password with a wrong code reopens nothing
    enrol_second_factor(principal)
    code = next_code(principal)
    wrong = "000000" if code != "000000" else "111111"
    client.post("/xac-thuc-lai/", {"password": PASSWORD, "code": wrong, "next": url})
    client.post(url + "quyet-dinh/", decide)
    assert EntryLock.objects.count() == 1
    failed = AuditEvent.objects.get(action="account.reauth_failed")
    assert failed.data["new"] == {"factor": "totp"}
    client.post("/xac-thuc-lai/", {"password": PASSWORD, "code": code, "next": url})
    client.post(url + "quyet-dinh/", decide)
    assert EntryLock.objects.count() == 2
    assert not EntryLock.objects.latest("created_at").locked
    # five minutes later the re-entry no longer counts
    lock_entry(_scope(world), acting_user=principal)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=6)):
        response = client.post(url + "quyet-dinh/", decide)
    assert response["Location"].startswith("/xac-thuc-lai/")
    assert EntryLock.objects.count() == 3


def test_the_board_s_messages_follow_the_chosen_language(world: World) -> None:
    client = Client()
    client.force_login(world.user("principal"))
    url = f"/truong/{world.school.pk}/khoa-so/CHKI/"
    client.post("/i18n/setlang/", {"language": "en", "next": url})
    page = client.post(
        url + "quyet-dinh/", {"action": "lock", "class_id": world.class_4a.pk}, follow=True
    ).content.decode()
    assert "Entry locked." in page
    assert "Đã khóa sổ." not in page
    page = client.post(url + "quyet-dinh/", {"action": "bogus"}, follow=True).content.decode()
    assert "Invalid lock/unlock request; nothing was changed." in page

"""Audit completeness (security.md B1) over a mixed sequence of writes: grid saves, a workbook
import, locks and unlocks, review flags, corrections filed, approved, rejected and withdrawn, a
profile edit. Every committed mutation has its event (and only it); every event has an actor, a
UTC time, the request id and IP of its context, and the biên bản when it is a correction; a
refused action leaves neither rows nor events.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from typing import Any

import openpyxl
import pytest
from django.utils import timezone

from hocbaso.assessment.actions.corrections import (
    Upload,
    approve_correction,
    file_correction,
    reject_correction,
    sign_bien_ban,
    withdraw_correction,
)
from hocbaso.assessment.actions.import_sheet import export_sheet, import_sheet
from hocbaso.assessment.actions.locks import LockScope, lock_entry, unlock_entry
from hocbaso.assessment.actions.review import answer_flag, raise_flag, reopen_flag, resolve_flag
from hocbaso.assessment.actions.save_sheet import CellInput, save_sheet
from hocbaso.assessment.models import (
    QC_SHEET,
    BienBan,
    CorrectionCell,
    CorrectionRequest,
    Entry,
    EntryLock,
    FlagMessage,
    ReviewFlag,
    Sheet,
    SheetSave,
)
from hocbaso.assessment.sheets import sheet_columns
from hocbaso.audit.actors import SEED
from hocbaso.audit.context import request_context
from hocbaso.audit.models import AuditEvent
from hocbaso.audit.verify import verify
from hocbaso.people.actions.students import create_student, update_student_profile
from hocbaso.people.errors import ActionError
from hocbaso.people.tests.world import World, pupil_values, sample_photo
from hocbaso.signing.demo_store import DemoAuthority
from hocbaso.signing.testing import give_certificate

pytestmark = pytest.mark.django_db

PERIOD = "CHKI"
PIN = "123456"
REQUEST_ID = "b1-audit-completeness"
IP = "203.0.113.7"
VALUE_EVENTS = ("assessment.sheet_saved", "correction.approved")
FLAG_EVENTS: dict[str, str] = {
    FlagMessage.Kind.RAISED: "review.flag_raised",
    FlagMessage.Kind.ANSWER: "review.flag_answered",
    FlagMessage.Kind.RESOLVED: "review.flag_resolved",
    FlagMessage.Kind.REOPENED: "review.flag_reopened",
}
DECISION_EVENTS: dict[str, str] = {
    CorrectionRequest.Status.APPROVED: "correction.approved",
    CorrectionRequest.Status.REJECTED: "correction.rejected",
    CorrectionRequest.Status.WITHDRAWN: "correction.withdrawn",
}


class Run:
    """The world and helpers for one sequence of writes."""

    def __init__(self, world: World, authority: DemoAuthority) -> None:
        self.world = world
        for persona in ("homeroom_4a", "principal"):
            give_certificate(authority, world.user(persona), now=timezone.now())
        self.teacher = world.user("homeroom_4a")
        self.principal = world.user("principal")
        self.binh = create_student(
            pupil_values("Nguyễn Văn Bình"), world.class_4a.pk, enrolled_on=dt.date(2026, 9, 5),
            acting_user=SEED,
        ).pk  # fmt: skip
        self.saves = 0

    def version(self, key: str) -> int:
        return (
            Sheet.objects.filter(class_group=self.world.class_4a, period__code=PERIOD, key=key)
            .values_list("version", flat=True)
            .first()
        ) or 0

    def save(self, key: str, cells: list[CellInput]) -> None:
        self.saves += 1
        save_sheet(
            self.world.class_4a.pk, PERIOD, key, cells, base_version=self.version(key),
            idempotency_key=f"b1-{self.saves}", acting_user=self.teacher,
        )  # fmt: skip

    def scope(self, **kw: Any) -> LockScope:
        return LockScope(school_id=self.world.school.pk, period_code=PERIOD, **kw)

    def file(self, cells: list[CellInput], upload: Upload | None = None,
             pin: str = PIN) -> CorrectionRequest:  # fmt: skip
        return file_correction(
            self.world.class_4a.pk, PERIOD, "toan", cells, reason="Nhập nhầm",
            acting_user=self.teacher, upload=upload, pin="" if upload else pin,
        )  # fmt: skip

    def import_score(self, cell: str, value: object) -> None:
        export = export_sheet(self.world.class_4a.pk, PERIOD, "toan", acting_user=self.teacher)
        workbook = openpyxl.load_workbook(io.BytesIO(export.content))
        workbook.worksheets[0][cell] = value
        out = io.BytesIO()
        workbook.save(out)
        report = import_sheet(
            self.world.class_4a.pk, PERIOD, "toan", out.getvalue(), "so.xlsx",
            acting_user=self.teacher, dry_run=False,
        )  # fmt: skip
        assert report.errors == []
        assert report.applied is True


def _mixed_sequence(run: Run) -> None:
    w, teacher, principal = run.world, run.teacher, run.principal
    a, b = w.pupil_a.pk, run.binh
    qc = sheet_columns(QC_SHEET, 4, PERIOD)[0].code
    # grid saves: new cells, then a change (void and replace), then the QC sheet
    run.save("toan", [CellInput(a, "toan", "H", 6, "Khá"), CellInput(b, "toan", "T", 9)])
    run.save("toan", [CellInput(a, "toan", "T", 8, "Tiến bộ"), CellInput(b, "toan", "T", 9)])
    run.save(QC_SHEET, [CellInput(a, qc, "Đ"), CellInput(b, qc, "T")])
    # a workbook import changing Bình's score (row 5, column E)
    run.import_score("E5", 10)
    # review: raise, answer, resolve, reopen, resolve; a second flag left open and overridden
    flag = raise_flag(w.class_4a.pk, PERIOD, "toan", student_id=a, code="toan",
                      text="Điểm 8 mức T?", acting_user=w.user("group_head"))  # fmt: skip
    answer_flag(flag.pk, text="Đúng như bài làm", acting_user=teacher)
    resolve_flag(flag.pk, acting_user=w.user("group_head"))
    reopen_flag(flag.pk, text="Xem lại", acting_user=w.user("vice_principal"))
    resolve_flag(flag.pk, text="Đã rõ", acting_user=principal)
    raise_flag(w.class_4a.pk, PERIOD, QC_SHEET, student_id=None, code="",
               text="Thiếu nhận xét", acting_user=principal)  # fmt: skip
    # locks: the class (overriding the open flag), reopened, a save, locked again
    lock_entry(run.scope(class_id=w.class_4a.pk), reason="Hết kì, cờ xử lí sau",
               override_open_flags=True, acting_user=principal)  # fmt: skip
    unlock_entry(run.scope(class_id=w.class_4a.pk, key="toan"), reason="Sửa sai",
                 acting_user=principal, reauthenticated_at=timezone.now())  # fmt: skip
    run.save("toan", [CellInput(b, "toan", "H", 7)])
    lock_entry(run.scope(grade=4), reason="Khóa khối 4", override_open_flags=True,
               acting_user=principal)  # fmt: skip
    # corrections: approved (a subset), rejected, withdrawn, one with an uploaded biên bản
    approved = run.file([CellInput(a, "toan", "H", 7), CellInput(b, "toan", "T", 10)])
    cell_a = approved.cells.get(student_id=a).pk
    approve_correction(approved.pk, acting_user=principal, reauthenticated_at=timezone.now(),
                       cell_ids=[cell_a], pin=PIN)  # fmt: skip
    rejected = run.file([CellInput(b, "toan", "C", 3)])
    reject_correction(rejected.pk, acting_user=principal, reauthenticated_at=timezone.now(),
                      note="Không có căn cứ")  # fmt: skip
    withdrawn = run.file([CellInput(b, "toan", "T", 10)], pin="")
    sign_bien_ban(withdrawn.pk, pin=PIN, acting_user=teacher)
    withdraw_correction(withdrawn.pk, acting_user=teacher)
    second = run.file([CellInput(b, "toan", "T", 10, "Sửa theo bài")],
                      upload=Upload(sample_photo(), "bb.png"))  # fmt: skip
    approve_correction(second.pk, acting_user=principal, reauthenticated_at=timezone.now())
    # a profile edit
    update_student_profile(a, {"current_address": "15 Lê Lợi"}, acting_user=principal)


def _cell_value(cell: dict[str, Any]) -> tuple[str, int | None, str]:
    return cell["level"], cell["score"], cell["comment"]


EMPTY = ("", None, "")


def test_every_mutation_of_a_mixed_sequence_has_its_event(
    world: World, demo_authority: DemoAuthority
) -> None:
    run = Run(world, demo_authority)
    start_event = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    start_entry = Entry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with request_context("web", ip=IP, request_id=REQUEST_ID):
        _mixed_sequence(run)
    events = list(AuditEvent.objects.filter(pk__gt=start_event).order_by("pk"))
    entries = {e.pk: e for e in Entry.objects.filter(pk__gt=start_entry)}
    by_action = Counter(e.action for e in events)
    assert by_action["assessment.sheet_saved"] == 5  # 4 grid saves + 1 import
    assert by_action["correction.approved"] == 2

    # -- values: Entry rows created == cells listed in the value events, one to one ------------
    listed: dict[tuple[int, int, int, str], dict[str, Any]] = {}
    for event in events:
        if event.action not in VALUE_EVENTS:
            continue
        sheet_id = int(event.subject_id) if event.action.startswith("assessment.") else None
        sheet_id = sheet_id or event.data["sheet"]
        for cell in event.data["cells"]:
            key = (sheet_id, event.data["version"], cell["student"], cell["code"])
            assert key not in listed, key
            listed[key] = cell
    assert (
        len(entries)
        == sum(len(e.data["cells"]) for e in events if e.action in VALUE_EVENTS)
        == len(listed)
    )
    created = {(e.sheet_id, e.sheet_version, e.student_id, e.code): e for e in entries.values()}
    assert set(created) == set(listed)
    for key, entry in created.items():
        cell = listed[key]
        assert (entry.level, entry.score, entry.comment) == _cell_value(cell["new"])
        old = entry.replaces
        if old is None:
            assert _cell_value(cell["old"]) == EMPTY
        else:
            assert (old.level, old.score, old.comment) == _cell_value(cell["old"])
            assert old.voided_at is not None
    # each voided row corresponds to a listed cell whose "old" is that row's value
    voided = Entry.objects.filter(voided_at__isnull=False)
    assert voided.count() == sum(1 for e in entries.values() if e.replaces_id is not None)
    for row in voided:
        successor = Entry.objects.get(replaces=row)
        cell = listed[(successor.sheet_id, successor.sheet_version, row.student_id, row.code)]
        assert _cell_value(cell["old"]) != EMPTY
        assert _cell_value(cell["old"]) == (row.level, row.score, row.comment)
    # each save record has its event (one per SheetSave, none for the refused)
    saves = SheetSave.objects.all()
    assert saves.count() == sum(by_action[a] for a in VALUE_EVENTS)
    assert saves.filter(source="correction").count() == by_action["correction.approved"]
    assert saves.filter(source="xlsx").count() == 1

    # -- locks: one event per decision, of the right kind -------------------------------------
    lock_events = Counter(
        (e.subject_id, e.action) for e in events if e.action.startswith("assessment.entry_")
    )
    locks = list(EntryLock.objects.all())
    assert len(locks) == 3
    assert sum(lock_events.values()) == len(locks)
    for lock in locks:
        action = "assessment.entry_locked" if lock.locked else "assessment.entry_unlocked"
        assert lock_events[(str(lock.pk), action)] == 1

    # -- review: one event per message, of its kind -------------------------------------------
    flag_events = Counter(
        (e.subject_id, e.action) for e in events if e.action.startswith("review.")
    )
    messages = Counter((str(m.flag_id), FLAG_EVENTS[m.kind]) for m in FlagMessage.objects.all())
    assert flag_events == messages
    assert sum(messages.values()) == 6
    assert ReviewFlag.objects.count() == 2

    # -- corrections: filed, each decision, each biên bản --------------------------------------
    requests = list(CorrectionRequest.objects.all())
    assert Counter(r.status for r in requests) == {
        CorrectionRequest.Status.APPROVED: 2,
        CorrectionRequest.Status.REJECTED: 1,
        CorrectionRequest.Status.WITHDRAWN: 1,
    }
    correction_events = Counter(
        (e.subject_id, e.action) for e in events if e.action.startswith("correction.")
    )
    expected = Counter({(str(r.pk), "correction.requested"): 1 for r in requests})
    expected.update({(str(r.pk), DECISION_EVENTS[r.status]): 1 for r in requests})
    expected.update(
        {(str(r.pk), "correction.bien_ban_signed"): 1 for r in requests if r.status == "withdrawn"}
    )
    assert correction_events == expected
    # each biên bản row — filed, signed later by the teacher, countersigned at approval — was
    # written by exactly one event that names it
    bien_ban_ids = {str(pk) for pk in BienBan.objects.values_list("pk", flat=True)}
    assert len(bien_ban_ids) == len(requests) + 2
    writers = Counter(
        e.bien_ban_id
        for e in events
        if e.action in ("correction.requested", "correction.bien_ban_signed")
        or (e.action == "correction.approved" and e.data["bien_ban"]["signing"] == "complete")
    )
    assert writers == Counter(dict.fromkeys(bien_ban_ids, 1))
    assert BienBan.objects.filter(signing="complete").count() == 1
    for r in requests:
        if r.status == CorrectionRequest.Status.APPROVED:
            assert r.applied_save is not None
            assert r.applied_save.source == "correction"
            applied = CorrectionCell.objects.filter(request=r, approved=True)
            assert all(c.applied_entry_id in entries for c in applied)

    # -- people ---------------------------------------------------------------------------------
    assert [(e.action, e.subject_id) for e in events if e.action.startswith("student.")] == [
        ("student.profile_updated", str(world.pupil_a.pk))
    ]

    # -- every event: actor, UTC time, request id, IP; biên bản on every correction event ------
    for event in events:
        assert event.actor_id is not None, event
        assert event.created_at.utcoffset() == dt.timedelta(0), event
        assert (event.request_id, event.ip, event.origin) == (REQUEST_ID, IP, "web"), event
        if event.action.startswith("correction."):
            assert event.bien_ban_id in bien_ban_ids, event  # docs: "each carries the biên bản id"
    assert verify().intact


def _snapshot() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (
            Entry, SheetSave, Sheet, EntryLock, ReviewFlag, FlagMessage,
            CorrectionRequest, CorrectionCell, BienBan, AuditEvent,
        )
    )  # fmt: skip


def test_a_refused_action_leaves_neither_rows_nor_events(
    world: World, demo_authority: DemoAuthority
) -> None:
    run = Run(world, demo_authority)
    a, b = world.pupil_a.pk, run.binh
    run.save("toan", [CellInput(a, "toan", "H", 6)])
    before = _snapshot()
    voided = Entry.objects.filter(voided_at__isnull=False).count()
    # a save with one valid changed cell and one invalid cell: all or nothing
    with pytest.raises(ActionError):
        run.save("toan", [CellInput(a, "toan", "T", 9), CellInput(b, "toan", "X", 4)])
    assert _snapshot() == before
    assert Entry.objects.filter(voided_at__isnull=False).count() == voided
    assert run.version("toan") == 1
    # a lock with an invalid reason, after the sheet rows were created and locked
    with pytest.raises(ActionError):
        lock_entry(run.scope(grade=4), reason="x" * 501, acting_user=run.principal)
    assert _snapshot() == before
    # a correction refused mid-way: the request and its cells are written, then the biên bản
    # upload is refused, and everything rolls back
    lock_entry(run.scope(class_id=world.class_4a.pk), acting_user=run.principal)
    before = _snapshot()
    with pytest.raises(ActionError):
        run.file([CellInput(a, "toan", "T", 9)], upload=Upload(b"<html></html>", "bb.pdf"))
    assert _snapshot() == before
    # an approval refused as stale after the first checks: nothing written
    request = run.file([CellInput(a, "toan", "T", 9)])
    unlock_entry(
        run.scope(class_id=world.class_4a.pk),
        reason="Sửa",
        acting_user=run.principal,
        reauthenticated_at=timezone.now(),
    )
    run.save("toan", [CellInput(a, "toan", "C", 4)])
    lock_entry(run.scope(class_id=world.class_4a.pk), acting_user=run.principal)
    before = _snapshot()
    with pytest.raises(ActionError, match="giá trị đã thay đổi"):
        approve_correction(request.pk, acting_user=run.principal,
                           reauthenticated_at=timezone.now(), pin=PIN)  # fmt: skip
    assert _snapshot() == before
    request.refresh_from_db()
    assert request.status == CorrectionRequest.Status.PENDING
    assert verify().intact

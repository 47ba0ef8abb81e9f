"""security.md A3: the lock lifecycle as a hypothesis state machine.

Three sheets of class 4A in CHKI (maths and the qualities-and-competencies sheet, written by the
homeroom teacher; Vietnamese, written by the principal, who also teaches it), two pupils. Rules:
saves (accepted iff the sheet is open), locks and unlocks at every scope, review flags raised and
resolved (a lock with open flags is refused unless overridden with a reason), corrections filed
(only on a locked sheet), approved with a fresh or a stale re-authentication, by their own
requester or by someone else, rejected, withdrawn. A Python model predicts every outcome.

Invariants, after every step and from the database:
(a) every current Entry equals the model's value, and each sheet's lock state the model's;
(b) no Entry row was created while its sheet was locked unless its SheetSave has source
    "correction" and belongs to an APPROVED CorrectionRequest decided by a principal of the
    school who is not its requester, with a signed biên bản: a signed paper scan, or the
    generated PDF certified by the requester and countersigned by that principal, verifying
    against the trust roots with both signers' registered certificates;
(c) at teardown, the audit chains verify.

Examples: 100 of up to 25 steps by default (CI, about a minute on SQLite); security.md A3 asks
for 500 × ≤ 50 locally: HOCBASO_STATEFUL_EXAMPLES=500 HOCBASO_STATEFUL_STEPS=50. The world is
built once; each example runs in a savepoint rolled back at teardown.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from hocbaso.assessment import bien_ban_signing
from hocbaso.assessment.actions.corrections import (
    ReauthenticationRequired,
    Upload,
    approve_correction,
    file_correction,
    reject_correction,
    sign_bien_ban,
    withdraw_correction,
)
from hocbaso.assessment.actions.locks import (
    LockScope,
    OpenFlags,
    SheetLocked,
    lock_entry,
    lock_states,
    resolve,
    unlock_entry,
)
from hocbaso.assessment.actions.review import raise_flag, resolve_flag
from hocbaso.assessment.actions.save_sheet import CellInput, save_sheet
from hocbaso.assessment.bien_ban_files import read_bien_ban
from hocbaso.assessment.models import (
    QC_SHEET,
    CorrectionRequest,
    Entry,
    EntryLock,
    Sheet,
)
from hocbaso.assessment.sheets import sheet_columns
from hocbaso.audit.actors import SEED
from hocbaso.audit.verify import verify
from hocbaso.org.models import Period
from hocbaso.people.actions.assignments import assign_teacher
from hocbaso.people.actions.students import create_student
from hocbaso.people.errors import ActionError
from hocbaso.people.scope import scope_for
from hocbaso.people.tests.world import World, pupil_values, sample_photo
from hocbaso.signing.demo_store import DemoAuthority
from hocbaso.signing.testing import give_certificate

PERIOD = "CHKI"  # open on the test calendar day (deadline 20/01/2027)
EXAMPLES = int(os.environ.get("HOCBASO_STATEFUL_EXAMPLES", "100"))
STEPS = int(os.environ.get("HOCBASO_STATEFUL_STEPS", "25"))  # ≤ 60 s on SQLite

Value = tuple[str, int | None, str]
Cell = tuple[str, int]  # (sheet key, pupil index)

SUBJECT_VALUES: list[Value] = [
    ("T", 9, ""),
    ("H", 7, ""),
    ("C", 4, "Cần cố gắng"),
    ("T", 10, "Giỏi"),
]
RATED_VALUES: list[Value] = [("T", None, ""), ("Đ", None, ""), ("C", None, "Cần rèn thêm")]
SHEETS = ("toan", QC_SHEET, "tieng_viet")
WRITERS = {"toan": "homeroom_4a", QC_SHEET: "homeroom_4a", "tieng_viet": "principal"}
LOCK_SCOPES = ("school", "grade", "class", *(f"sheet:{k}" for k in SHEETS))
REVIEWERS = ("group_head", "vice_principal", "principal")
PIN = "123456"  # the DEMO keys' PIN
BIEN_BAN_KINDS = ("signed", "paper", "unsigned")


def values_for(key: str) -> list[Value]:
    return RATED_VALUES if key == QC_SHEET else SUBJECT_VALUES


@dataclass
class Pending:
    requester: str
    key: str
    cells: dict[int, Value]  # pupil index → new value
    generations: dict[int, int]  # pupil index → the cell's generation when filed
    cell_ids: dict[int, int] = field(default_factory=dict)  # pupil index → CorrectionCell pk
    bien_ban: str = "signed"  # signed (by the requester) / paper / unsigned


class LockMachine(RuleBasedStateMachine):
    world: World  # set by the test function, built once (outside the examples)
    pupils: list[int]
    qc_code: str
    period: Period

    def __init__(self) -> None:
        super().__init__()
        # Each example runs in a savepoint rolled back at teardown: the world stays as built.
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self._checked_entry = (
            Entry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        )
        self.values: dict[Cell, Value] = {}
        self.generation: dict[Cell, int] = {}
        self.decisions: list[tuple[str, bool]] = []  # (scope, locked), oldest first
        self.open_flags: dict[int, str] = {}  # flag pk → sheet key
        self.pending: dict[int, Pending] = {}
        self.counter = 0
        self._checked_requests: set[int] = set()

    def teardown(self) -> None:
        try:
            result = verify()
            assert result.intact, [p.message() for p in result.problems.values()]
        finally:
            transaction.set_rollback(True)
            self._atomic.__exit__(None, None, None)

    # -- helpers -------------------------------------------------------------------------------

    def user(self, persona: str) -> Any:
        return self.world.user(persona)

    def code(self, key: str) -> str:
        return self.qc_code if key == QC_SHEET else key

    def cell_input(self, key: str, pupil: int, value: Value) -> CellInput:
        level, score, comment = value
        return CellInput(self.pupils[pupil], self.code(key), level, score, comment)

    def model_value(self, key: str, pupil: int) -> Value:
        return self.values.get((key, pupil), ("", None, ""))

    def model_locked(self, key: str) -> bool:
        for scope, locked in reversed(self.decisions):
            if not scope.startswith("sheet:") or scope == f"sheet:{key}":
                return locked
        return False

    def covered(self, scope: str) -> set[str]:
        return {scope.removeprefix("sheet:")} if scope.startswith("sheet:") else set(SHEETS)

    def lock_scope(self, scope: str) -> LockScope:
        base = {"school_id": self.world.school.pk, "period_code": PERIOD}
        if scope == "school":
            return LockScope(**base)  # type: ignore[arg-type]
        if scope == "grade":
            return LockScope(grade=4, **base)  # type: ignore[arg-type]
        if scope == "class":
            return LockScope(class_id=self.world.class_4a.pk, **base)  # type: ignore[arg-type]
        key = scope.removeprefix("sheet:")
        return LockScope(class_id=self.world.class_4a.pk, key=key, **base)  # type: ignore[arg-type]

    def change(self, key: str, pupil: int, value: Value) -> None:
        if self.model_value(key, pupil) != value:
            self.values[(key, pupil)] = value
            self.generation[(key, pupil)] = self.generation.get((key, pupil), 0) + 1

    def snapshot(self) -> tuple[int, ...]:
        return (
            Entry.objects.count(),
            EntryLock.objects.count(),
            CorrectionRequest.objects.filter(status=CorrectionRequest.Status.PENDING).count(),
            Sheet.objects.filter(class_group=self.world.class_4a, version__gt=0).count(),
        )

    def pick(self, data: st.DataObject, requester: str | None = None) -> tuple[int, Pending]:
        choices = sorted(
            pk for pk, p in self.pending.items() if requester is None or p.requester == requester
        )
        pk = data.draw(st.sampled_from(choices))
        return pk, self.pending[pk]

    # -- rules -----------------------------------------------------------------------------------

    @initialize(
        filled=st.sets(st.sampled_from(SHEETS)),
        scope=st.sampled_from((*LOCK_SCOPES, None)),
        data=st.data(),
    )
    def start(self, filled: set[str], scope: str | None, data: st.DataObject) -> None:
        """Most programs start from filled sheets under a lock, where corrections happen."""
        for key in sorted(filled):
            self.save_cells(key, {p: data.draw(st.sampled_from(values_for(key))) for p in (0, 1)})
        if scope is not None:
            self.lock(scope, override=False)
            for key in sorted(filled & self.covered(scope)):
                if WRITERS[key] != "principal":
                    self.file(key, {0, 1}, data, data.draw(st.sampled_from(BIEN_BAN_KINDS)))

    @rule(key=st.sampled_from(SHEETS), pupil=st.integers(0, 1), data=st.data())
    def save(self, key: str, pupil: int, data: st.DataObject) -> None:
        self.save_cells(key, {pupil: data.draw(st.sampled_from(values_for(key)))})

    def save_cells(self, key: str, cells: dict[int, Value]) -> None:
        """The writer saves `cells` (pupil index → value): accepted iff the sheet is open."""
        version = (
            Sheet.objects.filter(class_group=self.world.class_4a, period__code=PERIOD, key=key)
            .values_list("version", flat=True)
            .first()
        ) or 0
        self.counter += 1
        call = lambda: save_sheet(  # noqa: E731
            self.world.class_4a.pk, PERIOD, key,
            [self.cell_input(key, p, v) for p, v in cells.items()],
            base_version=version, idempotency_key=f"sm-{self.counter}",
            acting_user=self.user(WRITERS[key]),
        )  # fmt: skip
        if self.model_locked(key):
            before = self.snapshot()
            with pytest.raises(SheetLocked):
                call()
            assert self.snapshot() == before
            event("save refused: locked")
            return
        outcome = call()
        assert outcome.changed == sum(1 for p, v in cells.items() if self.model_value(key, p) != v)
        for p, v in cells.items():
            self.change(key, p, v)

    @rule(scope=st.sampled_from(LOCK_SCOPES), override=st.booleans())
    def lock(self, scope: str, override: bool) -> None:
        covered = self.covered(scope)
        flags = sum(1 for k in self.open_flags.values() if k in covered)
        call = lambda: lock_entry(  # noqa: E731
            self.lock_scope(scope), reason="Khóa sổ" if override else "",
            override_open_flags=override, acting_user=self.user("principal"),
        )  # fmt: skip
        if flags and not override:
            before = self.snapshot()
            with pytest.raises(OpenFlags):
                call()
            assert self.snapshot() == before
            event("lock refused: open flags")
        else:
            decision = call()
            assert decision.locked
            self.decisions.append((scope, True))

    @rule(scope=st.sampled_from(LOCK_SCOPES))
    def unlock(self, scope: str) -> None:
        unlock_entry(
            self.lock_scope(scope),
            reason="Mở để sửa",
            acting_user=self.user("principal"),
            reauthenticated_at=timezone.now(),
        )
        self.decisions.append((scope, False))

    @rule(key=st.sampled_from(SHEETS), reviewer=st.sampled_from(REVIEWERS), on_cell=st.booleans())
    def raise_a_flag(self, key: str, reviewer: str, on_cell: bool) -> None:
        flag = raise_flag(
            self.world.class_4a.pk, PERIOD, key,
            student_id=self.pupils[0] if on_cell else None,
            code=self.code(key) if on_cell else "", text="Xem lại",
            acting_user=self.user(reviewer),
        )  # fmt: skip
        self.open_flags[flag.pk] = key

    @precondition(lambda self: self.open_flags)
    @rule(reviewer=st.sampled_from(REVIEWERS), data=st.data())
    def resolve_a_flag(self, reviewer: str, data: st.DataObject) -> None:
        pk = data.draw(st.sampled_from(sorted(self.open_flags)))
        resolve_flag(pk, acting_user=self.user(reviewer))
        del self.open_flags[pk]

    @rule(key=st.sampled_from(SHEETS), pupils=st.sets(st.integers(0, 1), min_size=1),
          data=st.data(), bien_ban=st.sampled_from(BIEN_BAN_KINDS))  # fmt: skip
    def file(self, key: str, pupils: set[int], data: st.DataObject, bien_ban: str) -> None:
        # mostly new values; now and then the value already written (refused)
        same = data.draw(st.sampled_from((False, False, False, True)))
        wanted = {
            p: data.draw(
                st.sampled_from(
                    [v for v in values_for(key) if same or v != self.model_value(key, p)]
                )
            )
            for p in sorted(pupils)
        }
        requester = WRITERS[key]
        busy = {p for pending in self.pending.values() if pending.key == key for p in pending.cells}
        refused = (
            not self.model_locked(key)
            or any(self.model_value(key, p) == v for p, v in wanted.items())
            or bool(busy & set(wanted))
        )
        call = lambda: file_correction(  # noqa: E731
            self.world.class_4a.pk, PERIOD, key,
            [self.cell_input(key, p, v) for p, v in wanted.items()],
            reason="Nhập nhầm", acting_user=self.user(requester),
            pin=PIN if bien_ban == "signed" else "",
            upload=Upload(sample_photo(), "bb.png") if bien_ban == "paper" else None,
        )  # fmt: skip
        if refused:
            before = self.snapshot()
            with pytest.raises(ActionError):
                call()
            assert self.snapshot() == before
            event("correction refused at filing")
            return
        request = call()
        event("correction filed")
        by_student = {c.student_id: c.pk for c in request.cells.all()}
        self.pending[request.pk] = Pending(
            requester=requester,
            key=key,
            cells=wanted,
            generations={p: self.generation.get((key, p), 0) for p in wanted},
            cell_ids={p: by_student[self.pupils[p]] for p in wanted},
            bien_ban=bien_ban,
        )

    @precondition(lambda self: any(p.requester != "principal" for p in self.pending.values()))
    @rule(data=st.data(), subset=st.booleans())
    def approve(self, data: st.DataObject, subset: bool) -> None:
        """The principal approves a teacher's request with a fresh re-authentication (all
        cells or a subset); refused if a cell changed since filing."""
        self.try_to_approve(data, subset, "fresh", requester="homeroom_4a")

    @precondition(lambda self: self.pending)
    @rule(data=st.data(), how=st.sampled_from(("stale", "wrong person")))
    def approve_wrongly(self, data: st.DataObject, how: str) -> None:
        """A stale re-authentication; the requester or a reviewer approving."""
        self.try_to_approve(data, False, how)

    def try_to_approve(
        self, data: st.DataObject, subset: bool, how: str, requester: str | None = None
    ) -> None:
        pk, pending = self.pick(data, requester)
        own = pending.requester == "principal"  # the principal filed it: nobody here may approve
        before = self.snapshot()
        if how == "stale":
            at = timezone.now()
            # nothing is written while the clock is moved forward (lock decisions stay in order)
            later = time_machine.travel(at + dt.timedelta(minutes=6), tick=False)
            expected = ActionError if own else ReauthenticationRequired
            with later, pytest.raises(expected) as refused:
                approve_correction(pk, acting_user=self.user("principal"), reauthenticated_at=at)
            assert own or "nhập lại mật khẩu" in refused.value.messages[0]
            assert self.snapshot() == before
            event("approval refused: stale re-authentication")
            return
        if how == "wrong person":
            # the requester approving their own request, then reviewers who are not the principal
            with pytest.raises(ActionError if own else PermissionDenied):
                approve_correction(
                    pk, acting_user=self.user(pending.requester), reauthenticated_at=timezone.now()
                )
            for other in ("vice_principal", "group_head"):
                with pytest.raises(PermissionDenied):
                    approve_correction(
                        pk, acting_user=self.user(other), reauthenticated_at=timezone.now()
                    )
            assert self.snapshot() == before
            event("approval refused: wrong person")
            return
        chosen = sorted(pending.cells)[:1] if subset else sorted(pending.cells)
        call = lambda: approve_correction(  # noqa: E731
            pk, acting_user=self.user("principal"), reauthenticated_at=timezone.now(),
            cell_ids=[pending.cell_ids[p] for p in chosen] if subset else None, pin=PIN,
        )  # fmt: skip
        stale = any(
            self.generation.get((pending.key, p), 0) != pending.generations[p] for p in chosen
        )
        unsigned = pending.bien_ban == "unsigned"
        if own or unsigned or stale:
            why = "own request" if own else "unsigned biên bản" if unsigned else "cell changed"
            match = {
                "own request": "Người duyệt không được",
                "unsigned biên bản": "Biên bản chưa được kí",
                "cell changed": "đã thay đổi",
            }[why]
            with pytest.raises(ActionError, match=match):
                call()
            assert self.snapshot() == before
            event("approval refused: " + why)
            return
        request = call()
        assert request.status == CorrectionRequest.Status.APPROVED
        event("correction approved" + (" (subset)" if subset else ""))
        for p in chosen:
            self.change(pending.key, p, pending.cells[p])
        del self.pending[pk]

    @precondition(lambda self: self.pending)
    @rule(data=st.data())
    def reject(self, data: st.DataObject) -> None:
        pk, pending = self.pick(data)
        call = lambda: reject_correction(  # noqa: E731
            pk, acting_user=self.user("principal"), reauthenticated_at=timezone.now(),
            note="Không đủ căn cứ",
        )  # fmt: skip
        before = self.snapshot()
        if pending.requester == "principal":
            with pytest.raises(ActionError, match="Người duyệt không được"):
                call()
            assert self.snapshot() == before
            return
        assert call().status == CorrectionRequest.Status.REJECTED
        del self.pending[pk]

    @precondition(lambda self: any(p.bien_ban == "unsigned" for p in self.pending.values()))
    @rule(data=st.data())
    def sign_later(self, data: st.DataObject) -> None:
        """The requester signs the unsigned generated biên bản from the request page."""
        choices = sorted(pk for pk, p in self.pending.items() if p.bien_ban == "unsigned")
        pk = data.draw(st.sampled_from(choices))
        pending = self.pending[pk]
        signed = sign_bien_ban(pk, pin=PIN, acting_user=self.user(pending.requester))
        assert signed.signing == "requester"
        pending.bien_ban = "signed"
        event("biên bản signed after filing")

    @precondition(lambda self: self.pending)
    @rule(data=st.data())
    def withdraw(self, data: st.DataObject) -> None:
        pk, pending = self.pick(data)
        request = withdraw_correction(pk, acting_user=self.user(pending.requester))
        assert request.status == CorrectionRequest.Status.WITHDRAWN
        del self.pending[pk]

    # -- invariants ------------------------------------------------------------------------------

    @invariant()
    def values_and_lock_states_match_the_model(self) -> None:
        current = {
            (e.sheet.key, self.pupils.index(e.student_id)): (e.level, e.score, e.comment)
            for e in Entry.objects.current()
            .filter(sheet__class_group=self.world.class_4a, sheet__period=self.period)
            .select_related("sheet")
        }
        assert current == self.values  # no value drawn is empty: a written cell has a row
        states = lock_states(
            self.world.school, self.period, [(self.world.class_4a, k) for k in SHEETS]
        )
        assert {k: states[(self.world.class_4a.pk, k)].locked for k in SHEETS} == {
            k: self.model_locked(k) for k in SHEETS
        }

    @invariant()
    def no_entry_written_while_locked_without_an_approved_correction(self) -> None:
        # Rows are never edited (only voided) and a later decision is never earlier than a row
        # already written, so each new row is checked once, against the decisions before it.
        if not Entry.objects.filter(pk__gt=self._checked_entry).exists():
            return
        entries = list(
            Entry.objects.filter(pk__gt=self._checked_entry)
            .select_related(
                "sheet__class_group",
                "sheet__period",
                "save_record__correction__decided_by",
                "save_record__correction__requested_by",
            )
            .prefetch_related("save_record__correction__bien_bans")
        )
        school = self.world.school
        decisions = list(EntryLock.objects.filter(school=school).select_related("class_group"))
        for entry in entries:
            sheet = entry.sheet
            earlier = [d for d in decisions if d.created_at <= entry.created_at]
            state = resolve(
                earlier, sheet.class_group, sheet.period, sheet.key, now=entry.created_at
            )
            self._checked_entry = max(self._checked_entry, entry.pk)
            if not state.locked:
                continue
            record = entry.save_record
            assert record is not None, entry
            assert record.source == "correction", (entry, record.source)
            request = getattr(record, "correction", None)
            assert request is not None, entry
            assert request.status == CorrectionRequest.Status.APPROVED
            assert request.decided_by is not None
            assert school.pk in scope_for(request.decided_by).principal_school_ids
            assert request.decided_by_id != request.requested_by_id
            self.check_signed_bien_ban(request)

    def check_signed_bien_ban(self, request: CorrectionRequest) -> None:
        """The biên bản the approval rests on (the request's last; nothing is attached after a
        decision) is a paper scan, or verifies with the requester's and the approver's
        registered certificates in their fields — checked from the stored file."""
        if request.pk in self._checked_requests:
            return
        bien_ban = max(request.bien_bans.all(), key=lambda b: (b.created_at, b.pk))
        assert bien_ban.signing in ("paper", "complete"), (request, bien_ban.signing)
        if bien_ban.signing == "complete":
            bien_ban_signing.check(
                read_bien_ban(bien_ban.sha256),
                signers={
                    bien_ban_signing.REQUESTER_FIELD: request.requested_by,
                    bien_ban_signing.PRINCIPAL_FIELD: request.decided_by,
                },
                complete=True,
            )
        self._checked_requests.add(request.pk)


@pytest.fixture
def machine_world(world: World, demo_authority: DemoAuthority) -> type[LockMachine]:
    # the two requesters (4A's teacher; the principal for Vietnamese) and the approver sign
    for persona in ("homeroom_4a", "principal"):
        give_certificate(demo_authority, world.user(persona), now=timezone.now())
    binh = create_student(
        pupil_values("Nguyễn Văn Bình"), world.class_4a.pk, enrolled_on=dt.date(2026, 9, 5),
        acting_user=SEED,
    )  # fmt: skip
    # the principal also teaches Vietnamese in 4A: their own requests need another approver
    assign_teacher(world.user("principal").pk, world.class_4a.pk, "tieng_viet", acting_user=SEED)
    LockMachine.world = world
    LockMachine.pupils = [world.pupil_a.pk, binh.pk]
    LockMachine.qc_code = sheet_columns(QC_SHEET, 4, PERIOD)[0].code
    LockMachine.period = Period.objects.get(school_year=world.year, code=PERIOD)
    return LockMachine


@pytest.mark.django_db(transaction=False)
def test_no_write_to_a_locked_sheet_without_an_approved_correction(
    machine_world: type[LockMachine],
) -> None:
    run_state_machine_as_test(
        machine_world,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=STEPS,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
            database=None,
        ),
    )

"""Entry windows and locks ("khóa sổ", spec §4.5; security.md A3, A6, ASVS 15.4.2).

Who decides: the principal of the school only (`Scope.principal_school_ids`); unlocking needs
a reason. Each decision is a new `EntryLock` row, never edited, with one audit event.

Which decision applies to a sheet (class × period × key), `lock_state`:

1. The decisions that cover the sheet are those of its school and period at the scope of the
   whole school, of the class's grade, of the class, or of the sheet itself.
2. The period's entry deadline counts as a lock decision taken automatically at the end of
   the deadline day (midnight, Asia/Ho_Chi_Minh).
3. **The latest decision wins.** A more specific decision therefore overrides the broader
   ones taken before it (unlocking one sheet of a locked school reopens that sheet only), and
   a broader decision taken later supersedes the specific ones before it (re-locking the
   school re-locks a sheet reopened earlier: nothing stays open by accident). Decisions with
   the same timestamp are ranked sheet > class > grade > school, then by row id.
4. Hence a period past its deadline is locked unless the principal explicitly reopened it
   (at any scope covering the sheet) *after* the deadline.

Serialisation with saves (A6): `lock_entry` locks the Sheet rows it covers FOR UPDATE,
creating the missing ones, before inserting the decision, in one transaction. `save_sheet`
checks `lock_state` right after locking its own sheet row. A save racing a lock therefore
either commits before the lock is written, or waits for it and is then refused; never after.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from hocbaso.assessment.actions.review import open_flags
from hocbaso.assessment.models import EntryLock, Sheet
from hocbaso.assessment.sheets import sheet_keys, sheet_label
from hocbaso.audit.log import log
from hocbaso.org.models import ClassGroup, Period, School
from hocbaso.people.actions.accounts import require_fresh_reauthentication
from hocbaso.people.errors import ActionError
from hocbaso.people.imports.classes import current_school_year
from hocbaso.people.scope import scope_for

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
REASON_MAX = 500

# Tie-break rank of a decision's scope (higher is more specific).
SCOPE_RANK = {"school": 0, "grade": 1, "class": 2, "sheet": 3, "deadline": -1}


class SheetLocked(ActionError):
    """A save refused because the sheet is locked (HTTP 423 on the JSON save)."""


class OpenFlags(ActionError):
    """A lock refused because covered sheets have unresolved review flags."""


@dataclass(frozen=True)
class LockState:
    locked: bool
    source: str  # "open" (no decision), "deadline", "school", "grade", "class", "sheet"
    since: dt.datetime | None
    label: str = ""  # Vietnamese: which decision, e.g. "khóa toàn trường"
    decision: EntryLock | None = None

    def message(self) -> str:
        when = (
            timezone.localtime(self.since, LOCAL_TZ).strftime("%H:%M %d/%m/%Y")
            if self.since
            else ""
        )
        return (
            f"Sổ đã khóa từ {when} ({self.label}): muốn sửa phải lập biên bản và được "
            "Hiệu trưởng duyệt."
        )


def deadline_passes_at(period: Period) -> dt.datetime:
    """The moment entry closes: the end of the deadline day, Vietnam local time."""
    next_day = period.entry_deadline + dt.timedelta(days=1)
    return dt.datetime.combine(next_day, dt.time.min, tzinfo=LOCAL_TZ)


def scope_of(decision: EntryLock) -> str:
    if decision.key:
        return "sheet"
    if decision.class_group_id is not None:
        return "class"
    if decision.grade is not None:
        return "grade"
    return "school"


def scope_label(decision: EntryLock) -> str:
    scope = scope_of(decision)
    if scope == "sheet":
        name = decision.class_group.name if decision.class_group else ""
        return f"sổ {sheet_label(decision.key)} lớp {name}"
    if scope == "class" and decision.class_group is not None:
        return f"lớp {decision.class_group.name}"
    if scope == "grade":
        return f"khối {decision.grade}"
    return "toàn trường"


def _covers(decision: EntryLock, class_group: ClassGroup, key: str) -> bool:
    scope = scope_of(decision)
    if scope == "sheet":
        return decision.class_group_id == class_group.pk and decision.key == key
    if scope == "class":
        return decision.class_group_id == class_group.pk
    if scope == "grade":
        return decision.grade == class_group.grade
    return True


def resolve(
    decisions: Iterable[EntryLock],
    class_group: ClassGroup,
    period: Period,
    key: str,
    *,
    now: dt.datetime | None = None,
) -> LockState:
    """The state of one sheet from the decisions of its school and period (pure)."""
    now = now or timezone.now()
    candidates: list[tuple[dt.datetime, int, int, LockState]] = []
    for d in decisions:
        if d.period_id != period.pk or d.school_id != class_group.school_id:
            continue
        if not _covers(d, class_group, key):
            continue
        scope = scope_of(d)
        verb = "khóa" if d.locked else "mở lại"
        state = LockState(d.locked, scope, d.created_at, f"{verb} {scope_label(d)}", d)
        candidates.append((d.created_at, SCOPE_RANK[scope], d.pk or 0, state))
    deadline = deadline_passes_at(period)
    if now >= deadline:
        label = f"hết hạn nhập {period.entry_deadline:%d/%m/%Y}"
        candidates.append(
            (deadline, SCOPE_RANK["deadline"], 0, LockState(True, "deadline", deadline, label))
        )
    if not candidates:
        return LockState(False, "open", None, "đang mở")
    return max(candidates, key=lambda c: (c[0], c[1], c[2]))[3]


def _decisions(school_id: int, period: Period) -> list[EntryLock]:
    return list(
        EntryLock.objects.filter(school_id=school_id, period=period).select_related("class_group")
    )


def lock_state(
    target: Sheet | tuple[ClassGroup, Period, str], *, now: dt.datetime | None = None
) -> LockState:
    """Whether a sheet is locked now, by which decision and since when (one query: the
    school's decisions for the period, a handful, which `resolve` narrows to the sheet)."""
    if isinstance(target, Sheet):
        class_group, period, key = target.class_group, target.period, target.key
    else:
        class_group, period, key = target
    return resolve(_decisions(class_group.school_id, period), class_group, period, key, now=now)


def lock_states(
    school: School, period: Period, pairs: Sequence[tuple[ClassGroup, str]]
) -> dict[tuple[int, str], LockState]:
    """{(class id, key): state} for many sheets of one school and period (one query)."""
    decisions = _decisions(school.pk, period)
    now = timezone.now()
    return {(c.pk, k): resolve(decisions, c, period, k, now=now) for c, k in pairs}


# -- the principal's decisions -------------------------------------------------------------------


@dataclass(frozen=True)
class LockScope:
    """Where a decision applies: a school, optionally narrowed to a grade, a class or a sheet."""

    school_id: int
    period_code: str
    grade: int | None = None
    class_id: int | None = None
    key: str = ""


def _ensure_principal(user: Any, school: School) -> None:
    if school.pk not in scope_for(user).principal_school_ids:
        raise ActionError("Chỉ Hiệu trưởng của trường mới được khóa hoặc mở sổ.")


def _resolve_scope(
    school: School, scope: LockScope
) -> tuple[Period, int | None, ClassGroup | None, list[ClassGroup]]:
    classes = ClassGroup.objects.filter(school=school).select_related("school", "school_year")
    class_group: ClassGroup | None = None
    if scope.class_id is not None:
        class_group = classes.filter(pk=scope.class_id).first()
        if class_group is None:
            raise ActionError("Lớp không thuộc trường này.")
        if scope.key and scope.key not in sheet_keys(class_group.grade):
            raise ActionError(f"Lớp {class_group} không có sổ «{scope.key}».")
        year_id = class_group.school_year_id
        covered = [class_group]
        grade = None
    else:
        if scope.key:
            raise ActionError("Khóa một sổ cần chọn lớp.")
        year = current_school_year(school, timezone.localdate())
        if year is None:
            raise ActionError("Trường chưa có năm học hiện tại.")
        year_id = year.pk
        grade = scope.grade
        if grade is not None and not 1 <= grade <= 5:
            raise ActionError("Khối phải từ 1 đến 5.")
        covered = list(classes.filter(school_year_id=year_id))
        if grade is not None:
            covered = [c for c in covered if c.grade == grade]
    period = Period.objects.filter(school_year_id=year_id, code=scope.period_code).first()
    if period is None:
        raise ActionError("Không tìm thấy kì đánh giá của năm học.")
    return period, grade, class_group, covered


def _lock_sheet_rows(period: Period, covered: list[ClassGroup], key: str) -> int:
    """Create the missing Sheet rows the decision covers, then lock them all FOR UPDATE (in pk
    order): a save of any of them waits for this transaction, and then sees the decision."""
    pairs = [(c, k) for c in covered for k in ((key,) if key else sheet_keys(c.grade))]
    existing = set(
        Sheet.objects.filter(class_group__in=covered, period=period).values_list(
            "class_group_id", "key"
        )
    )
    for c, k in pairs:
        if (c.pk, k) not in existing:
            Sheet.objects.get_or_create(class_group=c, period=period, key=k)
    if not pairs:
        return 0
    rows = Sheet.objects.select_for_update().filter(period=period, class_group__in=covered)
    if key:
        rows = rows.filter(key=key)
    # every key of a covered class is a sheet of the decision (no key outside sheet_keys exists)
    return len(list(rows.order_by("pk").values_list("pk", flat=True)))


def _open_flags_message(period: Period, covered: list[ClassGroup], key: str) -> tuple[int, str]:
    counts: dict[str, int] = {}
    for flag in open_flags(period, covered, key).select_related("sheet__class_group"):
        name = flag.sheet.class_group.name
        counts[name] = counts.get(name, 0) + 1
    total = sum(counts.values())
    listed = ", ".join(f"lớp {name}: {n}" for name, n in sorted(counts.items()))
    return total, listed


def _decide(
    scope: LockScope,
    *,
    locked: bool,
    reason: str,
    acting_user: Any,
    override_open_flags: bool = False,
) -> EntryLock:
    school = School.objects.filter(pk=scope.school_id).first()
    if school is None:
        raise ActionError("Không tìm thấy trường.")
    _ensure_principal(acting_user, school)
    period, grade, class_group, covered = _resolve_scope(school, scope)
    reason = (reason or "").strip()
    if not locked and not reason:
        raise ActionError("Mở lại sổ phải ghi rõ lí do.", {"reason": ["Hãy nhập lí do mở sổ."]})
    if len(reason) > REASON_MAX:
        raise ActionError(f"Lí do dài quá {REASON_MAX} kí tự.")
    sheets = _lock_sheet_rows(period, covered, scope.key)
    flags_open, listed = _open_flags_message(period, covered, scope.key) if locked else (0, "")
    if flags_open and not override_open_flags:
        raise OpenFlags(
            f"Còn {flags_open} cờ rà soát chưa xử lí ({listed}). Hãy xử lí hết, hoặc "
            "chọn vẫn khóa và ghi rõ lí do.",
            {"override": ["Ghi lí do nếu vẫn khóa khi còn cờ rà soát chưa xử lí."]},
        )
    if flags_open and not reason:
        raise ActionError(
            "Khóa sổ khi còn cờ rà soát chưa xử lí phải ghi rõ lí do.",
            {"reason": ["Hãy nhập lí do vẫn khóa sổ."]},
        )
    decision = EntryLock.objects.create(
        school=school,
        period=period,
        grade=grade,
        class_group=class_group,
        key=scope.key,
        locked=locked,
        reason=reason,
        created_by=acting_user,
        created_at=timezone.now(),  # after the row locks: later than every earlier save
    )
    log(
        "assessment.entry_locked" if locked else "assessment.entry_unlocked",
        actor=acting_user,
        subject=decision,
        school_id=school.pk,
        data={
            "period": period.code,
            "school_year": period.school_year_id,
            "scope": scope_of(decision),
            "grade": grade,
            "class": class_group.pk if class_group else None,
            "key": scope.key,
            "reason": reason,
            "sheets": sheets,
            "open_flags_overridden": flags_open,
        },
    )
    return decision


@transaction.atomic
def lock_entry(
    scope: LockScope, *, acting_user: Any, reason: str = "", override_open_flags: bool = False
) -> EntryLock:
    """Lock entry at `scope` (principal only). Refused (`OpenFlags`) while a covered sheet has
    an unresolved review flag, unless the principal overrides it with a reason (recorded)."""
    return _decide(
        scope,
        locked=True,
        reason=reason,
        acting_user=acting_user,
        override_open_flags=override_open_flags,
    )


@transaction.atomic
def unlock_entry(
    scope: LockScope, *, reason: str, acting_user: Any, reauthenticated_at: dt.datetime | None
) -> EntryLock:
    """Reopen entry at `scope` (principal only, with a reason, having re-entered their password
    in the last 5 minutes: security.md F5)."""
    school = School.objects.filter(pk=scope.school_id).first()
    if school is not None:
        _ensure_principal(acting_user, school)  # who first, then how fresh
    require_fresh_reauthentication(reauthenticated_at)
    return _decide(scope, locked=False, reason=reason, acting_user=acting_user)

"""Grade entry: the teacher's sheets, a class's sheets, the grid and its JSON save.

The views read, authorise (`assessment.access`) and call `save_sheet`; the grid's keyboard
behaviour, validation as typed and autosave live in `static/hocbaso/sheet.js`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db import OperationalError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from hocbaso.assessment import comment_bank
from hocbaso.assessment.access import access_sheet_for_user, writable_sheets
from hocbaso.assessment.actions.locks import SheetLocked, lock_state
from hocbaso.assessment.actions.review import flags_of_sheet, open_flags_for_teacher
from hocbaso.assessment.actions.save_sheet import (
    COMMENT_MAX,
    CellInput,
    SheetConflict,
    save_sheet,
)
from hocbaso.assessment.models import Entry, ReviewFlag, Sheet
from hocbaso.assessment.progress import progress_for
from hocbaso.assessment.sheets import Column, sheet_columns, sheet_keys, sheet_label
from hocbaso.assessment.views import review as review_views
from hocbaso.org.models import ClassGroup, Period
from hocbaso.people import access as people_access
from hocbaso.people.errors import ActionError
from hocbaso.people.models import Enrolment, Student

MAX_CELLS = 5000  # a class of 50 × 15 qualities and competencies is 750; this is a sanity cap
PERIOD_CODES = tuple(Period.Code)

# -- sheet lists: filled/total per (class, key, period), counted by `assessment.progress` --------


@dataclass(frozen=True)
class Progress:
    filled: int  # levels and tested scores present
    total: int  # expected; 0 for an optional unit (who studies it varies)
    optional: bool

    @property
    def is_complete(self) -> bool:
        return self.total > 0 and self.filled >= self.total


@dataclass(frozen=True)
class SheetLink:
    period: Period
    progress: Progress


@dataclass(frozen=True)
class SheetRow:
    class_group: ClassGroup
    key: str
    label: str
    can_write: bool
    links: list[SheetLink | None]  # aligned with PERIOD_CODES


def _sheet_rows(
    pairs: list[tuple[ClassGroup, str]], writable: set[tuple[int, str]]
) -> list[SheetRow]:
    """One row per (class, key) with each period's progress: 2 queries + 1 per period."""
    classes = {
        c.pk: c
        for c in ClassGroup.objects.filter(pk__in={c.pk for c, _key in pairs})
        .select_related("school", "school_year")
        .annotate(
            pupils=Count(
                "enrolments", filter=Q(enrolments__transfer_out_on__isnull=True), distinct=True
            )
        )
    }
    found: dict[tuple[int, str, str], SheetLink] = {}
    for period in Period.objects.filter(
        school_year_id__in={c.school_year_id for c in classes.values()}
    ).order_by("order"):
        in_year = [c for c in classes.values() if c.school_year_id == period.school_year_id]
        for class_progress in progress_for(in_year, period):
            for sheet in class_progress.sheets:
                found[(class_progress.class_group.pk, period.code, sheet.key)] = SheetLink(
                    period,
                    Progress(
                        sheet.levels + sheet.scores,
                        sheet.levels_expected + sheet.scores_expected,
                        sheet.optional,
                    ),
                )
    return [
        SheetRow(
            classes[class_group.pk],
            key,
            sheet_label(key),
            (class_group.pk, key) in writable,
            [found.get((class_group.pk, code, key)) for code in PERIOD_CODES],
        )
        for class_group, key in pairs
        if class_group.pk in classes
    ]


def _period_headers() -> list[str]:
    return [str(label) for label in Period.Code.labels]


@login_required
@never_cache
def my_sheets(request: HttpRequest) -> HttpResponse:
    """'Sổ nhập đánh giá của tôi': every sheet the user enters, for each period."""
    pairs = writable_sheets(request.user)
    rows = _sheet_rows(pairs, {(c.pk, key) for c, key in pairs})
    # the review to-do (issue 4): open flags on the sheets the user writes
    flags = [
        {"flag": f, "label": sheet_label(f.sheet.key)}
        for f in open_flags_for_teacher(request.user)[:200]
    ]
    return render(
        request,
        "assessment/sheet_mine.html",
        {"rows": rows, "periods": _period_headers(), "open_flags": flags},
    )


@login_required
@never_cache
def class_sheets(request: HttpRequest, pk: int) -> HttpResponse:
    """All sheets of a class with their progress, for whoever may read the class."""
    class_group = people_access.access_class_for_user(request.user, pk)
    writable = {(c.pk, key) for c, key in writable_sheets(request.user) if c.pk == class_group.pk}
    rows = _sheet_rows([(class_group, key) for key in sheet_keys(class_group.grade)], writable)
    return render(
        request,
        "assessment/sheet_class.html",
        {"class_group": class_group, "rows": rows, "periods": _period_headers()},
    )


# -- the grid ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GridCell:
    column: Column
    level: str
    score: int | None
    comment: str
    flag: ReviewFlag | None = None  # the latest open review flag on this cell


@dataclass(frozen=True)
class GridRow:
    student: Student
    cells: list[GridCell]
    flag: ReviewFlag | None = None  # an open review flag on the pupil's whole row


@login_required
@never_cache
def sheet_grid(request: HttpRequest, pk: int, period_code: str, key: str) -> HttpResponse:
    """One row per pupil currently enrolled; a fixed number of queries whatever the class size."""
    ref = access_sheet_for_user(request.user, pk, period_code, key)
    class_group, period = ref.class_group, ref.period
    lock = lock_state((class_group, period, key))
    can_write = ref.can_write and not lock.locked  # a locked sheet is read-only for everyone
    columns = sheet_columns(key, class_group.grade, period.code)
    pupils = [
        e.student
        for e in Enrolment.objects.filter(class_group=class_group, transfer_out_on__isnull=True)
        .select_related("student")
        .order_by("student__full_name", "student__pk")
    ]
    # The version is read before the values: a save landing in between then shows up as a
    # conflict the teacher can resolve, never as a silent overwrite of a value not shown.
    sheet = Sheet.objects.filter(class_group=class_group, period=period, key=key).first()
    version = sheet.version if sheet else 0
    current = {
        (e.student_id, e.code): e
        for e in Entry.objects.current().filter(
            sheet__class_group=class_group, sheet__period=period, sheet__key=key
        )
    }
    # Review flags (issue 4): open ones mark their cells; the panel lists them all.
    flags = flags_of_sheet(sheet)
    flagged: dict[tuple[int | None, str], ReviewFlag] = {}
    for flag in flags:
        if flag.is_open:
            flagged.setdefault((flag.student_id, flag.code), flag)
    rows = []
    for pupil in pupils:
        cells = []
        for column in columns:
            entry = current.get((pupil.pk, column.code))
            cells.append(
                GridCell(
                    column,
                    entry.level if entry else "",
                    entry.score if entry else None,
                    entry.comment if entry else "",
                    flagged.get((pupil.pk, column.code)),
                )
            )
        rows.append(GridRow(pupil, cells, flagged.get((pupil.pk, ""))))
    config: dict[str, Any] = {
        "version": version,
        "canWrite": can_write,
        "values": {
            f"{row.student.pk}|{cell.column.code}": {
                "level": cell.level,
                "score": cell.score,
                "comment": cell.comment,
            }
            for row in rows
            for cell in row.cells
        },
    }
    if can_write:
        config["saveUrl"] = reverse("sheet_save", args=[class_group.pk, period.code, key])
        config["bank"] = comment_bank.as_json()
        config["commentMax"] = COMMENT_MAX
    chosen = request.GET.get("student", "")
    review = review_views.panel_context(
        request.user,
        ref,
        sheet=sheet,
        pupils=pupils,
        columns=columns,
        flags=flags,
        chosen_student=int(chosen) if chosen.isdigit() else None,
        chosen_code=request.GET.get("code", ""),
    )
    return render(
        request,
        "assessment/sheet_grid.html",
        {
            **review,
            "sheet_flag": flagged.get((None, "")),
            "class_group": class_group,
            "period": period,
            "key": key,
            "label": sheet_label(key),
            "columns": columns,
            "any_tested": any(c.tested for c in columns),
            "rows": rows,
            "can_write": can_write,
            "assigned": ref.can_write,
            "lock": lock,
            "version": version,
            "config": config,
            "other_periods": Period.objects.filter(school_year_id=class_group.school_year_id)
            .exclude(pk=period.pk)
            .order_by("order"),
        },
    )


# -- saving --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SavePayload:
    version: int
    idempotency_key: str
    cells: list[CellInput]


def _scalar(value: object) -> bool:
    return value is None or isinstance(value, str | int | float)


def _parse_cells(raw_cells: Iterable[object]) -> tuple[list[CellInput], list[str]]:
    cells: list[CellInput] = []
    errors: list[str] = []
    for n, raw in enumerate(raw_cells, start=1):
        if not isinstance(raw, dict):
            errors.append(_("Ô thứ %(n)d: cần một đối tượng JSON.") % {"n": n})
            continue
        student, code = raw.get("student"), raw.get("code")
        level, score, comment = raw.get("level"), raw.get("score"), raw.get("comment", "")
        if not isinstance(student, int) or isinstance(student, bool) or not isinstance(code, str):
            errors.append(_("Ô thứ %(n)d: thiếu mã học sinh hoặc mã cột hợp lệ.") % {"n": n})
        elif not (_scalar(level) and _scalar(score)):
            errors.append(_("Ô thứ %(n)d: mức hoặc điểm không đọc được.") % {"n": n})
        elif comment is not None and not isinstance(comment, str):
            errors.append(_("Ô thứ %(n)d: nhận xét phải là chữ.") % {"n": n})
        else:
            cells.append(CellInput(student, code, level, score, comment or ""))
    return cells, errors


def _parse_payload(body: bytes) -> tuple[SavePayload | None, list[str]]:
    """The save request, or Vietnamese messages saying why it cannot be read."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):  # JSONDecodeError and bad UTF-8 are ValueErrors
        return None, [_("Dữ liệu gửi lên không phải JSON hợp lệ; chưa có gì được lưu.")]
    if not isinstance(data, dict):
        return None, [_("Dữ liệu gửi lên phải là một đối tượng JSON; chưa có gì được lưu.")]
    version, key, raw_cells = data.get("version"), data.get("idempotency_key"), data.get("cells")
    errors = []
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        errors.append(_("Thiếu phiên bản sổ (version) hợp lệ."))
        version = 0
    if not isinstance(key, str):
        errors.append(_("Thiếu mã chống lưu trùng (idempotency key) hợp lệ."))
        key = ""
    if not isinstance(raw_cells, list) or len(raw_cells) > MAX_CELLS:
        errors.append(_("Danh sách ô (cells) không hợp lệ."))
        raw_cells = []
    cells, cell_errors = _parse_cells(raw_cells)
    errors += cell_errors
    if errors:
        return None, errors
    return SavePayload(version, key, cells), []


@login_required
@require_POST
def sheet_save(request: HttpRequest, pk: int, period_code: str, key: str) -> JsonResponse:
    """JSON save of some cells: 200, 409 with both values, 400 with messages, 423 when the
    sheet is locked; 403/404 first. The action checks access (once, in its transaction); a
    payload that cannot be read is answered only after the same check."""
    payload, errors = _parse_payload(request.body)
    if payload is None:
        access_sheet_for_user(request.user, pk, period_code, key, write=True)
        return JsonResponse({"errors": errors}, status=400)
    try:
        outcome = save_sheet(
            pk,
            period_code,
            key,
            payload.cells,
            base_version=payload.version,
            idempotency_key=payload.idempotency_key,
            acting_user=request.user,
        )
    except SheetConflict as exc:
        conflicts = [
            {
                "student": c.student_id,
                "code": c.code,
                "message": c.message(),
                "theirs": c.theirs.as_dict(),
                "yours": c.yours.as_dict(),
            }
            for c in exc.conflicts
        ]
        return JsonResponse({"conflicts": conflicts, "version": exc.version}, status=409)
    except SheetLocked as exc:
        return JsonResponse({"errors": exc.messages, "locked": True}, status=423)
    except ActionError as exc:
        return JsonResponse({"errors": exc.messages}, status=400)
    except OperationalError:
        # The database could not take the write in time (SQLite under many concurrent writers,
        # a PostgreSQL lock timeout): nothing was written; the grid retries with the same key.
        busy = JsonResponse(
            {"errors": [_("Máy chủ đang bận, chưa lưu được; đang thử lại…")], "retry": True},
            status=503,
        )
        busy["Retry-After"] = "2"
        return busy
    return JsonResponse(
        {"version": outcome.version, "changed": outcome.changed, "saved_at": outcome.saved_at}
    )


urlpatterns: list[URLPattern] = [
    path("so-diem/", my_sheets, name="my_sheets"),
    path("lop/<int:pk>/so-diem/", class_sheets, name="class_sheets"),
    path("lop/<int:pk>/so-diem/<str:period_code>/<str:key>/", sheet_grid, name="sheet_grid"),
    path("lop/<int:pk>/so-diem/<str:period_code>/<str:key>/luu/", sheet_save, name="sheet_save"),
]

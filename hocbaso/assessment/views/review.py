"""Rà soát trước khi khóa sổ (issue 4): the review panel of a sheet and its forms, and the
board of open flags per class.

The panel is part of the grid page (`sheets.sheet_grid`) and is re-rendered alone for htmx
requests; without JavaScript each form posts and redirects back to the grid. Who may do what
is decided by `actions.review` (reviewers raise, resolve and reopen; the sheet's writer
answers); these views read, parse, call the action and render.

The board (`review_board`) is read by whoever reads the whole school (its managers and
oversight) and by its group heads, who see the classes of their grades only, as on the
progress board; everybody else gets 404.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from hocbaso.assessment.access import SheetRef, access_sheet_for_user, can_review_class
from hocbaso.assessment.actions.review import (
    answer_flag,
    flags_of_sheet,
    open_flag_counts,
    open_flags,
    raise_flag,
    reopen_flag,
    resolve_flag,
)
from hocbaso.assessment.models import FlagMessage, ReviewFlag, Sheet
from hocbaso.assessment.progress import access_progress_for_user, board_classes
from hocbaso.assessment.sheets import Column, sheet_columns, sheet_label
from hocbaso.org.models import ClassGroup, Period
from hocbaso.people.errors import ActionError
from hocbaso.people.imports.classes import current_school_year
from hocbaso.people.models import Enrolment, Student

PANEL_TEMPLATE = "assessment/_review_panel.html"


# -- the panel -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FlagView:
    flag: ReviewFlag
    student: Student | None
    code: str
    cell_label: str  # "Lê Minh An — Toán" or "Cả sổ"
    messages: list[FlagMessage]

    @property
    def anchor(self) -> str:
        return f"flag-{self.flag.pk}"


def _cell_label(student: Student | None, code: str, labels: dict[str, str]) -> str:
    if student is None:
        return _("Cả sổ")
    item = labels.get(code, code) if code else _("mọi nội dung")
    return f"{student.full_name} — {item}"


def flag_views(flags: Sequence[ReviewFlag], columns: Sequence[Column]) -> list[FlagView]:
    labels = {c.code: c.label for c in columns}
    return [
        FlagView(
            f,
            f.student,
            f.code,
            _cell_label(f.student, f.code, labels),
            list(f.messages.all()),
        )
        for f in flags
    ]


def _int_or_none(raw: str | None) -> int | None:
    try:
        return int(raw) if raw else None
    except ValueError:
        return None


def panel_context(
    user: Any,
    ref: SheetRef,
    *,
    sheet: Sheet | None,
    pupils: Sequence[Student],
    columns: Sequence[Column],
    flags: Sequence[ReviewFlag] | None = None,
    chosen_student: int | None = None,
    chosen_code: str = "",
    text: str = "",
    errors: Sequence[str] = (),
    notice: str = "",
) -> dict[str, Any]:
    """What `_review_panel.html` needs; used by the grid page and by the htmx partials."""
    if flags is None:
        flags = flags_of_sheet(sheet)
    pupil_ids = {p.pk for p in pupils}
    codes = {c.code for c in columns}
    if chosen_student not in pupil_ids:
        chosen_student = None
    if chosen_code not in codes or chosen_student is None:
        chosen_code = ""
    views = flag_views(flags, columns)
    return {
        "class_group": ref.class_group,
        "period": ref.period,
        "key": ref.key,
        "review_flags": views,
        "review_open": sum(1 for v in views if v.flag.is_open),
        "review_pupils": pupils,
        "review_columns": columns,
        "can_review": can_review_class(user, ref.class_group),
        "can_answer": ref.can_write,
        "chosen_student": chosen_student,
        "chosen_code": chosen_code,
        "review_text": text,
        "review_errors": list(errors),
        "review_notice": notice,
    }


def _pupils(class_group: ClassGroup) -> list[Student]:
    return [
        e.student
        for e in Enrolment.objects.filter(class_group=class_group, transfer_out_on__isnull=True)
        .select_related("student")
        .order_by("student__full_name", "student__pk")
    ]


def _render_panel(
    request: HttpRequest,
    ref: SheetRef,
    *,
    chosen_student: int | None,
    chosen_code: str,
    text: str = "",
    errors: Sequence[str] = (),
    notice: str = "",
) -> HttpResponse:
    sheet = Sheet.objects.filter(
        class_group=ref.class_group, period=ref.period, key=ref.key
    ).first()
    context = panel_context(
        request.user,
        ref,
        sheet=sheet,
        pupils=_pupils(ref.class_group),
        columns=sheet_columns(ref.key, ref.class_group.grade, ref.period.code),
        chosen_student=chosen_student,
        chosen_code=chosen_code,
        text=text,
        errors=errors,
        notice=notice,
    )
    return render(request, PANEL_TEMPLATE, context)


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _grid_url(ref: SheetRef, student: int | None = None, code: str = "") -> str:
    url = reverse("sheet_grid", args=[ref.class_group.pk, ref.period.code, ref.key])
    query = {k: v for k, v in (("student", student), ("code", code)) if v}
    return url + (f"?{urlencode(query)}" if query else "") + "#ra-soat"


@login_required
@never_cache
@require_GET
def review_panel(request: HttpRequest, pk: int, period_code: str, key: str) -> HttpResponse:
    """The panel alone (htmx: choosing a cell); without htmx, the grid page at the panel."""
    ref = access_sheet_for_user(request.user, pk, period_code, key)
    student = _int_or_none(request.GET.get("student"))
    code = request.GET.get("code", "")
    if not _is_htmx(request):
        return redirect(_grid_url(ref, student, code))
    return _render_panel(
        request, ref, chosen_student=student, chosen_code=code, text=request.GET.get("text", "")
    )


def _respond(
    request: HttpRequest,
    ref: SheetRef,
    do: Callable[[], Any],
    *,
    done: str,
    student: int | None = None,
    code: str = "",
    text: str = "",
) -> HttpResponse:
    """Call the action; render the panel (htmx) or redirect back to the grid (no JS).
    PermissionDenied propagates (403); an ActionError is shown and nothing changed."""
    errors: list[str] = []
    try:
        do()
    except ActionError as exc:
        errors = list(exc.messages)
    if _is_htmx(request):
        return _render_panel(
            request,
            ref,
            chosen_student=student,
            chosen_code=code,
            text=text if errors else "",
            errors=errors,
            notice="" if errors else done,
        )
    for message in errors:
        messages.error(request, message)
    if not errors:
        messages.success(request, done)
    return redirect(_grid_url(ref, student, code))


@login_required
@require_POST
def review_flag_raise(request: HttpRequest, pk: int, period_code: str, key: str) -> HttpResponse:
    ref = access_sheet_for_user(request.user, pk, period_code, key)
    if not can_review_class(request.user, ref.class_group):
        raise PermissionDenied
    raw_student = request.POST.get("student", "")
    student = _int_or_none(raw_student)
    code = request.POST.get("code", "")[:40]
    text = request.POST.get("text", "")

    def do() -> None:
        if raw_student and student is None:
            raise ActionError(_("Học sinh không thuộc lớp này."))
        raise_flag(
            pk,
            period_code,
            key,
            student_id=student,
            code=code,
            text=text,
            acting_user=request.user,
        )

    return _respond(
        request, ref, do, done=_("Đã gắn cờ rà soát."), student=student, code=code, text=text
    )


def _flag_of(ref: SheetRef, flag_id: int) -> ReviewFlag:
    """The flag, if it belongs to the sheet of the URL (else 404)."""
    flag = ReviewFlag.objects.filter(
        pk=flag_id,
        sheet__class_group=ref.class_group,
        sheet__period=ref.period,
        sheet__key=ref.key,
    ).first()
    if flag is None:
        raise Http404
    return flag


def _flag_step(
    request: HttpRequest,
    pk: int,
    period_code: str,
    key: str,
    flag_id: int,
    action: Callable[..., ReviewFlag],
    done: str,
) -> HttpResponse:
    ref = access_sheet_for_user(request.user, pk, period_code, key)
    flag = _flag_of(ref, flag_id)
    text = request.POST.get("text", "")

    def do() -> None:
        action(flag.pk, text=text, acting_user=request.user)

    return _respond(request, ref, do, done=done, student=flag.student_id, code=flag.code)


@login_required
@require_POST
def review_flag_answer(
    request: HttpRequest, pk: int, period_code: str, key: str, flag_id: int
) -> HttpResponse:
    return _flag_step(request, pk, period_code, key, flag_id, answer_flag, _("Đã gửi câu trả lời."))


@login_required
@require_POST
def review_flag_resolve(
    request: HttpRequest, pk: int, period_code: str, key: str, flag_id: int
) -> HttpResponse:
    return _flag_step(
        request, pk, period_code, key, flag_id, resolve_flag, _("Đã đóng cờ rà soát.")
    )


@login_required
@require_POST
def review_flag_reopen(
    request: HttpRequest, pk: int, period_code: str, key: str, flag_id: int
) -> HttpResponse:
    return _flag_step(
        request, pk, period_code, key, flag_id, reopen_flag, _("Đã mở lại cờ rà soát.")
    )


# -- the board -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BoardSheet:
    key: str
    label: str
    open: int


@dataclass(frozen=True)
class BoardRow:
    class_group: ClassGroup
    open: int
    resolved: int
    sheets: list[BoardSheet]  # sheets with open flags


def board_rows(period: Period, classes: list[ClassGroup]) -> list[BoardRow]:
    """Open and resolved flags per class, and the sheets with open flags (3 queries)."""
    open_counts = open_flag_counts(period, classes)
    resolved = dict(
        ReviewFlag.objects.filter(
            sheet__period=period,
            sheet__class_group__in=classes,
            status=ReviewFlag.Status.RESOLVED,
        )
        .values("sheet__class_group_id")
        .annotate(n=Count("pk"))
        .values_list("sheet__class_group_id", "n")
    )
    per_sheet: dict[int, list[BoardSheet]] = {}
    for class_id, key, n in (
        open_flags(period, classes)
        .values("sheet__class_group_id", "sheet__key")
        .annotate(n=Count("pk"))
        .values_list("sheet__class_group_id", "sheet__key", "n")
        .order_by("sheet__class_group_id", "sheet__key")
    ):
        per_sheet.setdefault(class_id, []).append(BoardSheet(key, sheet_label(key), n))
    return [
        BoardRow(c, open_counts.get(c.pk, 0), resolved.get(c.pk, 0), per_sheet.get(c.pk, []))
        for c in classes
    ]


@login_required
@never_cache
@require_GET
def review_board(request: HttpRequest, pk: int, period_code: str) -> HttpResponse:
    try:
        school, grades = access_progress_for_user(request.user, pk)
    except PermissionDenied:
        raise Http404 from None  # teachers of the school do not see the board at all
    year = current_school_year(school, timezone.localdate())
    periods = list(Period.objects.filter(school_year=year).order_by("order")) if year else []
    period = next((p for p in periods if p.code == period_code), None)
    if year is None or period is None:
        raise Http404
    rows = board_rows(period, board_classes(school, period, grades))
    return render(
        request,
        "assessment/review_board.html",
        {
            "school": school,
            "year": year,
            "period": period,
            "periods": periods,
            "rows": rows,
            "grades": sorted(grades) if grades is not None else None,
            "total_open": sum(r.open for r in rows),
            "total_resolved": sum(r.resolved for r in rows),
        },
    )


SHEET = "lop/<int:pk>/so-diem/<str:period_code>/<str:key>/"

urlpatterns: list[URLPattern] = [
    path(f"{SHEET}ra-soat/", review_panel, name="review_panel"),
    path(f"{SHEET}co/", review_flag_raise, name="review_flag_raise"),
    path(f"{SHEET}co/<int:flag_id>/tra-loi/", review_flag_answer, name="review_flag_answer"),
    path(f"{SHEET}co/<int:flag_id>/dong/", review_flag_resolve, name="review_flag_resolve"),
    path(f"{SHEET}co/<int:flag_id>/mo-lai/", review_flag_reopen, name="review_flag_reopen"),
    path("truong/<int:pk>/ra-soat/<str:period_code>/", review_board, name="review_board"),
]

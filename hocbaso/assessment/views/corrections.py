"""Corrections after the lock (issue 4): the teacher files a request from a locked sheet, the
request page (withdraw, a signed biên bản, the principal's decision after re-entering the
password), the school's list and the biên bản file.

The views parse, authorise and call `actions.corrections`; the actions re-check everything.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Case, Count, IntegerField, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from hocbaso.assessment.access import SheetRef, access_sheet_for_user
from hocbaso.assessment.actions.corrections import (
    REASON_MAX,
    ReauthenticationRequired,
    Upload,
    access_correction_for_user,
    approve_correction,
    attach_bien_ban,
    corrections_visible_to,
    file_correction,
    open_bien_ban,
    reject_correction,
    sign_bien_ban,
    withdraw_correction,
)
from hocbaso.assessment.actions.locks import lock_state
from hocbaso.assessment.bien_ban_files import max_upload_bytes
from hocbaso.assessment.cell_writes import CellInput, CellValue, clean_comment
from hocbaso.assessment.models import BienBan, CorrectionRequest, Entry
from hocbaso.assessment.sheets import Column, sheet_columns, sheet_label
from hocbaso.people import access as people_access
from hocbaso.people.actions.accounts import (
    reauthenticate,
    reauthenticated_at,
    reauthentication_is_fresh,
)
from hocbaso.people.errors import ActionError
from hocbaso.people.models import Enrolment, Student
from hocbaso.people.scope import scope_for
from hocbaso.people.second_factor import step_up_factor
from hocbaso.people.views.accounts import client_ip
from hocbaso.signing.keystore import current_certificate

Status = CorrectionRequest.Status
GENERATED, UPLOADED = "generated", "uploaded"
EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}

# -- filing --------------------------------------------------------------------------------------


@dataclass
class FormCell:
    column: Column
    current: CellValue
    level: str  # what the form shows: the current value, or what the teacher typed
    score: str
    comment: str

    @property
    def current_shown(self) -> str:
        return self.current.shown()


@dataclass
class FormRow:
    student: Student
    cells: list[FormCell]


def _form_rows(ref: SheetRef) -> tuple[tuple[Column, ...], list[FormRow]]:
    """Every current pupil × item of the sheet with its current value (3 queries)."""
    class_group, period, key = ref.class_group, ref.period, ref.key
    columns = sheet_columns(key, class_group.grade, period.code)
    pupils = [
        e.student
        for e in Enrolment.objects.filter(class_group=class_group, transfer_out_on__isnull=True)
        .select_related("student")
        .order_by("student__full_name", "student__pk")
    ]
    current = {
        (e.student_id, e.code): e
        for e in Entry.objects.current().filter(
            sheet__class_group=class_group, sheet__period=period, sheet__key=key
        )
    }
    rows = []
    for pupil in pupils:
        cells = []
        for column in columns:
            entry = current.get((pupil.pk, column.code))
            value = CellValue(
                entry.level if entry else "",
                entry.score if entry else None,
                entry.comment if entry else "",
            )
            score = "" if value.score is None else str(value.score)
            cells.append(FormCell(column, value, value.level, score, value.comment))
        rows.append(FormRow(pupil, cells))
    return columns, rows


def _level(raw: str, column: Column) -> str:
    level = unicodedata.normalize("NFC", raw).strip().upper()
    if column.kind != Entry.Kind.SUBJECT and level == "D":
        return "Đ"  # as the grid reads it (D3)
    return level


def _changed_cells(post: Any, rows: list[FormRow]) -> list[CellInput]:
    """The cells whose posted value differs from the current one; the form keeps what was
    typed. A cell whose fields were not posted is left as is."""
    cells: list[CellInput] = []
    for row in rows:
        for cell in row.cells:
            name = f"{row.student.pk}-{cell.column.code}"
            if f"level-{name}" not in post:
                continue
            cell.level = _level(post.get(f"level-{name}", ""), cell.column)
            cell.score = post.get(f"score-{name}", "").strip() if cell.column.tested else ""
            cell.comment = clean_comment(post.get(f"comment-{name}", ""))
            old = cell.current
            old_score = "" if old.score is None or not cell.column.tested else str(old.score)
            if (cell.level, cell.score, cell.comment) == (old.level, old_score, old.comment):
                continue
            cells.append(
                CellInput(
                    row.student.pk,
                    cell.column.code,
                    cell.level or None,
                    cell.score or None,
                    cell.comment,
                )
            )
    return cells


def _read_upload(request: HttpRequest, *, required: bool) -> tuple[Upload | None, list[str]]:
    """The signed biên bản sent with the form, read up to the size cap."""
    if not required and request.POST.get("bien_ban") != UPLOADED:
        return None, []
    file = request.FILES.get("bien_ban_file")
    if file is None:
        return None, [_("Hãy chọn tệp biên bản đã kí (PDF hoặc ảnh JPEG/PNG).")]
    limit = max_upload_bytes()
    if file.size is not None and file.size > limit:
        mb = f"{limit / (1024 * 1024):.3g}"
        return None, [_("Tệp biên bản quá lớn: tối đa %(mb)s MB.") % {"mb": mb}]
    data = file.read(limit + 1)
    return Upload(data, file.name or ""), []


@login_required
@never_cache
def correction_new(request: HttpRequest, pk: int, period_code: str, key: str) -> HttpResponse:
    """The teacher's request to change cells of their locked sheet."""
    ref = access_sheet_for_user(request.user, pk, period_code, key, write=True)
    if not lock_state((ref.class_group, ref.period, key)).locked:
        messages.info(request, _("Sổ đang mở: hãy sửa trực tiếp trên sổ."))
        return redirect("sheet_grid", pk=pk, period_code=period_code, key=key)
    columns, rows = _form_rows(ref)
    errors: list[str] = []
    reason, source = "", GENERATED
    if request.method == "POST":
        reason = request.POST.get("reason", "")
        source = UPLOADED if request.POST.get("bien_ban") == UPLOADED else GENERATED
        cells = _changed_cells(request.POST, rows)
        upload, errors = _read_upload(request, required=False)
        if not errors:
            try:
                correction = file_correction(
                    pk,
                    period_code,
                    key,
                    cells,
                    reason=reason,
                    acting_user=request.user,
                    upload=upload,
                    pin="" if upload else request.POST.get("pin", ""),
                )
            except ActionError as exc:
                errors = exc.messages
            else:
                messages.success(
                    request,
                    _("Đã gửi đề nghị sửa số %(n)s; đang chờ Hiệu trưởng duyệt.")
                    % {"n": correction.number},
                )
                return redirect("correction_detail", pk=correction.pk)
    return render(
        request,
        "assessment/correction_new.html",
        {
            "class_group": ref.class_group,
            "period": ref.period,
            "key": key,
            "label": sheet_label(key),
            "columns": columns,
            "any_tested": any(c.tested for c in columns),
            "rows": rows,
            "errors": errors,
            "reason": reason,
            "source": source,
            "has_certificate": current_certificate(user=request.user) is not None,
            "reason_max": REASON_MAX,
            "max_mb": f"{max_upload_bytes() / (1024 * 1024):.3g}",
        },
    )


# -- the request page ----------------------------------------------------------------------------


@login_required
@never_cache
@require_GET
def correction_detail(request: HttpRequest, pk: int) -> HttpResponse:
    correction = access_correction_for_user(request.user, pk)
    sheet = correction.sheet
    class_group, period = sheet.class_group, sheet.period
    labels = {c.code: c.label for c in sheet_columns(sheet.key, class_group.grade, period.code)}
    cells = [
        {
            "cell": c,
            "label": labels.get(c.code, c.code),
            "old": CellValue(c.old_level, c.old_score, c.old_comment).shown(),
            "new": CellValue(c.new_level, c.new_score, c.new_comment).shown(),
        }
        for c in correction.cells.select_related("student").order_by("student__full_name", "code")
    ]
    bien_bans = list(correction.bien_bans.select_related("created_by"))
    pending = correction.status == Status.PENDING
    is_requester = correction.requested_by_id == request.user.pk
    is_principal = correction.school_id in scope_for(request.user).principal_school_ids
    return render(
        request,
        "assessment/correction_detail.html",
        {
            "correction": correction,
            "school": class_group.school,
            "class_group": class_group,
            "period": period,
            "label": sheet_label(sheet.key),
            "cells": cells,
            "bien_bans": bien_bans,
            "current_bien_ban": bien_bans[-1] if bien_bans else None,
            "pending": pending,
            "is_requester": is_requester,
            "is_principal": is_principal,
            "can_withdraw": pending and is_requester,
            "can_decide": pending and is_principal and not is_requester,
            "can_sign": pending
            and is_requester
            and bool(bien_bans)
            and bien_bans[-1].signing == BienBan.Signing.UNSIGNED,
            "needs_countersign": bool(bien_bans)
            and bien_bans[-1].signing == BienBan.Signing.REQUESTER,
            "has_certificate": current_certificate(user=request.user) is not None,
            "fresh": reauthentication_is_fresh(reauthenticated_at(request.session)),
            "step_up_asks_code": step_up_factor(request.user) == "totp",
            "reason_max": REASON_MAX,
            "max_mb": f"{max_upload_bytes() / (1024 * 1024):.3g}",
        },
    )


def _as_requester(request: HttpRequest, pk: int) -> CorrectionRequest:
    correction = access_correction_for_user(request.user, pk)  # 404 / 403
    if correction.requested_by_id != request.user.pk:
        raise PermissionDenied
    return correction


def _as_principal(request: HttpRequest, pk: int) -> CorrectionRequest:
    correction = access_correction_for_user(request.user, pk)  # 404 / 403
    if correction.school_id not in scope_for(request.user).principal_school_ids:
        raise PermissionDenied
    return correction


def _show_errors(request: HttpRequest, exc: ActionError) -> None:
    for message in exc.messages:
        messages.error(request, message)


@login_required
@require_POST
def correction_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    _as_requester(request, pk)
    try:
        withdraw_correction(pk, acting_user=request.user)
    except ActionError as exc:
        _show_errors(request, exc)
    else:
        messages.success(request, _("Đã rút đề nghị sửa."))
    return redirect("correction_detail", pk=pk)


@login_required
@require_POST
def correction_attach(request: HttpRequest, pk: int) -> HttpResponse:
    """The requester replaces the biên bản with a signed scan while the request is pending."""
    _as_requester(request, pk)
    upload, errors = _read_upload(request, required=True)
    for message in errors:
        messages.error(request, message)
    if upload is not None:
        try:
            attach_bien_ban(pk, upload, acting_user=request.user)
        except ActionError as exc:
            _show_errors(request, exc)
        else:
            messages.success(request, _("Đã tải lên biên bản đã kí."))
    return redirect("correction_detail", pk=pk)


@login_required
@require_POST
def correction_sign(request: HttpRequest, pk: int) -> HttpResponse:
    """The requester digitally signs the generated biên bản (PIN of their certificate)."""
    _as_requester(request, pk)
    try:
        sign_bien_ban(pk, pin=request.POST.get("pin", ""), acting_user=request.user)
    except ActionError as exc:
        _show_errors(request, exc)
    else:
        messages.success(request, _("Đã kí số biên bản."))
    return redirect("correction_detail", pk=pk)


def _step_up(request: HttpRequest) -> bool:
    """A password typed in the decision form (with the authenticator's code when the user has a
    second factor) re-authenticates first (throttled and audited by the action); without one,
    the session's last re-authentication counts."""
    password = request.POST.get("password", "")
    if not password:
        return True
    outcome = reauthenticate(
        request.user,
        password,
        code=request.POST.get("code", ""),
        session=request.session,
        ip=client_ip(request),
    )
    if outcome:
        return True
    messages.error(request, outcome.error)
    return False


def _reauth_redirect(request: HttpRequest, here: str, exc: ActionError) -> HttpResponse:
    _show_errors(request, exc)
    return redirect(f"{reverse('reauthenticate')}?{urlencode({'next': here})}")


def _cell_ids(post: Any) -> list[int] | None:
    try:
        return [int(v) for v in post.getlist("cell")]
    except ValueError:
        return None


@login_required
@require_POST
def correction_approve(request: HttpRequest, pk: int) -> HttpResponse:
    _as_principal(request, pk)
    here = reverse("correction_detail", args=[pk])
    if not _step_up(request):
        return redirect(here)
    cell_ids = _cell_ids(request.POST)
    if cell_ids is None:
        messages.error(request, _("Danh sách ô được duyệt không hợp lệ; chưa có gì thay đổi."))
        return redirect(here)
    try:
        approve_correction(
            pk,
            acting_user=request.user,
            reauthenticated_at=reauthenticated_at(request.session),
            cell_ids=cell_ids,
            note=request.POST.get("note", ""),
            pin=request.POST.get("pin", ""),
        )
    except ReauthenticationRequired as exc:
        return _reauth_redirect(request, here, exc)
    except ActionError as exc:
        _show_errors(request, exc)
    else:
        messages.success(request, _("Đã duyệt đề nghị: các ô được duyệt đã được sửa trên sổ."))
    return redirect(here)


@login_required
@require_POST
def correction_reject(request: HttpRequest, pk: int) -> HttpResponse:
    _as_principal(request, pk)
    here = reverse("correction_detail", args=[pk])
    if not _step_up(request):
        return redirect(here)
    try:
        reject_correction(
            pk,
            acting_user=request.user,
            reauthenticated_at=reauthenticated_at(request.session),
            note=request.POST.get("note", ""),
        )
    except ReauthenticationRequired as exc:
        return _reauth_redirect(request, here, exc)
    except ActionError as exc:
        _show_errors(request, exc)
    else:
        messages.success(request, _("Đã từ chối đề nghị; sổ không thay đổi."))
    return redirect(here)


# -- the school's list ---------------------------------------------------------------------------


@login_required
@never_cache
@require_GET
def school_corrections(request: HttpRequest, pk: int) -> HttpResponse:
    """The requests of a school the user may see: pending first, then the newest."""
    requests = corrections_visible_to(request.user, pk)  # 404 when the school is hidden
    school = people_access.access_school_for_user(request.user, pk)
    counts = dict(
        requests.order_by().values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    status = request.GET.get("status", "")
    if status in Status.values:
        requests = requests.filter(status=status)
    else:
        status = ""
    requests = requests.annotate(
        cell_count=Count("cells"),
        pending_first=Case(
            When(status=Status.PENDING, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
    ).order_by("pending_first", "-requested_at", "-pk")
    page = Paginator(requests, 50).get_page(request.GET.get("page"))
    rows = [{"correction": c, "label": sheet_label(c.sheet.key)} for c in page.object_list]
    return render(
        request,
        "assessment/correction_list.html",
        {
            "school": school,
            "page": page,
            "rows": rows,
            "status": status,
            "statuses": [(value, label, counts.get(value, 0)) for value, label in Status.choices],
            "total": sum(counts.values()),
        },
    )


# -- the biên bản file ---------------------------------------------------------------------------


@login_required
@require_GET
def bien_ban_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The stored file, read through the audited action; never rendered by this site."""
    try:
        bien_ban, data = open_bien_ban(pk, acting_user=request.user)
    except ActionError as exc:
        return HttpResponse(
            "\n".join(exc.messages), status=404, content_type="text/plain; charset=utf-8"
        )
    extension = EXTENSIONS.get(bien_ban.content_type, "bin")
    response = HttpResponse(data, content_type=bien_ban.content_type)
    name = f"bien-ban-{bien_ban.request_id}-{bien_ban.pk}.{extension}"
    # The system's own PDF opens in the browser; an uploaded PDF is downloaded (it passed the
    # checks of bien_ban_files, but a viewer outside the browser is its safer reader).
    uploaded_pdf = extension == "pdf" and bien_ban.source == BienBan.Source.UPLOADED
    disposition = "attachment" if uploaded_pdf else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    if extension != "pdf":
        response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    return response


urlpatterns: list[URLPattern] = [
    path(
        "lop/<int:pk>/so-diem/<str:period_code>/<str:key>/de-nghi-sua/",
        correction_new,
        name="correction_new",
    ),
    path("de-nghi-sua/<int:pk>/", correction_detail, name="correction_detail"),
    path("de-nghi-sua/<int:pk>/rut/", correction_withdraw, name="correction_withdraw"),
    path("de-nghi-sua/<int:pk>/bien-ban/", correction_attach, name="correction_attach"),
    path("de-nghi-sua/<int:pk>/ki-bien-ban/", correction_sign, name="correction_sign"),
    path("de-nghi-sua/<int:pk>/duyet/", correction_approve, name="correction_approve"),
    path("de-nghi-sua/<int:pk>/tu-choi/", correction_reject, name="correction_reject"),
    path("truong/<int:pk>/de-nghi-sua/", school_corrections, name="school_corrections"),
    path("bien-ban/<int:pk>/", bien_ban_file, name="bien_ban_file"),
]

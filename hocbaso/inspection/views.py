"""The audit trail screen (school and province), its exports, and a pupil's history.
Parse → authorise (inspection.access) → call; nothing else here."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from hocbaso.inspection.access import access_student_history_for_user, trail_scope_for_user
from hocbaso.inspection.actions import ExportTooLarge, export_trail, record_trail_view
from hocbaso.inspection.exports import csv_stream, xlsx_file
from hocbaso.inspection.forms import TrailFilterForm
from hocbaso.inspection.history import student_history
from hocbaso.inspection.trail import (
    EXPORT_HEADER,
    EXPORT_WIDTHS,
    TrailFilter,
    TrailPage,
    iter_export_rows,
    trail_page,
)
from hocbaso.people.exports.cells import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, ExportFormat

TRAIL_URLS = {"school": "audit_trail_school", "province": "audit_trail_province"}
EXPORT_URLS = {"school": "audit_trail_school_export", "province": "audit_trail_province_export"}


def _cursor(request: HttpRequest, name: str) -> int | None:
    raw = request.GET.get(name, "")
    return int(raw) if raw.isdigit() else None


def _trail(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    scope = trail_scope_for_user(request.user, kind, pk)
    form = TrailFilterForm(request.GET or None)
    page, flt = TrailPage(), TrailFilter()
    if not form.is_bound or form.is_valid():
        flt = TrailFilter.from_cleaned(form.cleaned_data if form.is_bound else {})
        before, after = _cursor(request, "truoc"), _cursor(request, "sau")
        page = trail_page(scope, flt, before=before, after=after)
        cursor = f"truoc={before}" if before else f"sau={after}" if after else ""
        record_trail_view(scope, flt, page, cursor=cursor, acting_user=request.user)
    query = urlencode(flt.as_data())
    return render(
        request,
        "inspection/trail.html",
        {
            "scope": scope,
            "form": form,
            "page": page,
            "query": query,
            "trail_url": reverse(TRAIL_URLS[kind], args=[pk]),
            "csv_url": reverse(EXPORT_URLS[kind], args=[pk, "csv"]),
            "xlsx_url": reverse(EXPORT_URLS[kind], args=[pk, "xlsx"]),
        },
    )


def _export(request: HttpRequest, kind: str, pk: int, fmt: str) -> HttpResponseBase:
    if fmt not in (ExportFormat.CSV, ExportFormat.XLSX):
        raise Http404
    scope = trail_scope_for_user(request.user, kind, pk)
    back = reverse(TRAIL_URLS[kind], args=[pk])
    form = TrailFilterForm(request.GET)
    if not form.is_valid():
        return redirect(f"{back}?{request.GET.urlencode()}")
    flt = TrailFilter.from_cleaned(form.cleaned_data)
    try:
        export = export_trail(scope, flt, fmt, acting_user=request.user)
    except ExportTooLarge as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(f"{back}?{urlencode(flt.as_data())}")
    rows = iter_export_rows(export.events, export.rows)
    response: HttpResponseBase
    if export.fmt is ExportFormat.CSV:
        response = StreamingHttpResponse(
            csv_stream(EXPORT_HEADER, rows), content_type=CSV_CONTENT_TYPE
        )
        response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
        return response
    with xlsx_file(EXPORT_HEADER, rows, title="Nhật kí hệ thống", widths=EXPORT_WIDTHS) as f:
        response = HttpResponse(f.read(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response


@login_required
@never_cache
@require_GET
def audit_trail_school(request: HttpRequest, pk: int) -> HttpResponse:
    return _trail(request, "school", pk)


@login_required
@never_cache
@require_GET
def audit_trail_province(request: HttpRequest, pk: int) -> HttpResponse:
    return _trail(request, "province", pk)


@login_required
@never_cache
@require_GET
def audit_trail_school_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponseBase:
    return _export(request, "school", pk, fmt)


@login_required
@never_cache
@require_GET
def audit_trail_province_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponseBase:
    return _export(request, "province", pk, fmt)


@login_required
@never_cache
@require_GET
def student_history_view(request: HttpRequest, pk: int) -> HttpResponse:
    student = access_student_history_for_user(request.user, pk)
    return render(request, "inspection/student_history.html", {"history": student_history(student)})


urlpatterns: list[URLPattern] = [
    path("nhat-ki/truong/<int:pk>/", audit_trail_school, name="audit_trail_school"),
    path("nhat-ki/tinh/<int:pk>/", audit_trail_province, name="audit_trail_province"),
    path(
        "nhat-ki/truong/<int:pk>/xuat.<str:fmt>",
        audit_trail_school_export,
        name="audit_trail_school_export",
    ),
    path(
        "nhat-ki/tinh/<int:pk>/xuat.<str:fmt>",
        audit_trail_province_export,
        name="audit_trail_province_export",
    ),
    path("hoc-sinh/<int:pk>/lich-su/", student_history_view, name="student_history"),
]

"""Bảng tổng hợp of a class at a period: the page, the .xlsx and the PDF (spec §6.3).

Readable by whoever reads the class (people.access); each download writes its
``export.class_summary`` event.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from hocbaso.assessment.summary import access_summary_for_user, build_summary
from hocbaso.assessment.summary_pdf import export_summary_pdf
from hocbaso.assessment.summary_xlsx import export_summary_xlsx
from hocbaso.org.models import Period
from hocbaso.people.exports.cells import ExportFile


def _download(export: ExportFile) -> HttpResponse:
    response = HttpResponse(export.content, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response


@login_required
@never_cache
@require_GET
def class_summary(request: HttpRequest, pk: int, period_code: str) -> HttpResponse:
    class_group, period = access_summary_for_user(request.user, pk, period_code)
    summary = build_summary(class_group, period)
    periods = Period.objects.filter(school_year_id=class_group.school_year_id).order_by("order")
    return render(
        request,
        "assessment/summary.html",
        {
            "summary": summary,
            "class_group": class_group,
            "periods": periods,
            "body_rows": [
                [(value, column) for value, column in zip(row.cells, summary.columns, strict=True)]
                for row in summary.rows
            ],
            "count_rows": [
                (r.label, r.cells[summary.identity_width :]) for r in summary.count_rows
            ],
        },
    )


@login_required
@never_cache
@require_GET
def class_summary_xlsx(request: HttpRequest, pk: int, period_code: str) -> HttpResponse:
    return _download(export_summary_xlsx(pk, period_code, acting_user=request.user))


@login_required
@never_cache
@require_GET
def class_summary_pdf(request: HttpRequest, pk: int, period_code: str) -> HttpResponse:
    return _download(export_summary_pdf(pk, period_code, acting_user=request.user))


urlpatterns: list[URLPattern] = [
    path("lop/<int:pk>/tong-hop/<str:period_code>/", class_summary, name="class_summary"),
    path(
        "lop/<int:pk>/tong-hop/<str:period_code>.xlsx",
        class_summary_xlsx,
        name="class_summary_xlsx",
    ),
    path(
        "lop/<int:pk>/tong-hop/<str:period_code>.pdf", class_summary_pdf, name="class_summary_pdf"
    ),
]

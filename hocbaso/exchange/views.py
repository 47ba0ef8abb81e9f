"""Screens of the exchange: downloads for a school's management and for the Sở, and the Sở's
push queue (queue, attempts, send again). Views parse, authorise and call actions only."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from hocbaso.exchange import access
from hocbaso.exchange.exports.actions import ExportRequest, export_exchange
from hocbaso.exchange.exports.rows import PERIOD_CODES
from hocbaso.exchange.models import PushJob, Target
from hocbaso.exchange.push.actions import queue_pushes, requeue_job
from hocbaso.org.models import Province, SchoolYear
from hocbaso.people.errors import ActionError
from hocbaso.people.exports.cells import ExportFile

KIND_SLUGS = {"hoc-sinh": "pupils", "ket-qua": "results", "hoc-ba": "records"}
DOWNLOADS = (
    ("hoc-sinh", gettext_lazy("Danh sách học sinh")),
    ("ket-qua", gettext_lazy("Kết quả đánh giá theo kì")),
    ("hoc-ba", gettext_lazy("Học bạ số đã phát hành")),
)


def _years(province_id: int) -> list[SchoolYear]:
    return list(SchoolYear.objects.filter(province_id=province_id).order_by("-starts_on"))


def _chosen_year(request: HttpRequest, years: list[SchoolYear]) -> SchoolYear | None:
    wanted = request.GET.get("nam", "")
    today = timezone.localdate()
    for year in years:
        if year.code == wanted:
            return year
    running = [y for y in years if y.starts_on <= today <= y.ends_on]
    return running[0] if running else (years[0] if years else None)


def _download(export: ExportFile) -> HttpResponse:
    response = HttpResponse(export.content, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response["Cache-Control"] = "no-store, private"
    return response


def _request(kind: str, fmt: str, year: str, period: str, **where: int) -> ExportRequest:
    if kind not in KIND_SLUGS or fmt not in ("xml", "xlsx"):
        raise Http404
    if period and period not in PERIOD_CODES:
        raise Http404
    return ExportRequest(KIND_SLUGS[kind], fmt, year, period=period or None, **where)


def _page_context(request: HttpRequest, province_id: int) -> dict[str, Any]:
    years = _years(province_id)
    return {
        "years": years,
        "year": _chosen_year(request, years),
        "downloads": DOWNLOADS,
        "periods": list(PERIOD_CODES),
    }


@login_required
@require_GET
@never_cache
def school_page(request: HttpRequest, pk: int) -> HttpResponse:
    school = access.access_school_export(request.user, pk)
    province_id = school.commune.province_id
    context = {
        "school": school,
        "province_page": access.is_province_officer(request.user, province_id) and province_id,
        **_page_context(request, province_id),
    }
    return render(request, "exchange/school.html", context)


@login_required
@require_GET
@never_cache
def school_file(request: HttpRequest, pk: int, year: str, kind: str, fmt: str) -> HttpResponse:
    school = access.access_school_export(request.user, pk)
    export_request = _request(kind, fmt, year, request.GET.get("ky", ""), school_id=school.pk)
    try:
        export = export_exchange(export_request, acting_user=request.user)
    except ActionError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("exchange_school", pk=school.pk)
    return _download(export)


def _summary(province: Province) -> list[dict[str, Any]]:
    counts = {
        (row["target"], row["status"]): row["n"]
        for row in PushJob.objects.filter(school__commune__province=province)
        .values("target", "status")
        .annotate(n=Count("pk"))
    }
    return [
        {
            "target": target,
            "label": target.label,
            "counts": [(s.label, counts.get((target.value, s.value), 0)) for s in PushJob.Status],
        }
        for target in Target
    ]


@login_required
@require_GET
@never_cache
def province_page(request: HttpRequest, pk: int) -> HttpResponse:
    province = access.access_province_exchange(request.user, pk)
    jobs = (
        PushJob.objects.filter(school__commune__province=province)
        .exclude(status=PushJob.Status.DELIVERED)
        .select_related("school")
        .order_by("-created_at", "-pk")[:200]
    )
    context = {
        "province": province,
        "summary": _summary(province),
        "jobs": jobs,
        "targets": list(Target),
        **_page_context(request, province.pk),
    }
    return render(request, "exchange/province.html", context)


@login_required
@require_GET
@never_cache
def province_file(request: HttpRequest, pk: int, year: str, kind: str, fmt: str) -> HttpResponse:
    province = access.access_province_exchange(request.user, pk)
    export_request = _request(kind, fmt, year, request.GET.get("ky", ""), province_id=province.pk)
    try:
        export = export_exchange(export_request, acting_user=request.user)
    except ActionError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("exchange_province", pk=province.pk)
    return _download(export)


@login_required
@require_POST
def queue(request: HttpRequest, pk: int, target: str) -> HttpResponse:
    province = access.access_province_exchange(request.user, pk)
    if target not in Target.values:
        raise Http404
    try:
        jobs = queue_pushes(target, acting_user=request.user, province_id=province.pk)
    except ActionError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("Đã đưa %(n)s trang học bạ vào hàng đợi gửi.") % {"n": len(jobs)}
        )
    return redirect("exchange_province", pk=province.pk)


def _job(province: Province, job_id: int) -> PushJob:
    job = (
        PushJob.objects.select_related("school", "page")
        .filter(pk=job_id, school__commune__province=province)
        .first()
    )
    if job is None:
        raise Http404
    return job


@login_required
@require_GET
@never_cache
def job_page(request: HttpRequest, pk: int, job_id: int) -> HttpResponse:
    province = access.access_province_exchange(request.user, pk)
    job = _job(province, job_id)
    context = {"province": province, "job": job, "attempts": job.attempt_log.all()}
    return render(request, "exchange/job.html", context)


@login_required
@require_POST
def requeue(request: HttpRequest, pk: int, job_id: int) -> HttpResponse:
    province = access.access_province_exchange(request.user, pk)
    job = _job(province, job_id)
    try:
        requeue_job(job.pk, acting_user=request.user)
    except ActionError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Đã đưa lượt gửi trở lại hàng đợi."))
    return redirect("exchange_job", pk=province.pk, job_id=job.pk)

"""Import (dry run, then apply) and export of a school's pupils and staff."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from hocbaso.people import access
from hocbaso.people.actions.imports import import_staff, import_students
from hocbaso.people.errors import ActionError
from hocbaso.people.exports.cells import ExportFile
from hocbaso.people.exports.staff import export_staff
from hocbaso.people.exports.students import export_students
from hocbaso.people.imports.report import ImportReport
from hocbaso.people.imports.templates import staff_template, student_template
from hocbaso.people.upload_staging import discard, read_staged, stage

KINDS: dict[str, dict[str, Any]] = {
    "hoc-sinh": {
        "title": gettext_lazy("Nhập danh sách học sinh"),
        "run": import_students,
        "export": export_students,
        "template": student_template,
        "stem": "hoc-sinh",
    },
    "can-bo": {
        "title": gettext_lazy("Nhập danh sách cán bộ, giáo viên"),
        "run": import_staff,
        "export": export_staff,
        "template": staff_template,
        "stem": "can-bo",
    },
}


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Tệp .xlsx hoặc .csv"))


def _kind(kind: str) -> dict[str, Any]:
    if kind not in KINDS:
        raise Http404
    return KINDS[kind]


def _download(export: ExportFile) -> HttpResponse:
    response = HttpResponse(export.content, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response["Cache-Control"] = "no-store, private"
    return response


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def import_file(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    school = access.access_managed_school_for_user(request.user, pk)
    spec = _kind(kind)
    run: Callable[..., ImportReport] = spec["run"]
    context: dict[str, Any] = {"school": school, "kind": kind, "title": spec["title"]}
    form = UploadForm()
    if request.method == "POST":
        staged = request.POST.get("staged", "")
        try:
            if staged:  # the apply step: the very file of the dry run, checked again
                data = read_staged(staged)
                if data is None:
                    raise ActionError(_("Tệp đã kiểm tra không còn; hãy tải lên lại."))
                name = request.POST.get("file_name", "")[:200]
                report = run(school.pk, data, name, acting_user=request.user, dry_run=False)
                if report.applied:
                    discard(staged)
            else:
                form = UploadForm(request.POST, request.FILES)
                if not form.is_valid():
                    raise ActionError(_("Hãy chọn một tệp .xlsx hoặc .csv."))
                upload = form.cleaned_data["file"]
                if upload.size > settings.IMPORT_MAX_UPLOAD_BYTES:
                    limit = settings.IMPORT_MAX_UPLOAD_BYTES // (1024 * 1024)
                    raise ActionError(_("Tệp quá lớn: tối đa %(mb)s MB.") % {"mb": limit})
                data = upload.read()
                report = run(school.pk, data, upload.name, acting_user=request.user, dry_run=True)
                if not report.errors and getattr(report, "to_create", None):
                    context["staged"] = stage(data)
            context["report"] = report
        except ActionError as exc:
            context["error"] = " ".join(exc.messages)
    context["form"] = form
    status = 200 if "error" not in context else 400
    return render(request, "people/import.html", context, status=status)


@login_required
@never_cache
def export_file(request: HttpRequest, pk: int, kind: str, fmt: str) -> HttpResponse:
    school = access.access_managed_school_for_user(request.user, pk)
    spec = _kind(kind)
    if fmt not in ("xlsx", "csv"):
        raise Http404
    class_id = request.GET.get("lop")
    kwargs: dict[str, Any] = {"acting_user": request.user, "fmt": fmt}
    if class_id and kind == "hoc-sinh":
        if not class_id.isdigit():
            raise Http404
        kwargs["class_group_id"] = int(class_id)
    try:
        export = spec["export"](school.pk, **kwargs)
    except ActionError as exc:
        return render(
            request,
            "people/import.html",
            {"school": school, "error": " ".join(exc.messages)},
            status=400,
        )
    return _download(export)


@login_required
def import_template(request: HttpRequest, pk: int, kind: str, fmt: str) -> HttpResponse:
    access.access_managed_school_for_user(request.user, pk)
    spec = _kind(kind)
    if fmt not in ("xlsx", "csv"):
        raise Http404
    return _download(spec["template"](fmt))

"""The Excel round trip of a sheet: download (readers of the class), then upload → dry-run
diff → apply of the staged bytes (the sheet's writers only)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from hocbaso.assessment.access import access_sheet_for_user
from hocbaso.assessment.actions.import_sheet import (
    SheetImportReport,
    export_sheet,
    import_sheet,
)
from hocbaso.assessment.sheets import sheet_columns, sheet_label
from hocbaso.assessment.workbook import CLEAR_HELP
from hocbaso.people.imports.report import RowError
from hocbaso.people.upload_staging import discard, read_staged, stage


class SheetUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Tệp Excel (.xlsx) của sổ"))


@login_required
@never_cache
@require_GET
def sheet_xlsx(request: HttpRequest, pk: int, period_code: str, key: str) -> HttpResponse:
    export = export_sheet(pk, period_code, key, acting_user=request.user)
    response = HttpResponse(export.content, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response["Cache-Control"] = "no-store, private"
    return response


def _refused(message: str, file_name: str = "") -> SheetImportReport:
    report = SheetImportReport(file_name=file_name, sha256="", dry_run=True)
    report.errors.append(RowError(None, message))
    return report


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def sheet_import(request: HttpRequest, pk: int, period_code: str, key: str) -> HttpResponse:
    ref = access_sheet_for_user(request.user, pk, period_code, key, write=True)
    columns = sheet_columns(key, ref.class_group.grade, ref.period.code)
    context: dict[str, Any] = {
        "class_group": ref.class_group,
        "period": ref.period,
        "key": key,
        "label": sheet_label(key),
        "columns": columns,
        "clear_help": CLEAR_HELP,
    }
    form = SheetUploadForm()
    report: SheetImportReport | None = None
    if request.method == "POST":
        staged = request.POST.get("staged", "")
        file_name = request.POST.get("file_name", "")[:200] or "so-diem.xlsx"
        if staged:  # the apply: the very bytes of the dry run, read and checked again
            data = read_staged(staged)
            if data is None:
                report = _refused(_("Tệp đã kiểm tra không còn; hãy tải lên lại."), file_name)
            else:
                report = import_sheet(
                    pk, period_code, key, data, file_name, acting_user=request.user, dry_run=False
                )
                if report.applied:
                    discard(staged)
        else:
            form = SheetUploadForm(request.POST, request.FILES)
            if not form.is_valid():
                report = _refused(_("Hãy chọn tệp Excel (.xlsx) của sổ."))
            elif form.cleaned_data["file"].size > settings.IMPORT_MAX_UPLOAD_BYTES:
                limit = settings.IMPORT_MAX_UPLOAD_BYTES // (1024 * 1024)
                report = _refused(_("Tệp quá lớn: tối đa %(mb)s MB.") % {"mb": limit})
            else:
                upload = form.cleaned_data["file"]
                data = upload.read()
                report = import_sheet(
                    pk, period_code, key, data, upload.name, acting_user=request.user
                )
                if report.can_apply:
                    context["staged"] = stage(data)
    context["form"] = form
    context["report"] = report
    return render(request, "assessment/workbook_import.html", context)


urlpatterns: list[URLPattern] = [
    path("lop/<int:pk>/so-diem/<str:period_code>/<str:key>.xlsx", sheet_xlsx, name="sheet_xlsx"),
    path(
        "lop/<int:pk>/so-diem/<str:period_code>/<str:key>/nhap/",
        sheet_import,
        name="sheet_import",
    ),
]

"""Downloads of issued year pages (the sealed PDF, the XML, the XAdES-signed XML) and a
record's issuance log.

Every file goes through `issuance_log.open_issued_file`, which checks access and writes the
log row and its audit event before a byte is served.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from hocbaso.people.errors import ActionError
from hocbaso.records.issuance_log import (
    PDF,
    XADES,
    XML,
    Kind,
    access_log_page,
    log_of_record,
    open_issued_file,
)
from hocbaso.records.models import RecordPage

CONTENT_TYPES = {PDF: "application/pdf", XML: "application/xml", XADES: "application/xml"}
SUFFIXES = {PDF: ".pdf", XML: ".xml", XADES: "-xades.xml"}


def _file_name(page: RecordPage, fmt: str) -> str:
    return f"{page.record_code}-v{page.version}{SUFFIXES[fmt]}"


def _serve(request: HttpRequest, pk: int, *, fmt: str, kind: str, inline: bool) -> HttpResponse:
    try:
        served = open_issued_file(
            pk,
            fmt=fmt,
            kind=kind,
            acting_user=request.user,
            purpose=request.GET.get("purpose", ""),
            recipient=request.GET.get("recipient", ""),
        )
    except ActionError as exc:
        return HttpResponse(
            "\n".join(exc.messages), status=409, content_type="text/plain; charset=utf-8"
        )
    response = HttpResponse(served.data, content_type=CONTENT_TYPES[fmt])
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{_file_name(served.page, fmt)}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    response["X-Record-Sha256"] = served.sha256
    return response


@login_required
@require_GET
def record_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The sealed PDF, as a download ("Tải học bạ (PDF)")."""
    return _serve(request, pk, fmt=PDF, kind=Kind.DOWNLOAD, inline=False)


@login_required
@require_GET
def record_print(request: HttpRequest, pk: int) -> HttpResponse:
    """The sealed PDF opened in the browser to print it."""
    return _serve(request, pk, fmt=PDF, kind=Kind.PRINT, inline=True)


@login_required
@require_GET
def record_xml(request: HttpRequest, pk: int) -> HttpResponse:
    """The page's canonical XML (the data the signatures cover), an extract."""
    return _serve(request, pk, fmt=XML, kind=Kind.EXTRACT, inline=False)


@login_required
@require_GET
def record_xades(request: HttpRequest, pk: int) -> HttpResponse:
    """The page's XML signed XAdES-BES with the school seal's key ("XML có chữ ký số
    (XAdES)"), an extract; verifiable with xmlsec1 or the public verification page."""
    return _serve(request, pk, fmt=XADES, kind=Kind.EXTRACT, inline=False)


@login_required
@never_cache
@require_GET
def record_access_log(request: HttpRequest, pk: int) -> HttpResponse:
    """Who received, downloaded, printed or extracted which version of the record, and when."""
    page = access_log_page(request.user, pk)
    rows = Paginator(log_of_record(page), 100).get_page(request.GET.get("page"))
    versions = RecordPage.objects.filter(record_code=page.record_code).order_by("version")
    return render(
        request,
        "records/issue_log.html",
        {"record": page, "rows": rows, "versions": versions, "class_group": page.class_group},
    )


urlpatterns: list[URLPattern] = [
    path("hoc-ba/trang/<int:pk>/tai-ve.pdf", record_pdf, name="record_pdf"),
    path("hoc-ba/trang/<int:pk>/in.pdf", record_print, name="record_print"),
    path("hoc-ba/trang/<int:pk>/du-lieu.xml", record_xml, name="record_xml"),
    path("hoc-ba/trang/<int:pk>/xades.xml", record_xades, name="record_xades"),
    path("hoc-ba/trang/<int:pk>/nhat-ki/", record_access_log, name="record_access_log"),
]

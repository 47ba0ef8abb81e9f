"""Public verification of issued records (no login; security.md: nothing personal beyond what
the visitor already holds).

* ``GET /xac-minh/``: a form to upload the PDF of a year page; ``POST`` verifies it
  (`verify_record_pdf`: signatures, order, embedded XML, QR link, register) and shows the report
  with a clear verdict. The XAdES-signed XML of a page is accepted too (`verify_record_xml`:
  the seal's signature, the register's hash and status). PDF or XML only, at most
  `MAX_UPLOAD_BYTES` (XML: `MAX_XML_UPLOAD_BYTES`), the content checked, the file never
  stored. CSRF-protected like every form. Verification costs CPU (~0.1 s per file): a public
  deployment should rate-limit this route at the reverse proxy (not done here).
* ``GET /xac-minh/<record_code>/<version>/?h=<sha256>``: the QR code's landing. The register's
  status of that version — school, school year, grade, date, state, whether ``h`` is the
  registered hash; for a superseded version the reason and a link to the current version's
  landing — and an invitation to upload the file for the full verification. No pupil's name.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from cryptography import x509
from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from hocbaso.records import verification
from hocbaso.records.verify_links import MAX_CODE_LENGTH
from hocbaso.records.xml_verification import looks_like_xml, verify_record_xml
from hocbaso.signing.revocation import revocation_source

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_XML_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_VERSION = 2_147_483_647  # RecordPage.version: larger numbers never reach the database


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Tệp PDF (hoặc XML kí XAdES) của trang học bạ"),
        widget=forms.ClearableFileInput(
            attrs={"accept": "application/pdf,.pdf,application/xml,text/xml,.xml"}
        ),
        error_messages={
            "required": gettext_lazy("Hãy chọn tệp PDF cần xác minh."),
            "empty": gettext_lazy("Tệp tải lên rỗng."),
            "invalid": gettext_lazy("Không nhận được tệp tải lên."),
        },
    )

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError(
                _("Tệp quá lớn: tối đa %(mb)d MB.") % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)}
            )
        upload.seek(0)
        head = upload.read(1024)
        upload.seek(0)
        if b"%PDF-" in head:
            return upload
        if not looks_like_xml(head):
            raise ValidationError(_("Tệp tải lên không phải tệp PDF hay tệp XML."))
        if upload.size is not None and upload.size > MAX_XML_UPLOAD_BYTES:
            raise ValidationError(
                _("Tệp XML quá lớn: tối đa %(mb)d MB.") % {"mb": MAX_XML_UPLOAD_BYTES >> 20}
            )
        return upload


COVERAGE_LABELS = {
    "entire_file": gettext_lazy("toàn bộ tệp"),
    "entire_revision": gettext_lazy("toàn bộ phiên bản lúc kí"),
    "partial": gettext_lazy("một phần tệp"),
}
MODIFICATION_LABELS = {
    "none": gettext_lazy("không có"),
    "validation_data": gettext_lazy("chỉ thêm dữ liệu kiểm chứng"),
    "form_filling": gettext_lazy("chỉ thêm các chữ kí tiếp theo"),
    "annotations": gettext_lazy("thêm chú thích"),
    "other": gettext_lazy("sửa nội dung"),
}


def _moment(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    try:
        return timezone.localtime(dt.datetime.fromisoformat(text))
    except ValueError:  # pragma: no cover - verify_pdf writes ISO 8601
        return None


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _signature_rows(report: verification.RecordReport) -> list[dict[str, Any]]:
    return [
        {
            "sig": sig,
            "label": verification.field_label(sig.field),
            "signed_at": _moment(sig.signing_time),
            "timestamp_at": _moment(sig.timestamp_time),
            "coverage": COVERAGE_LABELS.get(sig.coverage, sig.coverage),
            "modification": MODIFICATION_LABELS.get(sig.modification_level, sig.modification_level),
        }
        for sig in report.signatures
    ]


def _trust_roots() -> list[x509.Certificate] | None:
    try:
        return verification.current_trust_roots()
    except Exception:  # noqa: BLE001 - a configuration problem: said to the visitor, logged
        logger.exception("trust roots unavailable")
        return None


@require_http_methods(["GET", "POST"])
def verify_upload(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    context: dict[str, Any] = {"form": form, "report": None, "max_mb": MAX_UPLOAD_BYTES >> 20}
    status = 200
    if request.method == "POST" and form.is_valid():
        roots = _trust_roots()
        if roots is None:
            context["unavailable"] = True
            status = 503
        else:
            upload: UploadedFile = form.cleaned_data["file"]
            data = upload.read(MAX_UPLOAD_BYTES + 1)
            if b"%PDF-" not in data[:1024] and looks_like_xml(data):
                xml_report = verify_record_xml(
                    data, trust_roots=roots, revocation=revocation_source()
                )
                context["report"], context["is_xml"] = xml_report, True
                context["issued_on"] = _date(xml_report.xml.issued_on)
            else:
                report = verification.verify_record_pdf(
                    data, trust_roots=roots, revocation=revocation_source()
                )
                context["report"] = report
                context["signatures"] = _signature_rows(report)
                context["issued_on"] = _date(report.xml.issued_on)
            context["file_name"] = upload.name
            context["form"] = UploadForm()
    return render(request, "records/verify_upload.html", context, status=status)


@require_GET
def verify_landing(request: HttpRequest, record_code: str, version: int) -> HttpResponse:
    given = request.GET.get("h", "")
    if len(record_code) > MAX_CODE_LENGTH or version > MAX_VERSION:
        entry, status = verification.RegisterEntry(), verification.UNKNOWN
    else:
        entry, status = verification.lookup_register(record_code, version)
    context = {
        "record_code": record_code,
        "version": version,
        "entry": entry,
        "status": status,
        "status_label": verification.status_label(status),
        "hash_given": bool(given),
        "hash_matches": bool(entry.sha256) and given == entry.sha256,
        "issued_on": _date(entry.issued_on),
        "form": UploadForm(),
        "max_mb": MAX_UPLOAD_BYTES >> 20,
    }
    return render(request, "records/verify_landing.html", context)


urlpatterns = [
    path("xac-minh/", verify_upload, name="verify_upload"),
    path("xac-minh/<str:record_code>/<int:version>/", verify_landing, name="verify_landing"),
]

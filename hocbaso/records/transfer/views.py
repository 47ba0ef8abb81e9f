"""Staff screens of transfers (issue 6): the pupil's transfer page («Chuyển trường»), the
package download, the receiving school's «Tiếp nhận học sinh chuyển đến» (upload → report of
the dry run → confirm) and the download of a page another school issued.

The views parse, authorise (404 when hidden, 403 when visible but not theirs) and call the
actions (`export`, `receive`, `imported_files`), which check everything again.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hocbaso.org.models import ClassGroup
from hocbaso.people.errors import ActionError
from hocbaso.people.profile_validation import parse_date
from hocbaso.people.upload_staging import discard, read_staged, stage
from hocbaso.records.models import RecordPage
from hocbaso.records.transfer import layout
from hocbaso.records.transfer.access import (
    access_school_to_receive,
    access_student_to_transfer_out,
    access_student_transfers,
    current_enrolment,
    is_school_leader,
)
from hocbaso.records.transfer.export import export_transfer_package, open_package
from hocbaso.records.transfer.imported_files import open_imported_page
from hocbaso.records.transfer.models import ImportedPage, TransferPackage
from hocbaso.records.transfer.receive import import_transfer_package

PIN_MAX = 64


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@never_cache
@require_GET
def student_transfers(request: HttpRequest, pk: int) -> HttpResponse:
    """The pupil's pages (issued here and received) and transfers; the transfer-out form."""
    student = access_student_transfers(request.user, pk)
    issued = (
        RecordPage.objects.filter(
            student=student, state__in=(RecordPage.State.SEALED, RecordPage.State.SUBMITTED)
        )
        .select_related("class_group__school", "class_group__school_year")
        .order_by("class_group__school_year__starts_on", "record_code", "version")
    )
    imported = ImportedPage.objects.filter(student=student).select_related("package")
    leader = is_school_leader(request.user, student.school_id)
    context: dict[str, Any] = {
        "student": student,
        "issued": [p for p in issued if p.class_group.school_id == student.school_id],
        "imported": imported,
        "packages": TransferPackage.objects.filter(student=student, school=student.school),
        "can_transfer_out": leader and current_enrolment(student) is not None,
        "is_leader": leader,
        "today": timezone.localdate(),
    }
    return render(request, "records/transfer/student.html", context)


@login_required
@never_cache
@require_POST
def student_transfer_out(request: HttpRequest, pk: int) -> HttpResponse:
    """«Chuyển trường: tạo hồ sơ chuyển đi» (with the seal's PIN)."""
    student = access_student_to_transfer_out(request.user, pk)
    raw_day = request.POST.get("decided_on", "").strip()
    day = parse_date(raw_day) if raw_day else None
    if raw_day and day is None:
        messages.error(request, _("Ngày chuyển đi «%s» không hợp lệ (dd/mm/yyyy).") % raw_day[:20])
        return redirect("student_transfers", pk=student.pk)
    try:
        package = export_transfer_package(
            student,
            acting_user=request.user,
            pin=request.POST.get("pin", "")[:PIN_MAX],
            destination=request.POST.get("destination", ""),
            decided_on=day,
        )
    except ActionError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("Đã lập hồ sơ chuyển trường (%(pages)s trang học bạ) và ghi nhận chuyển đi.")
            % {"pages": package.pages},
        )
    return redirect("student_transfers", pk=student.pk)


@login_required
@require_GET
def transfer_package_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The package made here, for the school's leaders (logged)."""
    try:
        served = open_package(pk, acting_user=request.user)
    except TransferPackage.DoesNotExist:
        raise Http404 from None
    response = HttpResponse(served.data, content_type=layout.MEDIA_TYPE)
    name = f"chuyen-truong-{served.package.student_id}-{served.package.decided_on}.zip"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return _no_store(response)


@login_required
@require_GET
def imported_page_file(request: HttpRequest, pk: int) -> HttpResponse:
    """A page another school issued, as issued (logged)."""
    try:
        served = open_imported_page(pk, acting_user=request.user)
    except ImportedPage.DoesNotExist:
        raise Http404 from None
    page = served.page
    response = HttpResponse(served.data, content_type="application/pdf")
    name = f"{page.record_code}-v{page.version}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return _no_store(response)


def _class_of(request: HttpRequest, school_id: int) -> ClassGroup | None:
    raw = request.POST.get("class_group", "")
    if not raw.isdigit():
        return None
    return ClassGroup.objects.filter(pk=int(raw), school_id=school_id).first()


def _receive_day(request: HttpRequest) -> dt.date | None:
    """The transfer-in date given (None: today); ActionError when it is not a date."""
    raw = request.POST.get("enrolled_on", "").strip()
    if not raw:
        return None
    day = parse_date(raw)
    if day is None:
        raise ActionError(_("Ngày chuyển đến «%s» không hợp lệ (dd/mm/yyyy).") % raw[:20])
    return day


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def school_transfer_in(request: HttpRequest, pk: int) -> HttpResponse:
    """«Tiếp nhận học sinh chuyển đến»: upload → the dry run's report → confirm."""
    school = access_school_to_receive(request.user, pk)
    classes = ClassGroup.objects.filter(school=school).select_related("school_year")
    context: dict[str, Any] = {"school": school, "classes": classes}
    if request.method == "GET":
        return render(request, "records/transfer/receive.html", context)
    class_group = _class_of(request, school.pk)
    staged = request.POST.get("staged", "")
    upload = request.FILES.get("file")
    if class_group is None:
        context["error"] = _("Chọn lớp tiếp nhận học sinh.")
    elif staged:
        data = read_staged(staged)
        if data is None:
            context["error"] = _("Tệp đã kiểm tra không còn; hãy tải lên lại.")
            return render(request, "records/transfer/receive.html", context)
        try:
            day = _receive_day(request)
            result = import_transfer_package(
                data, school=school, class_group=class_group, acting_user=request.user,
                dry_run=False, enrolled_on=day,
            )  # fmt: skip
        except ActionError as exc:
            context["error"] = " ".join(exc.messages)
        else:
            discard(staged)
            messages.success(request, _("Đã tiếp nhận học sinh chuyển đến."))
            assert result.student is not None
            return redirect("student_transfers", pk=result.student.pk)
    elif upload is None:
        context["error"] = _("Chọn tệp hồ sơ chuyển trường (.zip) để tải lên.")
    elif upload.size is not None and upload.size > layout.MAX_PACKAGE_BYTES:
        context["error"] = _("Tệp quá lớn.")
    else:
        try:
            _receive_day(request)
        except ActionError as exc:
            context["error"] = " ".join(exc.messages)
            return render(request, "records/transfer/receive.html", context)
        data = upload.read()
        result = import_transfer_package(
            data, school=school, class_group=class_group, acting_user=request.user, dry_run=True
        )
        context["report"] = result.report
        context["class_group"] = class_group
        context["enrolled_on"] = request.POST.get("enrolled_on", "")
        if result.report.ok:
            context["staged"] = stage(data)
    return render(request, "records/transfer/receive.html", context)

"""Parents check their child's identity page: confirm a field as it is now, or report an error
with a comment for the homeroom teacher, and follow the reports' status.

Every route is child-scoped through `guardian_link`: a pupil the parent is not linked to
answers 404 exactly like a missing one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from hocbaso.people.actions.parent_feedback import confirm_profile_field, report_profile_error
from hocbaso.people.errors import ActionError
from hocbaso.people.models import FieldVerification, ProfileReport, VerificationSource
from hocbaso.people.parent_link import guardian_link
from hocbaso.people.profile_display import display_value
from hocbaso.people.profile_fields import FIELDS_BY_NAME, PROFILE_FIELDS


@login_required
@never_cache
def child_profile(request: HttpRequest, student_id: int) -> HttpResponse:
    student = guardian_link(request.user, student_id).student
    verifications = list(
        FieldVerification.objects.filter(student=student).values_list(
            "field", "value_hash", "source"
        )
    )
    reports = list(
        ProfileReport.objects.filter(student=student, voided_at__isnull=True).order_by(
            "-reported_at", "-pk"
        )
    )
    open_fields = {r.field for r in reports if r.status == ProfileReport.Status.OPEN}
    rows = []
    for pf in PROFILE_FIELDS:
        current = FieldVerification.hash_value(getattr(student, pf.name))
        sources = {s for f, h, s in verifications if f == pf.name and h == current}
        rows.append(
            {
                "name": pf.name,
                "label": pf.label,
                "value": display_value(student, pf.name),
                "confirmable": pf.verifiable,
                "confirmed": VerificationSource.PARENT_CONFIRMATION in sources,
                "verified_by_school": bool(sources - {VerificationSource.PARENT_CONFIRMATION}),
                "reported": pf.name in open_fields,
            }
        )
    for report in reports:
        report.label = FIELDS_BY_NAME[report.field].label  # type: ignore[attr-defined]
    return render(
        request,
        "portal/profile/child_profile.html",
        {"student": student, "rows": rows, "reports": reports},
    )


@login_required
@never_cache
@require_POST
def confirm_field(request: HttpRequest, student_id: int) -> HttpResponse:
    student = guardian_link(request.user, student_id).student
    try:
        confirm_profile_field(student.pk, request.POST.get("field", ""), acting_user=request.user)
    except ActionError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Cảm ơn anh/chị đã xác nhận thông tin."))
    return redirect("portal_child_profile", student_id=student.pk)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def report_error(request: HttpRequest, student_id: int) -> HttpResponse:
    student = guardian_link(request.user, student_id).student
    field = request.POST.get("field") or request.GET.get("field", "")
    comment = request.POST.get("comment", "")
    errors: list[str] = []
    if request.method == "POST":
        try:
            report_profile_error(student.pk, field, comment, acting_user=request.user)
        except ActionError as exc:
            errors = exc.messages
        else:
            messages.success(
                request,
                _("Đã gửi phản ánh tới giáo viên chủ nhiệm. Anh/chị theo dõi kết quả ở đây."),
            )
            return redirect("portal_child_profile", student_id=student.pk)
    chosen = FIELDS_BY_NAME.get(field)
    return render(
        request,
        "portal/profile/report_error.html",
        {
            "student": student,
            "fields": PROFILE_FIELDS,
            "field": field,
            "current": display_value(student, field) if chosen else "",
            "comment": comment,
            "errors": errors,
        },
        status=400 if errors else 200,
    )

"""Staff screens for parents' feedback: the class's «Phản ánh của phụ huynh» task list (resolve
after fixing the profile, or reject with a reason) and the class's consent status."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from hocbaso.org.models import ClassGroup
from hocbaso.people import access
from hocbaso.people.actions.consent import record_child_consent
from hocbaso.people.actions.parent_feedback import reject_profile_report, resolve_profile_report
from hocbaso.people.consent import consent_states_for
from hocbaso.people.consent_texts import CONSENT_PURPOSES
from hocbaso.people.current_enrolment import current_enrolment
from hocbaso.people.errors import ActionError
from hocbaso.people.models import Enrolment, ProfileReport
from hocbaso.people.profile_display import display_value
from hocbaso.people.profile_fields import FIELDS_BY_NAME
from hocbaso.people.report_counts import open_reports
from hocbaso.people.roster_links import still_in_class
from hocbaso.people.scope import scope_for


def _edits_class_pupils(user: object, class_group: ClassGroup) -> bool:
    """What `access.can_edit_student` answers for every pupil currently in the class (its
    school's managers, its homeroom teacher), read once for the whole list."""
    scope = scope_for(user)
    return (
        class_group.school_id in scope.managed_school_ids
        or class_group.pk in scope.homeroom_class_ids
    )


@login_required
@never_cache
def class_reports(request: HttpRequest, pk: int) -> HttpResponse:
    class_group = access.access_class_for_user(request.user, pk)
    can_decide = _edits_class_pupils(request.user, class_group)
    rows = [
        {
            "report": r,
            "label": FIELDS_BY_NAME[r.field].label,
            "now": display_value(r.student, r.field),
            "can_decide": can_decide,
        }
        for r in open_reports(class_group.pk)
    ]
    decided = (
        ProfileReport.objects.filter(
            voided_at__isnull=True,
            status__in=[ProfileReport.Status.RESOLVED, ProfileReport.Status.REJECTED],
            # once per report, even for a pupil with two enrolments in the class (left, back)
            student__in=Enrolment.objects.filter(class_group=class_group).values("student_id"),
        )
        .select_related("student", "resolver")
        .order_by("-decided_at", "-pk")[:30]
    )
    return render(
        request,
        "people/class_reports.html",
        {"class_group": class_group, "rows": rows, "decided": decided},
    )


@login_required
@never_cache
@require_POST
def decide_report(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        report = ProfileReport.objects.select_related("student").get(pk=pk)
    except ProfileReport.DoesNotExist:
        raise Http404 from None
    access.access_student_for_user(request.user, report.student_id, write=True)
    decision = request.POST.get("decision", "")
    note = request.POST.get("note", "")
    try:
        if decision == "resolve":
            resolve_profile_report(report.pk, note, acting_user=request.user)
        elif decision == "reject":
            reject_profile_report(report.pk, note, acting_user=request.user)
        else:
            raise ActionError("Vui lòng chọn «Đã sửa» hoặc «Không sửa».")
    except ActionError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Đã trả lời phản ánh; phụ huynh sẽ thấy kết quả."))
    current = current_enrolment(report.student_id, report.student.school_id)
    if current is None:
        return redirect("student_detail", pk=report.student_id)
    return redirect("class_reports", pk=current.class_group_id)


@login_required
@never_cache
def class_consent(request: HttpRequest, pk: int) -> HttpResponse:
    class_group = access.access_class_for_user(request.user, pk)
    enrolments = list(
        Enrolment.objects.filter(class_group=class_group, transfer_out_on__isnull=True)
        .select_related("student")
        .order_by("student__full_name", "student__pk")
    )
    states = consent_states_for([e.student for e in enrolments])
    rows = [(e.student, states[e.student.pk]) for e in enrolments]
    return render(
        request,
        "people/class_consent.html",
        {
            "class_group": class_group,
            "purposes": CONSENT_PURPOSES,
            "rows": rows,
            # a pupil who moved up is recorded for at the current class (people/roster_links.py)
            "in_class": still_in_class(class_group, [e.student_id for e in enrolments]),
            "can_record": _edits_class_pupils(request.user, class_group),
        },
    )


@login_required
@never_cache
@require_POST
def student_child_consent(request: HttpRequest, pk: int) -> HttpResponse:
    student = access.access_student_for_user(request.user, pk, write=True)
    try:
        record_child_consent(
            student.pk,
            request.POST.get("purpose", ""),
            granted=request.POST.get("granted") == "1",
            method="paper",
            acting_user=request.user,
        )
    except ActionError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Đã ghi nhận ý kiến của học sinh."))
    class_id = request.POST.get("class_id", "")
    if class_id.isdigit():
        return redirect("class_consent", pk=int(class_id))
    return redirect("student_detail", pk=student.pk)

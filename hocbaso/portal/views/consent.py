"""Parents read what the school processes and on what basis, give or withdraw consent to the
optional purposes (and record their child's own consent from age 7 where the law asks), and
choose how they hear from the school. Child-scoped routes go through `guardian_link` (404 for
a pupil the parent is not linked to)."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from hocbaso.notifications.actions import set_preferences
from hocbaso.notifications.models import Channel, Preference
from hocbaso.people.actions.consent import give_consent, withdraw_consent
from hocbaso.people.consent import consent_state
from hocbaso.people.consent_texts import CONSENT_PURPOSES, LEGAL_BASIS
from hocbaso.people.errors import ActionError
from hocbaso.people.models import ConsentRecord, Guardian, User
from hocbaso.people.parent_link import guardian_link


@login_required
@never_cache
def child_consent(request: HttpRequest, student_id: int) -> HttpResponse:
    link = guardian_link(request.user, student_id)
    student = link.student
    purposes = [
        (purpose, consent_state(student, purpose.code, guardian_id=link.pk))
        for purpose in CONSENT_PURPOSES
    ]
    history = ConsentRecord.objects.filter(student=student).select_related("recorded_by")[:50]
    return render(
        request,
        "portal/consent/child_consent.html",
        {
            "student": student,
            "legal_basis": LEGAL_BASIS,
            "purposes": purposes,
            "history": history,
        },
    )


@login_required
@never_cache
@require_POST
def consent_give(request: HttpRequest, student_id: int) -> HttpResponse:
    student = guardian_link(request.user, student_id).student
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = -1
    try:
        give_consent(
            student.pk,
            request.POST.get("purpose", ""),
            version=version,
            child_too=request.POST.get("child_too") == "1",
            acting_user=request.user,
        )
    except ActionError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Đã ghi nhận sự đồng ý."))
    return redirect("portal_child_consent", student_id=student.pk)


@login_required
@never_cache
@require_POST
def consent_withdraw(request: HttpRequest, student_id: int) -> HttpResponse:
    student = guardian_link(request.user, student_id).student
    try:
        withdraw_consent(student.pk, request.POST.get("purpose", ""), acting_user=request.user)
    except ActionError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Đã rút lại sự đồng ý."))
    return redirect("portal_child_consent", student_id=student.pk)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def notification_preferences(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)  # login_required
    children = list(
        Guardian.objects.filter(user=user, unlinked_at__isnull=True)
        .select_related("student")
        .order_by("pk")
    )
    preference = Preference.objects.filter(user=user).first()
    if request.method == "POST":
        try:
            set_preferences(
                channel=request.POST.get("channel", ""),
                non_essential=request.POST.get("non_essential") == "1",
                acting_user=request.user,
            )
        except ActionError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Đã lưu cách nhận thông báo."))
        return redirect("portal_notification_preferences")
    return render(
        request,
        "portal/consent/notification_preferences.html",
        {
            "children": children,
            "channel": preference.channel if preference else Channel.EMAIL,
            "non_essential": preference.non_essential if preference else True,
            "channels": Channel.choices,
        },
    )

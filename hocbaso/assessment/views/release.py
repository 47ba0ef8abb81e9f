"""Công bố kết quả: the school's periods of the current year with their release state, and the
principal's or a vice-principal's button per period (release, or withdraw with a reason).

Read: the school's managers; others who see the school get 403, the rest 404. Write:
`release.release_period` / `withdraw_release` re-check who inside their transaction.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from hocbaso.assessment.models import PeriodRelease
from hocbaso.assessment.release import (
    can_release,
    release_period,
    unlocked_classes,
    withdraw_release,
)
from hocbaso.org.models import Period, School
from hocbaso.people import access as people_access
from hocbaso.people.errors import ActionError
from hocbaso.people.imports.classes import current_school_year
from hocbaso.people.scope import scope_for


def _school_for(user: Any, school_id: int, *, write: bool) -> School:
    school = people_access.access_school_for_user(user, school_id)  # 404 when hidden
    if write and not can_release(user, school):
        raise PermissionDenied
    if not write and school.pk not in scope_for(user).managed_school_ids:
        raise PermissionDenied
    return school


def _periods(school: School) -> list[Period]:
    year = current_school_year(school, timezone.localdate())
    if year is None:
        return []
    return list(Period.objects.filter(school_year=year).select_related("school_year"))


@login_required
@never_cache
@require_GET
def releases(request: HttpRequest, pk: int) -> HttpResponse:
    school = _school_for(request.user, pk, write=False)
    periods = _periods(school)
    current = {
        r.period_id: r
        for r in PeriodRelease.objects.current()
        .filter(school=school, period__in=periods)
        .select_related("released_by")
    }
    rows = [
        {
            "period": p,
            "release": current.get(p.pk),
            "open_classes": [] if p.pk in current else unlocked_classes(school, p),
        }
        for p in periods
    ]
    context = {"school": school, "rows": rows, "can_release": can_release(request.user, school)}
    return render(request, "assessment/releases.html", context)


@login_required
@require_POST
def release_decide(request: HttpRequest, pk: int, period_id: int) -> HttpResponse:
    school = _school_for(request.user, pk, write=True)
    period = next((p for p in _periods(school) if p.pk == period_id), None)
    if period is None:
        raise Http404
    try:
        if request.POST.get("action") == "withdraw":
            withdraw_release(
                school, period, reason=request.POST.get("reason", ""), acting_user=request.user
            )
            messages.success(request, _("Đã thu hồi công bố kết quả %(p)s.") % {"p": period})
        else:
            release_period(school, period, acting_user=request.user)
            messages.success(
                request, _("Đã công bố kết quả %(p)s cho cha mẹ học sinh.") % {"p": period}
            )
    except ActionError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("period_releases", pk=school.pk)


urlpatterns: list[URLPattern] = [
    path("truong/<int:pk>/cong-bo-ket-qua/", releases, name="period_releases"),
    path(
        "truong/<int:pk>/cong-bo-ket-qua/<int:period_id>/",
        release_decide,
        name="period_release_decide",
    ),
]

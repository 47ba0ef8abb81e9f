"""Khóa sổ: the lock state of every sheet of a school for one period, and the principal's
lock/unlock forms (whole school, a grade, a class, a sheet).

Read: the school's managers (principal, vice-principal, school admin). Write: the principal
alone; `actions.locks` re-checks it inside its transaction. Others who see the school get 403,
the rest 404.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from hocbaso.assessment.actions.locks import (
    REASON_MAX,
    LockScope,
    deadline_passes_at,
    lock_entry,
    lock_states,
    unlock_entry,
)
from hocbaso.assessment.sheets import sheet_keys, sheet_label
from hocbaso.org.models import ClassGroup, Period, School, SchoolYear
from hocbaso.people import access as people_access
from hocbaso.people.errors import ActionError
from hocbaso.people.imports.classes import current_school_year
from hocbaso.people.scope import scope_for


class DecisionForm(forms.Form):
    action = forms.ChoiceField(choices=[("lock", "khóa"), ("unlock", "mở lại")])
    grade = forms.IntegerField(required=False, min_value=1, max_value=5)
    class_id = forms.IntegerField(required=False)
    key = forms.CharField(required=False, max_length=40)
    reason = forms.CharField(required=False, max_length=REASON_MAX)


def _school_for(user: Any, school_id: int, *, write: bool) -> School:
    school = people_access.access_school_for_user(user, school_id)  # 404 if not visible
    scope = scope_for(user)
    allowed = scope.principal_school_ids if write else scope.managed_school_ids
    if school.pk not in allowed:
        raise PermissionDenied
    return school


def _year_and_period(school: School, period_code: str) -> tuple[SchoolYear, Period, list[Period]]:
    year = current_school_year(school, timezone.localdate())
    periods = list(Period.objects.filter(school_year=year).order_by("order")) if year else []
    period = next((p for p in periods if p.code == period_code), None)
    if year is None or period is None:
        raise Http404
    return year, period, periods


@login_required
@never_cache
@require_GET
def entry_locks(request: HttpRequest, pk: int, period_code: str) -> HttpResponse:
    school = _school_for(request.user, pk, write=False)
    year, period, periods = _year_and_period(school, period_code)
    classes = list(
        ClassGroup.objects.filter(school=school, school_year=year)
        .select_related("school", "school_year")
        .order_by("grade", "name")
    )
    pairs = [(c, k) for c in classes for k in sheet_keys(c.grade)]
    states = lock_states(school, period, pairs)
    rows = [
        {
            "class_group": c,
            "sheets": [
                {"key": k, "label": sheet_label(k), "state": states[(c.pk, k)]}
                for k in sheet_keys(c.grade)
            ],
        }
        for c in classes
    ]
    return render(
        request,
        "assessment/entry_locks.html",
        {
            "school": school,
            "year": year,
            "period": period,
            "periods": periods,
            "rows": rows,
            "grades": sorted({c.grade for c in classes}),
            "deadline_passed": timezone.now() >= deadline_passes_at(period),
            "can_decide": school.pk in scope_for(request.user).principal_school_ids,
            "reason_max": REASON_MAX,
        },
    )


@login_required
@require_POST
def entry_lock_decide(request: HttpRequest, pk: int, period_code: str) -> HttpResponse:
    school = _school_for(request.user, pk, write=True)
    back = redirect("entry_locks", pk=school.pk, period_code=period_code)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Yêu cầu khóa/mở sổ không hợp lệ; chưa có gì thay đổi.")
        return back
    data = form.cleaned_data
    scope = LockScope(
        school_id=school.pk,
        period_code=period_code,
        grade=data["grade"],
        class_id=data["class_id"],
        key=data["key"] or "",
    )
    try:
        if data["action"] == "lock":
            lock_entry(scope, reason=data["reason"] or "", acting_user=request.user)
            messages.success(request, "Đã khóa sổ.")
        else:
            unlock_entry(scope, reason=data["reason"] or "", acting_user=request.user)
            messages.success(request, "Đã mở lại sổ.")
    except ActionError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return back


urlpatterns: list[URLPattern] = [
    path("truong/<int:pk>/khoa-so/<str:period_code>/", entry_locks, name="entry_locks"),
    path(
        "truong/<int:pk>/khoa-so/<str:period_code>/quyet-dinh/",
        entry_lock_decide,
        name="entry_lock_decide",
    ),
]

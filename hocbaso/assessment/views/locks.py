"""Khóa sổ: the lock state of every sheet of a school for one period, and the principal's
lock/unlock forms (whole school, a grade, a class, a sheet).

Read: the school's managers (principal, vice-principal, school admin). Write: the principal
alone; `actions.locks` re-checks it inside its transaction. Others who see the school get 403,
the rest 404.

Review flags (issue 4): the board shows the open flags of each class and sheet; a lock refused
because of open flags (`OpenFlags`) re-renders the board with a confirmation form, where the
principal may lock anyway ("vẫn khóa") with a reason, recorded on the decision.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from hocbaso.assessment.actions.locks import (
    REASON_MAX,
    LockScope,
    OpenFlags,
    deadline_passes_at,
    lock_entry,
    lock_states,
    scope_label,
    unlock_entry,
)
from hocbaso.assessment.actions.review import open_flag_counts, open_flags
from hocbaso.assessment.models import EntryLock
from hocbaso.assessment.sheets import sheet_keys, sheet_label
from hocbaso.org.models import ClassGroup, Period, School, SchoolYear
from hocbaso.people import access as people_access
from hocbaso.people.actions.accounts import ReauthenticationRequired, reauthenticated_at
from hocbaso.people.errors import ActionError
from hocbaso.people.imports.classes import current_school_year
from hocbaso.people.scope import scope_for


class DecisionForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("lock", gettext_lazy("khóa")), ("unlock", gettext_lazy("mở lại"))]
    )
    grade = forms.IntegerField(required=False, min_value=1, max_value=5)
    class_id = forms.IntegerField(required=False)
    key = forms.CharField(required=False, max_length=40)
    reason = forms.CharField(required=False, max_length=REASON_MAX)
    override = forms.BooleanField(required=False)  # lock although review flags are open


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


def _history(school: School, period: Period) -> list[dict[str, Any]]:
    """Every decision of the school for the period, newest first, with its reason."""
    decisions = (
        EntryLock.objects.filter(school=school, period=period)
        .select_related("class_group", "created_by")
        .order_by("-created_at", "-pk")
    )
    return [{"decision": d, "scope": scope_label(d)} for d in decisions]


def _render_board(
    request: HttpRequest,
    school: School,
    period_code: str,
    *,
    pending: dict[str, Any] | None = None,
) -> HttpResponse:
    year, period, periods = _year_and_period(school, period_code)
    classes = list(
        ClassGroup.objects.filter(school=school, school_year=year)
        .select_related("school", "school_year")
        .order_by("grade", "name")
    )
    pairs = [(c, k) for c in classes for k in sheet_keys(c.grade)]
    states = lock_states(school, period, pairs)
    flags_per_class = open_flag_counts(period, classes)
    flags_per_sheet = {
        (class_id, key): n
        for class_id, key, n in open_flags(period, classes)
        .values("sheet__class_group_id", "sheet__key")
        .annotate(n=Count("pk"))
        .values_list("sheet__class_group_id", "sheet__key", "n")
    }
    rows = [
        {
            "class_group": c,
            "open_flags": flags_per_class.get(c.pk, 0),
            "sheets": [
                {
                    "key": k,
                    "label": sheet_label(k),
                    "state": states[(c.pk, k)],
                    "open_flags": flags_per_sheet.get((c.pk, k), 0),
                }
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
            "open_flags_total": sum(flags_per_class.values()),
            "history": _history(school, period),
            "pending": pending,
        },
    )


@login_required
@never_cache
@require_GET
def entry_locks(request: HttpRequest, pk: int, period_code: str) -> HttpResponse:
    school = _school_for(request.user, pk, write=False)
    return _render_board(request, school, period_code)


def _pending(data: dict[str, Any], scope: LockScope, errors: list[str]) -> dict[str, Any]:
    """The confirmation form shown when a lock is refused for open review flags."""
    class_name = (
        ClassGroup.objects.filter(pk=scope.class_id).values_list("name", flat=True).first()
        if scope.class_id is not None
        else None
    )
    return {
        "grade": scope.grade,
        "class_id": scope.class_id,
        "class_name": class_name or "",
        "key": scope.key,
        "key_label": sheet_label(scope.key) if scope.key else "",
        "reason": data.get("reason") or "",
        "override": bool(data.get("override")),
        "errors": errors,
    }


@login_required
@require_POST
def entry_lock_decide(request: HttpRequest, pk: int, period_code: str) -> HttpResponse:
    school = _school_for(request.user, pk, write=True)
    back = redirect("entry_locks", pk=school.pk, period_code=period_code)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Yêu cầu khóa/mở sổ không hợp lệ; chưa có gì thay đổi."))
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
            lock_entry(
                scope,
                reason=data["reason"] or "",
                acting_user=request.user,
                override_open_flags=bool(data["override"]),
            )
            messages.success(request, _("Đã khóa sổ."))
        else:
            unlock_entry(
                scope,
                reason=data["reason"] or "",
                acting_user=request.user,
                reauthenticated_at=reauthenticated_at(request.session),
            )
            messages.success(request, _("Đã mở lại sổ."))
    except ReauthenticationRequired:
        messages.info(
            request,
            _(
                "Mở lại sổ cần xác thực lại: hãy nhập lại mật khẩu (và mã xác thực hai bước nếu "
                "có), rồi bấm «Mở lại» một lần nữa."
            ),
        )
        here = reverse("entry_locks", kwargs={"pk": school.pk, "period_code": period_code})
        return redirect(f"{reverse('reauthenticate')}?{urlencode({'next': here})}")
    except OpenFlags as exc:
        # Show the refusal with the "lock anyway" form, keeping what was chosen.
        pending = _pending(data, scope, list(exc.messages))
        return _render_board(request, school, period_code, pending=pending)
    except ActionError as exc:
        if data["action"] == "lock" and data["override"]:
            # e.g. the override without a reason: ask again, on the same form
            pending = _pending(data, scope, list(exc.messages))
            return _render_board(request, school, period_code, pending=pending)
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

"""Staff screens of record issuance (issue 5): the class page (snapshots, verification, the
homeroom teacher's batch), the school page (the principal's batch, the seal) and the batch
page with its progress bar.

The views parse, authorise (404 when the class or school is hidden, 403 when visible but not
theirs) and call the actions (`create_snapshot`, `verify_page`, `start_batch`), which
re-check everything; every refusal is shown in Vietnamese and changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from hocbaso.org.models import ClassGroup, School
from hocbaso.people import access as people_access
from hocbaso.people.errors import ActionError
from hocbaso.people.scope import scope_for
from hocbaso.records import signing_access as access
from hocbaso.records.actions import can_snapshot, create_snapshot
from hocbaso.records.batches import start_batch
from hocbaso.records.models import RecordPage, SigningBatch
from hocbaso.records.signing_chain import verify_page
from hocbaso.records.views import issue_overview as overview
from hocbaso.signing.keystore import current_certificate

State = RecordPage.State
PIN_MAX = 64


def _errors(request: HttpRequest, exc: ActionError, prefix: str = "") -> None:
    for message in exc.messages:
        messages.error(request, f"{prefix}{message}")


# -- the class page ------------------------------------------------------------------------------


def _class_for(request: HttpRequest, pk: int) -> ClassGroup:
    class_group = people_access.access_class_for_user(request.user, pk)  # 404 when hidden
    if not overview.can_view_class(request.user, class_group):
        raise PermissionDenied
    return class_group


@login_required
@never_cache
@require_GET
def class_records(request: HttpRequest, pk: int) -> HttpResponse:
    class_group = _class_for(request, pk)
    data = overview.class_overview(class_group, request.user)
    is_homeroom = access.is_homeroom_teacher(request.user, class_group)
    batches = SigningBatch.objects.filter(items__page__class_group=class_group).distinct()
    certificate = current_certificate(user=request.user) if is_homeroom else None
    return render(
        request,
        "records/issue_class.html",
        {
            "class_group": class_group,
            "school": class_group.school,
            "data": data,
            "can_snapshot": can_snapshot(request.user, class_group),
            "can_verify": access.can_verify(request.user, class_group),
            "is_homeroom": is_homeroom,
            "has_certificate": certificate is not None,
            "remote_key": overview.key_is_remote(certificate),
            "manages_school": class_group.school_id in scope_for(request.user).managed_school_ids,
            "batches": batches.select_related("created_by")[:5],
        },
    )


@login_required
@require_POST
def class_snapshot(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Lập bản chốt": a draft version for every ready pupil of the class (or those chosen)."""
    class_group = people_access.access_class_for_user(request.user, pk)
    if not can_snapshot(request.user, class_group):
        raise PermissionDenied
    chosen = set(request.POST.getlist("student"))
    rows = overview.class_overview(class_group, request.user).ready
    made = 0
    for row in rows:
        if chosen and str(row.student.pk) not in chosen:
            continue
        try:
            create_snapshot(row.student.pk, class_group.pk, acting_user=request.user)
        except ActionError as exc:
            _errors(request, exc, f"{row.student.full_name}: ")
        else:
            made += 1
    if made:
        messages.success(request, _("Đã lập bản chốt cho %(n)s học sinh.") % {"n": made})
    elif not rows:
        messages.error(request, _("Không có học sinh nào đủ điều kiện lập bản chốt."))
    return redirect("class_records", pk=pk)


@login_required
@require_POST
def class_verify(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Xác nhận dữ liệu": every draft of the class becomes verified (and is rendered)."""
    class_group = people_access.access_class_for_user(request.user, pk)
    if not access.can_verify(request.user, class_group):
        raise PermissionDenied
    drafts = [p for p in overview.latest_pages(class_group).values() if p.state == State.DRAFT]
    done = 0
    for page in sorted(drafts, key=lambda p: p.record_code):
        try:
            verify_page(page.pk, acting_user=request.user)
        except ActionError as exc:
            _errors(request, exc, f"{page.student.full_name}: ")
        else:
            done += 1
    if done:
        messages.success(request, _("Đã xác nhận dữ liệu %(n)s trang học bạ.") % {"n": done})
    elif not drafts:
        messages.error(request, _("Không có bản chốt nào chờ xác nhận."))
    return redirect("class_records", pk=pk)


def _pin(request: HttpRequest) -> str:
    return request.POST.get("pin", "")[:PIN_MAX]


def _started(request: HttpRequest, batch: SigningBatch) -> HttpResponse:
    messages.success(request, _("Đã bắt đầu đợt kí số %(n)s trang học bạ.") % {"n": batch.total})
    return redirect("signing_batch", pk=batch.pk)


@login_required
@require_POST
def class_sign(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Kí số cả lớp": the homeroom teacher's batch over every verified page of the class."""
    class_group = people_access.access_class_for_user(request.user, pk)
    if not access.is_homeroom_teacher(request.user, class_group):
        raise PermissionDenied
    try:
        batch = start_batch(
            role=access.HOMEROOM, class_id=pk, pin=_pin(request), acting_user=request.user
        )
    except ActionError as exc:
        _errors(request, exc)
        return redirect("class_records", pk=pk)
    return _started(request, batch)


# -- the school page -----------------------------------------------------------------------------


@login_required
@never_cache
@require_GET
def school_records(request: HttpRequest, pk: int) -> HttpResponse:
    school = people_access.access_school_for_user(request.user, pk)
    if school.pk not in scope_for(request.user).managed_school_ids:
        raise PermissionDenied
    rows = overview.school_counts(school)
    waiting = {
        state: sum(r.by_state[overview.SHOWN_STATES.index(state)] for r in rows)
        for state in (State.SIGNED_BY_HOMEROOM, State.SIGNED_BY_PRINCIPAL)
    }
    titles = overview.school_titles(request.user, access.PRINCIPAL, school)
    certificate = current_certificate(user=request.user)
    seal = current_certificate(school_id=school.pk)
    return render(
        request,
        "records/issue_school.html",
        {
            "school": school,
            "rows": rows,
            "states": [State(s).label for s in overview.SHOWN_STATES],
            "waiting_principal": waiting[State.SIGNED_BY_HOMEROOM],
            "waiting_seal": waiting[State.SIGNED_BY_PRINCIPAL],
            "titles": titles,
            "can_seal": bool(overview.school_titles(request.user, access.SEAL, school)),
            "has_certificate": certificate is not None,
            "remote_key": overview.key_is_remote(certificate),
            "has_seal": seal is not None,
            "remote_seal": overview.key_is_remote(seal),
            "batches": SigningBatch.objects.filter(school=school).select_related("created_by")[:10],
        },
    )


def _school_for(request: HttpRequest, pk: int, role: str) -> School:
    school = people_access.access_school_for_user(request.user, pk)
    if not overview.school_titles(request.user, role, school):
        raise PermissionDenied
    return school


@login_required
@require_POST
def school_sign(request: HttpRequest, pk: int) -> HttpResponse:
    """The principal's (or a vice-principal's "KT.") batch over every page the homeroom
    teachers have signed."""
    _school_for(request, pk, access.PRINCIPAL)
    try:
        batch = start_batch(
            role=access.PRINCIPAL,
            school_id=pk,
            pin=_pin(request),
            acting_user=request.user,
            title=request.POST.get("title") or None,
        )
    except ActionError as exc:
        _errors(request, exc)
        return redirect("school_records", pk=pk)
    return _started(request, batch)


@login_required
@require_POST
def school_seal(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Đóng dấu nhà trường": the seal batch over every page the principal has signed."""
    _school_for(request, pk, access.SEAL)
    try:
        batch = start_batch(
            role=access.SEAL, school_id=pk, pin=_pin(request), acting_user=request.user
        )
    except ActionError as exc:
        _errors(request, exc)
        return redirect("school_records", pk=pk)
    return _started(request, batch)


# -- the batch page ------------------------------------------------------------------------------


def _batch_for(request: HttpRequest, pk: int) -> SigningBatch:
    """404 when missing or its school is hidden; 403 unless the user started it or manages
    the school."""
    batch = SigningBatch.objects.select_related("school", "created_by").filter(pk=pk).first()
    if batch is None:
        raise Http404
    people_access.access_school_for_user(request.user, batch.school_id)
    manages = batch.school_id in scope_for(request.user).managed_school_ids
    if batch.created_by_id != request.user.pk and not manages:
        raise PermissionDenied
    return batch


def _batch_context(batch: SigningBatch) -> dict[str, Any]:
    return {
        "batch": batch,
        "progress": overview.batch_status(batch),
        "failures": overview.failures(batch),
        "classes": overview.batch_classes(batch),
    }


@login_required
@never_cache
@require_GET
def signing_batch(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch_for(request, pk)
    context = _batch_context(batch)
    context["manages_school"] = batch.school_id in scope_for(request.user).managed_school_ids
    return render(request, "records/issue_batch.html", context)


@login_required
@never_cache
@require_GET
def signing_batch_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress bar (htmx partial) or, without ``HX-Request``, the same as JSON."""
    batch = _batch_for(request, pk)
    context = _batch_context(batch)
    if request.headers.get("HX-Request"):
        return render(request, "records/issue_batch_progress.html", context)
    failed = [
        {"page": item.page_id, "pupil": item.page.student.full_name, "error": item.error}
        for item in context["failures"]
    ]
    return JsonResponse({**context["progress"], "failures": failed})


urlpatterns: list[URLPattern] = [
    path("lop/<int:pk>/hoc-ba/", class_records, name="class_records"),
    path("lop/<int:pk>/hoc-ba/lap-ban-chot/", class_snapshot, name="class_records_snapshot"),
    path("lop/<int:pk>/hoc-ba/xac-nhan/", class_verify, name="class_records_verify"),
    path("lop/<int:pk>/hoc-ba/ki-so/", class_sign, name="class_records_sign"),
    path("truong/<int:pk>/hoc-ba/", school_records, name="school_records"),
    path("truong/<int:pk>/hoc-ba/ki-so/", school_sign, name="school_records_sign"),
    path("truong/<int:pk>/hoc-ba/dong-dau/", school_seal, name="school_records_seal"),
    path("ki-so/dot/<int:pk>/", signing_batch, name="signing_batch"),
    path("ki-so/dot/<int:pk>/tien-do/", signing_batch_progress, name="signing_batch_progress"),
]

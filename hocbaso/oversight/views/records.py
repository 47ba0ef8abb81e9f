"""The plan's records: a school's Quy chế (upload, download) and training sessions with their
attendance. Views parse, authorise and call `oversight.actions`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from hocbaso.org.models import Commune, Province
from hocbaso.oversight import access, actions
from hocbaso.oversight.models import SchoolRegulation, TrainingAttendance, TrainingSession
from hocbaso.oversight.staff import session_school_ids, staff_pairs
from hocbaso.oversight.storage import MAX_BYTES, REGULATION_FILES
from hocbaso.people.errors import ActionError
from hocbaso.people.models import User


class RegulationForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Tên quy chế"), max_length=300)
    adopted_on = forms.DateField(
        label=gettext_lazy("Ngày ban hành"), input_formats=["%d/%m/%Y", "%Y-%m-%d"]
    )
    file = forms.FileField(
        label=gettext_lazy("Tệp PDF (tối đa 10 MB)"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )


class SessionForm(forms.Form):
    held_on = forms.DateField(
        label=gettext_lazy("Ngày tập huấn"), input_formats=["%d/%m/%Y", "%Y-%m-%d"]
    )
    topic = forms.CharField(label=gettext_lazy("Nội dung tập huấn"), max_length=300)


def _add_errors(form: forms.Form, exc: ActionError) -> None:
    for message in exc.messages:
        form.add_error(None, message)


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def regulation_page(request: HttpRequest, pk: int) -> HttpResponse:
    school = access.access_school(request.user, pk)
    manages = access.manages_school(request.user, school)
    form = RegulationForm()
    if request.method == "POST":
        if not manages:
            raise PermissionDenied
        form = RegulationForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > MAX_BYTES:
                form.add_error("file", actions.MSG_TOO_BIG)
            else:
                try:
                    actions.upload_regulation(
                        school,
                        title=form.cleaned_data["title"],
                        adopted_on=form.cleaned_data["adopted_on"],
                        data=upload.read(),
                        acting_user=request.user,
                    )
                except ActionError as exc:
                    _add_errors(form, exc)
                else:
                    messages.success(request, _("Đã lưu Quy chế của trường."))
                    return redirect("oversight_regulation", school.pk)
    history = list(SchoolRegulation.objects.filter(school=school).select_related("uploaded_by"))
    return render(
        request,
        "oversight/regulation.html",
        {"school": school, "form": form, "history": history, "manages": manages},
    )


@login_required
@require_GET
@never_cache
def regulation_file(request: HttpRequest, pk: int, reg_id: int) -> HttpResponse:
    school = access.access_school(request.user, pk)
    row = SchoolRegulation.objects.filter(school=school, pk=reg_id).first()
    if row is None:
        raise Http404
    response = HttpResponse(REGULATION_FILES.read(row.sha256), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="quy-che-{school.code}-{row.pk}.pdf"'
    response["Cache-Control"] = "no-store, private"
    return response


def _sessions_page(
    request: HttpRequest, *, province: Province | None, commune: Commune | None, may: bool
) -> HttpResponse:
    form = SessionForm()
    if request.method == "POST":
        if not may:
            raise PermissionDenied
        form = SessionForm(request.POST)
        if form.is_valid():
            try:
                session = actions.create_training_session(
                    held_on=form.cleaned_data["held_on"],
                    topic=form.cleaned_data["topic"],
                    province=province,
                    commune=commune,
                    acting_user=request.user,
                )
            except ActionError as exc:
                _add_errors(form, exc)
            else:
                return redirect("oversight_training_session", session.pk)
    sessions = TrainingSession.objects.filter(province=province, commune=commune)
    return render(
        request,
        "oversight/training_list.html",
        {
            "unit": province.department_name if province else commune,
            "form": form,
            "may": may,
            "sessions": list(sessions.order_by("-held_on", "-pk")),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def province_training(request: HttpRequest, pk: int) -> HttpResponse:
    province = access.access_province(request.user, pk)
    may = access.organises_for_province(request.user, province)
    return _sessions_page(request, province=province, commune=None, may=may)


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def commune_training(request: HttpRequest, pk: int) -> HttpResponse:
    commune = access.access_commune(request.user, pk)
    may = access.organises_for_commune(request.user, commune)
    return _sessions_page(request, province=None, commune=commune, may=may)


def _access_session(user: Any, session_id: int) -> tuple[TrainingSession, bool]:
    session = (
        TrainingSession.objects.select_related("province", "commune__province", "school__commune")
        .filter(pk=session_id)
        .first()
    )
    if session is None:
        raise Http404
    if session.province is not None:
        access.access_province(user, session.province.pk)
        return session, access.organises_for_province(user, session.province)
    if session.commune is not None:
        access.access_commune(user, session.commune.pk)
        return session, access.organises_for_commune(user, session.commune)
    assert session.school is not None
    access.access_school(user, session.school.pk)
    return session, access.manages_school(user, session.school)


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def training_session(request: HttpRequest, pk: int) -> HttpResponse:
    session, may = _access_session(request.user, pk)
    pairs = staff_pairs(session_school_ids(session))
    staff = list(User.objects.filter(pk__in={u for _, u in pairs}).order_by("full_name", "pk"))
    if request.method == "POST":
        if not may:
            raise PermissionDenied
        ticked = set(request.POST.getlist("attended"))
        marks = {u.pk: str(u.pk) in ticked for u in staff}
        try:
            changed = actions.mark_attendance(session, marks, acting_user=request.user)
        except ActionError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Đã lưu điểm danh (%(n)d thay đổi).") % {"n": changed})
        return redirect("oversight_training_session", session.pk)
    attended = set(
        TrainingAttendance.objects.filter(session=session, attended=True).values_list(
            "user_id", flat=True
        )
    )
    return render(
        request,
        "oversight/training_session.html",
        {
            "session": session,
            "may": may,
            "staff": [(u, u.pk in attended) for u in staff],
            "attended": len(attended),
        },
    )

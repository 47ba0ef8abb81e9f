"""The year-end page of a class: each pupil's result with its explanation, and the forms for
what people decide (D5): commendations and supplementary assessments by the homeroom teacher,
lên lớp / ở lại lớp by the principal.

Reading follows the class (people.access); each form checks its writer first (403), then
parses, then calls its action, which re-checks everything inside its transaction.
"""

from __future__ import annotations

from collections.abc import Iterable

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hocbaso.assessment.actions.year_end import (
    CommendationInput,
    SupplementaryValue,
    decide_promotion,
    ensure_can_decide,
    ensure_can_propose,
    record_commendation,
    record_supplementary,
    void_commendation,
)
from hocbaso.assessment.models import Commendation, Entry, PromotionDecision
from hocbaso.assessment.year_end import (
    REGIME,
    ClassYearEnd,
    ShortfallItem,
    can_decide_promotion,
    can_propose,
    class_year_end,
    closure,
    shortfall_items,
)
from hocbaso.org.models import ClassGroup, Period
from hocbaso.people import access as people_access
from hocbaso.people.errors import ActionError
from hocbaso.people.models import Enrolment, Student
from hocbaso.regulation.catalogue import CATALOGUES
from hocbaso.regulation.types import QualityLevel, SubjectLevel

DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]


class CommendationForm(forms.Form):
    student = forms.IntegerField()
    kind = forms.ChoiceField(choices=Commendation.Kind.choices)
    basis = forms.CharField(required=False)  # "subject:toan", "quality:nhan_ai"…
    text = forms.CharField(required=False)
    awarded_on = forms.DateField(input_formats=DATE_FORMATS, required=False)
    class_recognised = forms.BooleanField(required=False)


class DecisionForm(forms.Form):
    student = forms.IntegerField()
    outcome = forms.ChoiceField(choices=PromotionDecision.Outcome.choices)
    decided_on = forms.DateField(input_formats=DATE_FORMATS, required=False)
    note = forms.CharField(required=False)


class SupplementaryForm(forms.Form):
    assessed_on = forms.DateField(input_formats=DATE_FORMATS, required=False)
    note = forms.CharField(required=False)


def _page(request: HttpRequest, pk: int) -> HttpResponse:
    return redirect("class_year_end", pk=pk)


def _year_end(class_group: ClassGroup, pupils: list[Student] | None = None) -> ClassYearEnd:
    try:
        return class_year_end(class_group, pupils)
    except Period.DoesNotExist:  # a school year without its CN period
        raise Http404 from None


def _basis_choices(grade: int) -> list[tuple[str, list[tuple[str, str]]]]:
    view = CATALOGUES[REGIME].grade(grade)
    return [
        ("Môn học, hoạt động giáo dục", [(f"subject:{s.code}", s.name_vi) for s in view.subjects]),
        ("Phẩm chất", [(f"quality:{q.code}", q.name_vi) for q in view.qualities]),
        ("Năng lực", [(f"competency:{c.code}", c.name_vi) for c in view.competencies]),
    ]


@login_required
@never_cache
@require_GET
def class_year_end_page(request: HttpRequest, pk: int) -> HttpResponse:
    class_group = people_access.access_class_for_user(request.user, pk)
    year_end = _year_end(class_group)
    return render(
        request,
        "assessment/year_end.html",
        {
            "class_group": class_group,
            "year_end": year_end,
            "closure": closure(year_end),
            "can_propose": can_propose(request.user, class_group),
            "can_decide": can_decide_promotion(request.user, class_group),
            "kinds": Commendation.Kind.choices,
            "outcomes": PromotionDecision.Outcome.choices,
            "basis_choices": _basis_choices(class_group.grade),
        },
    )


@login_required
@never_cache
@require_POST
def commendation_add(request: HttpRequest, pk: int) -> HttpResponse:
    ensure_can_propose(request.user, pk)
    form = CommendationForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Đề nghị khen thưởng chưa đủ thông tin (học sinh, loại, ngày).")
        return _page(request, pk)
    data = form.cleaned_data
    basis, _sep, code = data["basis"].partition(":")
    proposal = CommendationInput(
        kind=data["kind"],
        text=data["text"],
        awarded_on=data["awarded_on"],
        basis=basis,
        basis_code=code,
        class_recognised=data["class_recognised"],
    )
    try:
        record_commendation(pk, data["student"], proposal, acting_user=request.user)
    except ActionError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Đã ghi đề nghị khen thưởng.")
    return _page(request, pk)


@login_required
@never_cache
@require_POST
def commendation_void(request: HttpRequest, pk: int, commendation_id: int) -> HttpResponse:
    ensure_can_propose(request.user, pk)
    try:
        void_commendation(pk, commendation_id, request.POST.get("reason"), acting_user=request.user)
    except ActionError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Đã hủy đề nghị khen thưởng.")
    return _page(request, pk)


def _given(request: HttpRequest, items: Iterable[ShortfallItem]) -> list[SupplementaryValue]:
    return [
        SupplementaryValue(
            item.kind,
            item.code,
            request.POST.get(f"{item.field}:level"),
            request.POST.get(f"{item.field}:score"),
        )
        for item in items
    ]


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def supplementary(request: HttpRequest, pk: int, student_id: int) -> HttpResponse:
    class_group = ensure_can_propose(request.user, pk)
    enrolment = (
        Enrolment.objects.filter(
            class_group=class_group, student_id=student_id, transfer_out_on__isnull=True
        )
        .select_related("student")
        .first()
    )
    if enrolment is None:
        raise Http404
    pupil = _year_end(class_group, [enrolment.student]).pupils[0]
    items = shortfall_items(pupil.values) if pupil.values is not None else ()
    form = SupplementaryForm(request.POST or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            record_supplementary(
                pk,
                student_id,
                _given(request, items),
                assessed_on=form.cleaned_data["assessed_on"],
                note=form.cleaned_data["note"],
                acting_user=request.user,
            )
        except ActionError as exc:
            errors = exc.messages
        else:
            messages.success(request, "Đã ghi kết quả đánh giá bổ sung.")
            return _page(request, pk)
    return render(
        request,
        "assessment/year_end_supplementary.html",
        {
            "class_group": class_group,
            "pupil": pupil,
            "items": items,
            "form": form,
            "errors": errors,
            "subject_levels": [level.value for level in SubjectLevel],
            "rated_levels": [level.value for level in QualityLevel],
            "subject_kind": Entry.Kind.SUBJECT,
        },
    )


@login_required
@never_cache
@require_POST
def promotion(request: HttpRequest, pk: int) -> HttpResponse:
    ensure_can_decide(request.user, pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Chọn học sinh và quyết định Lên lớp hoặc Ở lại lớp.")
        return _page(request, pk)
    data = form.cleaned_data
    try:
        decide_promotion(
            pk,
            data["student"],
            data["outcome"],
            decided_on=data["decided_on"],
            note=data["note"],
            acting_user=request.user,
        )
    except ActionError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Đã ghi quyết định của Hiệu trưởng.")
    return _page(request, pk)


urlpatterns: list[URLPattern] = [
    path("lop/<int:pk>/cuoi-nam/", class_year_end_page, name="class_year_end"),
    path("lop/<int:pk>/cuoi-nam/khen-thuong/", commendation_add, name="year_end_commendation"),
    path(
        "lop/<int:pk>/cuoi-nam/khen-thuong/<int:commendation_id>/huy/",
        commendation_void,
        name="year_end_commendation_void",
    ),
    path(
        "lop/<int:pk>/cuoi-nam/danh-gia-bo-sung/<int:student_id>/",
        supplementary,
        name="year_end_supplementary",
    ),
    path("lop/<int:pk>/cuoi-nam/len-lop/", promotion, name="year_end_promotion"),
]

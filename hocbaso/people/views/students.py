from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from hocbaso.people import access
from hocbaso.people.actions.photos import (
    record_personal_id_view,
    record_photo_view,
    set_student_photo,
)
from hocbaso.people.actions.students import update_student_profile, verify_student_field
from hocbaso.people.code_lists import ETHNICITIES, NATIONALITIES
from hocbaso.people.completeness import completeness_for
from hocbaso.people.errors import ActionError
from hocbaso.people.forms import PhotoUploadForm, StudentProfileForm, VerifyFieldForm
from hocbaso.people.models import Enrolment, FieldVerification, StudentPhoto
from hocbaso.people.personal_id import mask_personal_id
from hocbaso.people.photo_storage import read_photo
from hocbaso.people.profile_fields import PROFILE_FIELDS
from hocbaso.people.profile_validation import nfc

PAGE_SIZE = 50


@login_required
@never_cache
def student_list(request: HttpRequest) -> HttpResponse:
    query = nfc(request.GET.get("q", ""))  # names are stored NFC; some keyboards send NFD
    pupils = access.students_visible_to(request.user).select_related("school")
    if query:
        pupils = pupils.filter(Q(full_name__icontains=query) | Q(moet_code=query))
    pupils = pupils.annotate(
        has_photo=Exists(
            StudentPhoto.objects.filter(student=OuterRef("pk"), voided_at__isnull=True)
        )
    ).order_by("full_name", "pk")
    page = Paginator(pupils, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "people/student_list.html", {"page": page, "query": query})


def _profile_rows(student: object, verified: set[str]) -> list[dict[str, object]]:
    rows = []
    for pf in PROFILE_FIELDS:
        value = getattr(student, pf.name)
        if pf.name == "gender":
            display = student.get_gender_display()  # type: ignore[attr-defined]
        elif pf.name == "ethnicity":
            display = ETHNICITIES.get(value, value)
        elif pf.name == "nationality":
            display = NATIONALITIES.get(value, value)
        elif pf.name == "birth_date":
            display = value.strftime("%d/%m/%Y")
        elif pf.name == "personal_id":
            display = mask_personal_id(value)
        else:
            display = value
        rows.append(
            {
                "name": pf.name,
                "label": pf.label,
                "display": display,
                "missing": value in (None, ""),
                "verifiable": pf.verifiable,
                "verified": pf.name in verified,
            }
        )
    return rows


def _render_detail(
    request: HttpRequest, student_id: int, *, reveal_personal_id: bool = False
) -> HttpResponse:
    student = access.access_student_for_user(request.user, student_id)
    verified = {
        f
        for f, h in FieldVerification.objects.filter(student=student).values_list(
            "field", "value_hash"
        )
        if h == FieldVerification.hash_value(getattr(student, f))
    }
    enrolments = (
        Enrolment.objects.filter(student=student)
        .select_related("class_group__school_year", "class_group__school")
        # newest first; in one year a return to the class after a transfer out comes first
        .order_by("-class_group__school_year__code", "-enrolled_on", "-pk")
    )
    entry = completeness_for([student])[0]
    context = {
        "student": student,
        "rows": _profile_rows(student, verified),
        "enrolments": enrolments,
        "guardians": student.guardians.all(),
        "completeness": entry,
        "can_edit": access.can_edit_student(request.user, student),
        "can_view_personal_id": access.can_view_personal_id(request.user, student),
        "has_photo": StudentPhoto.objects.filter(student=student, voided_at__isnull=True).exists(),
        "verify_form": VerifyFieldForm(),
        "photo_form": PhotoUploadForm(),
        "revealed_personal_id": (
            record_personal_id_view(student, acting_user=request.user)
            if reveal_personal_id
            else None
        ),
    }
    return render(request, "people/student_detail.html", context)


@login_required
@never_cache
def student_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, pk)


@login_required
@never_cache
@require_POST
def student_personal_id(request: HttpRequest, pk: int) -> HttpResponse:
    student = access.access_student_for_user(request.user, pk)
    if not access.can_view_personal_id(request.user, student):
        return HttpResponse(_("Bạn không có quyền xem số định danh cá nhân."), status=403)
    return _render_detail(request, pk, reveal_personal_id=True)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def student_edit(request: HttpRequest, pk: int) -> HttpResponse:
    student = access.access_student_for_user(request.user, pk, write=True)
    if request.method == "POST":
        form = StudentProfileForm(request.POST, student=student)
        try:
            update_student_profile(student.pk, form.raw_values(), acting_user=request.user)
        except ActionError as exc:
            for name, errors in exc.field_errors.items():
                for error in errors:
                    form.add_error(name if name in form.fields else None, error)
            if not exc.field_errors:
                for error in exc.messages:
                    form.add_error(None, error)
        else:
            messages.success(request, _("Đã lưu hồ sơ học sinh."))
            return redirect("student_detail", pk=student.pk)
    else:
        form = StudentProfileForm(student=student)
    return render(request, "people/student_edit.html", {"student": student, "form": form})


@login_required
@never_cache
@require_POST
def student_verify(request: HttpRequest, pk: int) -> HttpResponse:
    student = access.access_student_for_user(request.user, pk, write=True)
    form = VerifyFieldForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Yêu cầu xác minh không hợp lệ."))
    else:
        try:
            verify_student_field(
                student.pk,
                form.cleaned_data["field"],
                form.cleaned_data["source"],
                acting_user=request.user,
            )
        except ActionError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Đã ghi nhận xác minh."))
    return redirect("student_detail", pk=student.pk)


@login_required
@never_cache
@require_POST
def student_photo_upload(request: HttpRequest, pk: int) -> HttpResponse:
    student = access.access_student_for_user(request.user, pk, write=True)
    form = PhotoUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Chưa chọn tệp ảnh."))
    else:
        try:
            set_student_photo(
                student.pk, form.cleaned_data["photo"].read(), acting_user=request.user
            )
        except ActionError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Đã cập nhật ảnh."))
    return redirect("student_detail", pk=student.pk)


@login_required
@never_cache
def student_photo(request: HttpRequest, pk: int) -> HttpResponse:
    student = access.access_student_for_user(request.user, pk)
    photo = record_photo_view(student, acting_user=request.user)
    if photo is None:
        return HttpResponse(_("Học sinh chưa có ảnh."), status=404)
    response = HttpResponse(read_photo(photo.sha256), content_type="image/jpeg")
    # security.md E4: never rendered as a document if opened directly; <img> ignores this.
    response["Content-Disposition"] = 'attachment; filename="anh-hoc-sinh.jpg"'
    response["Cache-Control"] = "no-store, private"
    return response

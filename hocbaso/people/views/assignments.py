"""The principal's assignment screen: homeroom and subject teachers of every class."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hocbaso.org.models import ClassGroup
from hocbaso.people import access
from hocbaso.people.actions.assignments import (
    assign_homeroom,
    assign_teacher,
    end_teaching_assignment,
)
from hocbaso.people.errors import ActionError
from hocbaso.people.models import HomeroomAssignment, TeachingAssignment
from hocbaso.people.staff_directory import school_staff
from hocbaso.regulation.catalogue import subject_name, subjects_for_grade


@login_required
def school_assignments(request: HttpRequest, pk: int) -> HttpResponse:
    school = access.access_managed_school_for_user(request.user, pk)
    classes = list(
        ClassGroup.objects.filter(school=school)
        .select_related("school_year")
        .order_by("-school_year__code", "grade", "name")
    )
    teaching: dict[tuple[int, str], int] = {
        (a.class_group_id, a.subject_code): a.user_id
        for a in TeachingAssignment.objects.active().filter(class_group__in=classes)
    }
    homeroom = {
        h.class_group_id: h.user_id
        for h in HomeroomAssignment.objects.active().filter(class_group__in=classes)
    }
    rows = [
        {
            "class_group": c,
            "homeroom": homeroom.get(c.pk),
            "subjects": [
                (code, subject_name(code), teaching.get((c.pk, code)))
                for code in subjects_for_grade(c.grade)
            ],
        }
        for c in classes
    ]
    return render(
        request,
        "people/school_assignments.html",
        {"school": school, "rows": rows, "staff": list(school_staff(school))},
    )


def _user_id(raw: str | None) -> int | None:
    if raw is None or raw == "":
        return None
    if not raw.isdigit():
        raise ActionError(_("Giáo viên được chọn không hợp lệ."))
    return int(raw)


@login_required
@require_POST
def class_assignments(request: HttpRequest, pk: int) -> HttpResponse:
    class_group = access.access_class_for_user(request.user, pk)
    if not access.can_manage_school(request.user, class_group.school):
        raise PermissionDenied
    staff_ids = set(school_staff(class_group.school).values_list("pk", flat=True))
    try:
        with transaction.atomic():
            homeroom_id = _user_id(request.POST.get("homeroom"))
            if homeroom_id is not None:
                if homeroom_id not in staff_ids:
                    raise ActionError(_("Giáo viên được chọn không thuộc trường."))
                assign_homeroom(homeroom_id, class_group.pk, acting_user=request.user)
            current = {
                a.subject_code: a
                for a in TeachingAssignment.objects.active().filter(class_group=class_group)
            }
            for code in subjects_for_grade(class_group.grade):
                field = f"subject_{code}"
                if field not in request.POST:
                    continue
                teacher_id = _user_id(request.POST.get(field))
                if teacher_id is None:
                    if code in current:
                        end_teaching_assignment(current[code].pk, acting_user=request.user)
                    continue
                if teacher_id not in staff_ids:
                    raise ActionError(_("Giáo viên được chọn không thuộc trường."))
                assign_teacher(teacher_id, class_group.pk, code, acting_user=request.user)
    except ActionError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Đã lưu phân công lớp %(name)s.") % {"name": class_group.name})
    return redirect("school_assignments", pk=class_group.school_id)

"""The home page: for each role, what to do next."""

from __future__ import annotations

from typing import cast

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from hocbaso.org.models import ClassGroup, Province
from hocbaso.people import access
from hocbaso.people.completeness import completeness_for
from hocbaso.people.models import Guardian, Student, TeachingAssignment, User
from hocbaso.people.scope import scope_for
from hocbaso.regulation.catalogue import subject_name


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)  # login_required
    scope = scope_for(user)
    context: dict[str, object] = {"scope": scope}
    if scope.homeroom_class_ids:
        homeroom_classes = list(
            ClassGroup.objects.filter(pk__in=scope.homeroom_class_ids).select_related("school")
        )
        todo = []
        for class_group in homeroom_classes:
            pupils = Student.objects.filter(
                enrolments__class_group=class_group, enrolments__transfer_out_on__isnull=True
            )
            entries = completeness_for(pupils)
            incomplete = sum(1 for e in entries if not e.is_complete)
            todo.append((class_group, len(entries), incomplete))
        context["homeroom"] = todo
    if scope.teaching_class_ids:
        context["teaching"] = [
            (a.class_group, subject_name(a.subject_code))
            for a in TeachingAssignment.objects.active()
            .filter(user=user)
            .select_related("class_group__school")
            .order_by("class_group__grade", "class_group__name", "subject_code")
        ]
    if scope.managed_school_ids or scope.group_head_grades:
        context["schools"] = list(
            access.schools_visible_to(user)
            .filter(Q(pk__in=scope.managed_school_ids) | Q(pk__in=list(scope.group_head_grades)))
            .annotate(pupils=Count("students", distinct=True))
        )
    if (
        scope.province_ids
        or scope.commune_ids
        or scope.inspected_school_ids
        or scope.is_system_admin
    ):
        context["oversight_schools"] = access.schools_visible_to(user).count()
        # Sở officers and province inspectors read their province's audit trail
        context["trail_provinces"] = list(
            Province.objects.filter(pk__in=scope.province_ids).order_by("name")
        )
    if scope.guardian_student_ids:
        context["children"] = list(
            Guardian.objects.filter(user=user, unlinked_at__isnull=True).select_related(
                "student__school"
            )
        )
    return render(request, "people/home.html", context)

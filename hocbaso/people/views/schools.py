"""Schools, classes and the completeness boards."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from hocbaso.org.models import Period
from hocbaso.people import access
from hocbaso.people.completeness import completeness_for
from hocbaso.people.models import Enrolment, HomeroomAssignment, Student
from hocbaso.people.report_counts import open_report_counts
from hocbaso.people.roster_links import openable_pupils
from hocbaso.people.scope import scope_for


@login_required
def school_list(request: HttpRequest) -> HttpResponse:
    schools = (
        access.schools_visible_to(request.user)
        .select_related("commune")
        .annotate(pupils=Count("students", distinct=True))
        .order_by("commune__name", "name")
    )
    return render(request, "people/school_list.html", {"schools": schools})


def _active_pupils(class_ids: list[int]) -> Q:
    return Q(enrolments__class_group_id__in=class_ids, enrolments__transfer_out_on__isnull=True)


@login_required
def school_detail(request: HttpRequest, pk: int) -> HttpResponse:
    school = access.access_school_for_user(request.user, pk)
    scope = scope_for(request.user)
    classes = (
        access.classes_visible_to(request.user)
        .filter(school=school)
        .select_related("school_year")
        .annotate(
            pupils=Count(
                "enrolments", filter=Q(enrolments__transfer_out_on__isnull=True), distinct=True
            )
        )
        .order_by("-school_year__code", "grade", "name")
    )
    homerooms = {
        h.class_group_id: h.user
        for h in HomeroomAssignment.objects.active()
        .filter(class_group__in=classes)
        .select_related("user")
    }
    rows = [(c, homerooms.get(c.pk)) for c in classes]
    return render(
        request,
        "people/school_detail.html",
        {
            "school": school,
            "rows": rows,
            "can_manage": access.can_manage_school(request.user, school),
            "can_see_progress": (
                scope.reads_whole_school(school) or school.pk in scope.group_head_grades
            ),
        },
    )


@login_required
@never_cache
def class_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The class roster: a fixed number of queries whatever the class size."""
    class_group = access.access_class_for_user(request.user, pk)
    enrolments = list(
        Enrolment.objects.filter(class_group=class_group, transfer_out_on__isnull=True)
        .select_related("student")
        .order_by("student__full_name", "student__pk")
    )
    entries = completeness_for([e.student for e in enrolments])
    linked = openable_pupils(request.user, class_group, [e.student_id for e in enrolments])
    homeroom = (
        HomeroomAssignment.objects.active()
        .filter(class_group=class_group)
        .select_related("user")
        .first()
    )
    rows = list(zip(enrolments, entries, strict=True))
    return render(
        request,
        "people/class_detail.html",
        {
            "class_group": class_group,
            "rows": rows,
            "linked": linked,
            "homeroom": homeroom.user if homeroom else None,
            "complete": sum(1 for e in entries if e.is_complete),
            "period_codes": [code for code, _ in Period.Code.choices],
            "open_reports": open_report_counts([class_group.pk]).get(class_group.pk, 0),
        },
    )


@login_required
@never_cache
def class_completeness(request: HttpRequest, pk: int) -> HttpResponse:
    class_group = access.access_class_for_user(request.user, pk)
    pupils = Student.objects.filter(
        enrolments__class_group=class_group, enrolments__transfer_out_on__isnull=True
    ).order_by("full_name", "pk")
    entries = completeness_for(pupils)
    return render(
        request,
        "people/class_completeness.html",
        {
            "class_group": class_group,
            "entries": entries,
            "linked": openable_pupils(request.user, class_group, [e.student.pk for e in entries]),
            "complete": sum(1 for e in entries if e.is_complete),
        },
    )


@login_required
@never_cache
def school_completeness(request: HttpRequest, pk: int) -> HttpResponse:
    school = access.access_school_for_user(request.user, pk)
    classes = list(
        access.classes_visible_to(request.user)
        .filter(school=school)
        .select_related("school_year")  # shown on each row
        .order_by("-school_year__code", "grade", "name")
    )
    enrolments = Enrolment.objects.filter(
        class_group__in=classes, transfer_out_on__isnull=True
    ).select_related("student")
    by_class: dict[int, list[Student]] = {}
    for enrolment in enrolments:
        by_class.setdefault(enrolment.class_group_id, []).append(enrolment.student)
    all_entries = {
        e.student.pk: e for e in completeness_for([s for v in by_class.values() for s in v])
    }
    rows = []
    missing_counts: dict[str, int] = {}
    for class_group in classes:
        entries = [all_entries[s.pk] for s in by_class.get(class_group.pk, [])]
        for entry in entries:
            for label in [*entry.missing, *entry.unverified]:
                missing_counts[str(label)] = missing_counts.get(str(label), 0) + 1
        rows.append(
            {
                "class_group": class_group,
                "total": len(entries),
                "complete": sum(1 for e in entries if e.is_complete),
                "missing": sum(1 for e in entries if e.missing),
                "unverified": sum(1 for e in entries if e.unverified),
            }
        )
    return render(
        request,
        "people/school_completeness.html",
        {"school": school, "rows": rows, "missing_counts": sorted(missing_counts.items())},
    )

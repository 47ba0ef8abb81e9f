"""The entry progress board of a school for one period (`progress.py` holds the counts)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from hocbaso.assessment.progress import access_progress_for_user, board_classes, progress_for
from hocbaso.org.models import Period
from hocbaso.people.imports.classes import current_school_year


@login_required
@never_cache
@require_GET
def school_progress(request: HttpRequest, pk: int, period_code: str) -> HttpResponse:
    """Per class × sheet of the current school year: a fixed number of queries."""
    school, grades = access_progress_for_user(request.user, pk)
    year = current_school_year(school, timezone.localdate())
    periods = list(Period.objects.filter(school_year=year).order_by("order")) if year else []
    period = next((p for p in periods if p.code == period_code), None)
    if year is None or period is None:
        raise Http404
    board = progress_for(board_classes(school, period, grades), period)
    return render(
        request,
        "assessment/progress_school.html",
        {
            "school": school,
            "year": year,
            "period": period,
            "periods": periods,
            "board": board,
            "grades": sorted(grades) if grades is not None else None,
            "totals": {
                "pupils": sum(c.pupils for c in board),
                "levels": sum(c.levels for c in board),
                "levels_expected": sum(c.levels_expected for c in board),
                "scores": sum(c.scores for c in board),
                "scores_expected": sum(c.scores_expected for c in board),
                "missing": sum(c.missing for c in board),
            },
        },
    )


urlpatterns: list[URLPattern] = [
    path("truong/<int:pk>/tien-do/<str:period_code>/", school_progress, name="school_progress"),
]

"""The dashboards (province → commune → school → class) and their .xlsx exports
(`?format=xlsx`). Views parse, authorise (oversight.access, 404 when hidden) and render."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from hocbaso.org.models import Commune, Province, School
from hocbaso.oversight import access, actions, boards, charts
from hocbaso.oversight.columns import (
    COMMUNE_COLUMNS,
    GRADE_COLUMNS,
    PROVINCE_COLUMNS,
    SCHOOL_COLUMNS,
    Column,
    cells,
)
from hocbaso.oversight.exports import xlsx_response
from hocbaso.oversight.indicators.pupils import pupil_rows
from hocbaso.oversight.models import SchoolRegulation
from hocbaso.oversight.rows import Row
from hocbaso.oversight.staff_table import staff_lines
from hocbaso.people.scope import scope_for


def _table(columns: Sequence[Column], rows: Sequence[Row]) -> dict[str, Any]:
    return {
        "headers": [str(c.label) for c in columns],
        "rows": [(r.url, cells(tuple(columns), r)) for r in rows],
    }


def _wants_xlsx(request: HttpRequest) -> bool:
    return request.GET.get("format") == "xlsx"


def _export(
    request: HttpRequest, level: str, subject: Any, columns: Sequence[Column], rows: list[Row]
) -> HttpResponse:
    actions.log_export(level, subject, rows=len(rows), acting_user=request.user)
    table = [cells(tuple(columns), r) for r in rows]
    return xlsx_response(
        [str(c.label) for c in columns],
        table,
        basename=f"dieu-hanh-{level}-{subject.pk}",
        title=str(subject),
    )


@login_required
@require_GET
@never_cache
def entry(request: HttpRequest) -> HttpResponse:
    """The dashboards a user may open: straight to the only one, else a list."""
    scope = scope_for(request.user)
    links: list[tuple[str, str]] = []
    provinces = (
        Province.objects.all()
        if scope.is_system_admin
        else Province.objects.filter(pk__in=scope.province_ids)
    )
    links += [(reverse("oversight_province", args=[p.pk]), p.department_name) for p in provinces]
    if not scope.is_system_admin:
        communes = Commune.objects.filter(pk__in=scope.commune_ids).exclude(
            province_id__in=scope.province_ids
        )
        links += [(reverse("oversight_commune", args=[c.pk]), c.name) for c in communes]
        schools = School.objects.filter(pk__in=scope.managed_school_ids)
        links += [(reverse("oversight_school", args=[s.pk]), s.name) for s in schools]
    if len(links) == 1:
        return redirect(links[0][0])
    return render(request, "oversight/entry.html", {"links": links})


@login_required
@require_GET
@never_cache
def province_page(request: HttpRequest, pk: int) -> HttpResponse:
    province = access.access_province(request.user, pk)
    board = boards.province_board(province)
    if _wants_xlsx(request):
        return _export(request, "province", province, PROVINCE_COLUMNS, board.rows)
    return render(
        request,
        "oversight/province.html",
        {
            "province": province,
            "board": board,
            "table": _table(PROVINCE_COLUMNS, board.rows),
            "total": cells(PROVINCE_COLUMNS, board.total),
            "grades": _table(GRADE_COLUMNS, board.grades),
            "targets": charts.target_bars(board.total),
            "entry_bars": charts.entry_bars(board.rows),
            "organises": access.organises_for_province(request.user, province),
        },
    )


@login_required
@require_GET
@never_cache
def commune_page(request: HttpRequest, pk: int) -> HttpResponse:
    commune = access.access_commune(request.user, pk)
    board = boards.commune_board(commune)
    if _wants_xlsx(request):
        return _export(request, "commune", commune, COMMUNE_COLUMNS, board.rows)
    return render(
        request,
        "oversight/commune.html",
        {
            "commune": commune,
            "board": board,
            "table": _table(COMMUNE_COLUMNS, board.rows),
            "total": cells(COMMUNE_COLUMNS, board.total),
            "grades": _table(GRADE_COLUMNS, board.grades),
            "targets": charts.target_bars(board.total),
            "entry_bars": charts.entry_bars(board.rows),
            "sees_province": access.reads_province(request.user, commune.province),
            "organises": access.organises_for_commune(request.user, commune),
        },
    )


@login_required
@require_GET
@never_cache
def school_page(request: HttpRequest, pk: int) -> HttpResponse:
    school = access.access_school(request.user, pk)
    board, own = boards.school_board(school)
    if _wants_xlsx(request):
        return _export(request, "school", school, SCHOOL_COLUMNS, board.rows)
    return render(
        request,
        "oversight/school.html",
        {
            "school": school,
            "board": board,
            "own": own,
            "table": _table(SCHOOL_COLUMNS, board.rows),
            "total": cells(SCHOOL_COLUMNS, board.total),
            "grades": _table(GRADE_COLUMNS, board.grades),
            "targets": charts.target_bars(own, area=False),
            "entry_bars": charts.entry_bars(board.rows),
            "staff": staff_lines(school),
            "regulation": SchoolRegulation.objects.filter(
                school=school, voided_at__isnull=True
            ).first(),
            "manages": access.manages_school(request.user, school),
            "sees_commune": access.reads_commune(request.user, school.commune),
        },
    )


def _yes(value: bool) -> str:
    return _("Có") if value else _("Chưa")


@login_required
@require_GET
@never_cache
def class_page(request: HttpRequest, pk: int) -> HttpResponse:
    class_group = access.access_class(request.user, pk)
    pupils = list(pupil_rows(class_group.pk))
    header = [
        _("Họ và tên"),
        _("Hồ sơ đầy đủ"),
        _("Có ảnh"),
        _("Có số định danh"),
        _("Học bạ đã phát hành"),
    ]
    rows = [
        [
            p.full_name,
            _yes(p.filled and p.has_photo and p.has_id),  # type: ignore[attr-defined]
            _yes(p.has_photo),  # type: ignore[attr-defined]
            _yes(p.has_id),  # type: ignore[attr-defined]
            _yes(p.issued),  # type: ignore[attr-defined]
        ]
        for p in pupils
    ]
    if _wants_xlsx(request):
        actions.log_export("class", class_group, rows=len(rows), acting_user=request.user)
        return xlsx_response(
            header, rows, basename=f"dieu-hanh-lop-{class_group.pk}", title=str(class_group.name)
        )
    return render(
        request,
        "oversight/class.html",
        {
            "class_group": class_group,
            "school": class_group.school,
            "sees_school": True,
            "table": {"headers": header, "rows": [("", r) for r in rows]},
        },
    )

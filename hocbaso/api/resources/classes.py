"""/classes: read-only class rosters and class results for staff integrations, scoped by the
access choke point (people.access): a class the token's holder may not read is a 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema

from hocbaso.api.errors import AUTHENTICATED, NOT_FOUND
from hocbaso.api.pagination import Page, PageParams, page_of
from hocbaso.api.resources.ids import Id
from hocbaso.assessment.summary import build_summary
from hocbaso.org.models import ClassGroup, Period
from hocbaso.people import access
from hocbaso.people.models import Enrolment

router = Router(tags=["Lớp học (cán bộ)"])


class SchoolRefOut(Schema):
    id: int
    code: str
    name: str


class ClassOut(Schema):
    id: int
    name: str
    grade: int
    school_year: str
    school: SchoolRefOut


class PupilOut(Schema):
    id: int
    full_name: str
    gender: int = Field(..., description="1 = nam, 2 = nữ (QCVN 109:2017/BTTTT).")
    birth_date: dt.date
    register_number: str = Field(..., description="Số đăng bộ.")
    moet_code: str | None = Field(..., description="Mã học sinh trong CSDL ngành.")


class PeriodOut(Schema):
    id: int
    code: str = Field(..., description="GHKI, CHKI, GHKII hoặc CN.")
    name: str
    school_year: str


class ColumnOut(Schema):
    key: str
    kind: str = Field(..., description="identity, subject_level, score, rated_level hoặc year_end.")
    label: str


class ResultRowOut(Schema):
    student_id: int
    values: list[str | int | None] = Field(..., description="Giá trị theo thứ tự của `columns`.")


class ClassResultsOut(Page[ResultRowOut]):
    class_id: int
    period: PeriodOut
    title: str
    columns: list[ColumnOut]


def _class_out(c: ClassGroup) -> dict[str, Any]:
    return {
        "id": c.pk,
        "name": c.name,
        "grade": c.grade,
        "school_year": c.school_year.code,
        "school": {"id": c.school.pk, "code": c.school.code, "name": c.school.name},
    }


def period_out(p: Period, school_year_code: str) -> dict[str, Any]:
    return {
        "id": p.pk,
        "code": p.code,
        "name": p.get_code_display(),
        "school_year": school_year_code,
    }


@router.get(
    "/classes",
    response={200: Page[ClassOut], **AUTHENTICATED},
    summary="Các lớp tôi được xem",
    operation_id="list_classes",
)
def list_classes(request: HttpRequest, params: Query[PageParams]) -> dict[str, Any]:
    rows = (
        access.classes_visible_to(request.user)
        .select_related("school", "school_year")
        .order_by("school__code", "-school_year__starts_on", "grade", "name", "pk")
    )
    page = page_of(rows, params)
    page["items"] = [_class_out(c) for c in page["items"]]
    return page


@router.get(
    "/classes/{class_id}",
    response={200: ClassOut, **AUTHENTICATED, **NOT_FOUND},
    summary="Một lớp",
    operation_id="get_class",
)
def get_class(request: HttpRequest, class_id: Id) -> dict[str, Any]:
    return _class_out(access.access_class_for_user(request.user, class_id))


@router.get(
    "/classes/{class_id}/pupils",
    response={200: Page[PupilOut], **AUTHENTICATED, **NOT_FOUND},
    summary="Học sinh đang học trong lớp",
    operation_id="list_class_pupils",
)
def list_class_pupils(
    request: HttpRequest, class_id: Id, params: Query[PageParams]
) -> dict[str, Any]:
    class_group = access.access_class_for_user(request.user, class_id)
    rows = (
        Enrolment.objects.filter(class_group=class_group, transfer_out_on__isnull=True)
        .select_related("student")
        .order_by("student__full_name", "student__pk")
    )
    page = page_of(rows, params)
    page["items"] = [
        {
            "id": e.student.pk,
            "full_name": e.student.full_name,
            "gender": e.student.gender,
            "birth_date": e.student.birth_date,
            "register_number": e.register_number,
            "moet_code": e.student.moet_code,
        }
        for e in page["items"]
    ]
    return page


@router.get(
    "/classes/{class_id}/periods",
    response={200: Page[PeriodOut], **AUTHENTICATED, **NOT_FOUND},
    summary="Các kì đánh giá của năm học của lớp",
    operation_id="list_class_periods",
)
def list_class_periods(
    request: HttpRequest, class_id: Id, params: Query[PageParams]
) -> dict[str, Any]:
    class_group = access.access_class_for_user(request.user, class_id)
    rows = Period.objects.filter(school_year_id=class_group.school_year_id).order_by("order")
    page = page_of(rows, params)
    page["items"] = [period_out(p, class_group.school_year.code) for p in page["items"]]
    return page


@router.get(
    "/classes/{class_id}/periods/{period_id}/results",
    response={200: ClassResultsOut, **AUTHENTICATED, **NOT_FOUND},
    summary="Bảng tổng hợp kết quả đánh giá của lớp ở một kì",
    operation_id="get_class_results",
)
def get_class_results(
    request: HttpRequest, class_id: Id, period_id: Id, params: Query[PageParams]
) -> dict[str, Any]:
    class_group = access.access_class_for_user(request.user, class_id)
    period = Period.objects.filter(pk=period_id, school_year_id=class_group.school_year_id).first()
    if period is None:
        raise Http404
    summary = build_summary(class_group, period)
    page = page_of(summary.rows, params)
    page["items"] = [{"student_id": r.student_id, "values": list(r.cells)} for r in page["items"]]
    return {
        **page,
        "class_id": class_group.pk,
        "period": period_out(period, class_group.school_year.code),
        "title": f"{summary.title} — {summary.subtitle}",
        "columns": [{"key": c.key, "kind": str(c.kind), "label": c.label} for c in summary.columns],
    }

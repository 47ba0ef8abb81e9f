"""/children/{id}/periods: the periods whose results the school has released to parents, and a
child's results of one of them (`assessment.released_results`). A period not released for the
child answers 404, like a missing one."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema

from hocbaso.api.errors import AUTHENTICATED, NOT_FOUND
from hocbaso.api.pagination import Page, PageParams, page_of
from hocbaso.api.resources.ids import Id
from hocbaso.assessment.release import released_periods
from hocbaso.assessment.released_results import results_for
from hocbaso.people.guardianship import access_child_for_parent

router = Router(tags=["Con của tôi"])


class ReleasedPeriodOut(Schema):
    id: int
    code: str = Field(..., description="GHKI, CHKI, GHKII hoặc CN.")
    name: str
    school_year: str


class UnitResultOut(Schema):
    code: str
    name: str
    level: str = Field(..., description="T, H, C hoặc rỗng (chưa đánh giá).")
    level_label: str
    score: int | None = Field(..., description="Điểm bài kiểm tra định kì (nếu có).")
    comment: str


class RatedResultOut(Schema):
    code: str
    name: str
    level: str = Field(..., description="T, Đ, C hoặc rỗng.")
    level_label: str
    comment: str


class YearEndOut(Schema):
    result: str = Field(..., description="HTXS, HTT, HT, CHT hoặc rỗng.")
    result_label: str
    completion: str
    awards: list[str]
    after_supplementary: str
    promotion: str


class ChildResultsOut(Schema):
    student_id: int
    student_name: str
    school_name: str
    class_name: str
    grade: int
    school_year: str
    period_id: int
    period_code: str
    period_label: str
    released_at: dt.datetime
    units: list[UnitResultOut]
    qualities: list[RatedResultOut]
    competencies: list[RatedResultOut]
    year_end: YearEndOut | None = Field(..., description="Chỉ có ở kì Cuối năm học.")


@router.get(
    "/children/{child_id}/periods",
    response={200: Page[ReleasedPeriodOut], **AUTHENTICATED, **NOT_FOUND},
    summary="Các kì đã công bố kết quả của con",
    operation_id="list_child_periods",
)
def list_child_periods(
    request: HttpRequest, child_id: Id, params: Query[PageParams]
) -> dict[str, Any]:
    child = access_child_for_parent(request.user, child_id)
    page = page_of(released_periods(child), params)
    page["items"] = [
        {
            "id": p.pk,
            "code": p.code,
            "name": p.get_code_display(),
            "school_year": p.school_year.code,
        }
        for p in page["items"]
    ]
    return page


@router.get(
    "/children/{child_id}/periods/{period_id}/results",
    response={200: ChildResultsOut, **AUTHENTICATED, **NOT_FOUND},
    summary="Kết quả đánh giá của con ở một kì đã công bố",
    operation_id="get_child_results",
)
def get_child_results(request: HttpRequest, child_id: Id, period_id: Id) -> dict[str, Any]:
    child = access_child_for_parent(request.user, child_id)
    period = next((p for p in released_periods(child) if p.pk == period_id), None)
    if period is None:
        raise Http404
    results = results_for(child, period)
    if results is None:
        raise Http404
    return {**asdict(results), "period_id": period.pk}

"""/children/{id}/profile: a parent confirms a field of the identity page as it is, or reports
it wrong, through the parents' feedback actions (people.actions.parent_feedback), and follows
their reports. A refusal (already confirmed, a report pending, an empty comment…) is a 400 with
the action's Vietnamese message; a pupil not linked to the token's holder a 404."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from hocbaso.api.errors import AUTHENTICATED, NOT_FOUND, WRITE
from hocbaso.api.pagination import Page, PageParams, page_of
from hocbaso.api.resources.ids import NO_NUL, Id
from hocbaso.people.actions.parent_feedback import (
    MAX_COMMENT,
    confirm_profile_field,
    report_profile_error,
)
from hocbaso.people.guardianship import access_child_for_parent
from hocbaso.people.models import ProfileReport
from hocbaso.people.profile_fields import FIELDS_BY_NAME, PROFILE_FIELDS, VERIFIABLE_FIELDS

router = Router(tags=["Con của tôi"])

ConfirmableField = StrEnum(  # type: ignore[misc]
    "ConfirmableField", {name: name for name in VERIFIABLE_FIELDS}
)
ReportableField = StrEnum(  # type: ignore[misc]
    "ReportableField", {f.name: f.name for f in PROFILE_FIELDS}
)


class ConfirmationIn(Schema):
    field: ConfirmableField = Field(..., description="Thông tin cha mẹ xác nhận là đúng.")


class ConfirmationOut(Schema):
    field: str
    source: str = Field(..., description="parent_confirmation")
    verified_at: dt.datetime


class ReportIn(Schema):
    field: ReportableField = Field(..., description="Thông tin cha mẹ thấy chưa đúng.")
    comment: str = Field(
        ...,
        min_length=1,
        max_length=MAX_COMMENT,
        pattern=NO_NUL,
        description="Thông tin đúng, hoặc điểm sai (gửi giáo viên chủ nhiệm).",
    )


class ReportOut(Schema):
    id: int
    field: str
    label: str
    reported_value: str = Field(..., description="Giá trị lúc phản ánh (số định danh bị che).")
    comment: str
    status: str = Field(..., description="open, resolved hoặc rejected.")
    reported_at: dt.datetime
    resolution_note: str
    decided_at: dt.datetime | None


def _report_out(report: ProfileReport) -> dict[str, Any]:
    return {
        "id": report.pk,
        "field": report.field,
        "label": str(FIELDS_BY_NAME[report.field].label) if report.field in FIELDS_BY_NAME else "",
        "reported_value": report.reported_value,
        "comment": report.comment,
        "status": report.status,
        "reported_at": report.reported_at,
        "resolution_note": report.resolution_note,
        "decided_at": report.decided_at,
    }


@router.post(
    "/children/{child_id}/profile/confirmations",
    response={201: ConfirmationOut, **AUTHENTICATED, **NOT_FOUND, **WRITE},
    summary="Xác nhận một thông tin trên trang thông tin học sinh là đúng",
    operation_id="confirm_child_profile_field",
)
def confirm_child_profile_field(
    request: HttpRequest, child_id: Id, body: ConfirmationIn
) -> Status[dict[str, Any]]:
    child = access_child_for_parent(request.user, child_id)
    verification = confirm_profile_field(child.pk, str(body.field), acting_user=request.user)
    return Status(
        201,
        {
            "field": verification.field,
            "source": verification.source,
            "verified_at": verification.verified_at,
        },
    )


@router.post(
    "/children/{child_id}/profile/reports",
    response={201: ReportOut, **AUTHENTICATED, **NOT_FOUND, **WRITE},
    summary="Phản ánh một thông tin chưa đúng (gửi giáo viên chủ nhiệm)",
    operation_id="report_child_profile_error",
)
def report_child_profile_error(
    request: HttpRequest, child_id: Id, body: ReportIn
) -> Status[dict[str, Any]]:
    child = access_child_for_parent(request.user, child_id)
    report = report_profile_error(child.pk, str(body.field), body.comment, acting_user=request.user)
    return Status(201, _report_out(report))


@router.get(
    "/children/{child_id}/profile/reports",
    response={200: Page[ReportOut], **AUTHENTICATED, **NOT_FOUND},
    summary="Các phản ánh về hồ sơ của con và cách nhà trường đã xử lí",
    operation_id="list_child_profile_reports",
)
def list_child_profile_reports(
    request: HttpRequest, child_id: Id, params: Query[PageParams]
) -> dict[str, Any]:
    child = access_child_for_parent(request.user, child_id)
    rows = ProfileReport.objects.filter(student=child, voided_at__isnull=True).order_by(
        "-reported_at", "-pk"
    )
    page = page_of(rows, params)
    page["items"] = [_report_out(r) for r in page["items"]]
    return page

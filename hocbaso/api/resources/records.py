"""/children/{id}/records: a child's issued học bạ pages (current versions only) and their files.

The list shows sealed or submitted pages (a superseded version is no longer current; a draft is
not issued). Each download goes through `records.issuance_log.open_issued_file`, which checks
access, verifies the stored file against its digest and writes the issuance log and its audit
event. A page of another pupil, or not issued, answers 404 like a missing one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema

from hocbaso.api.errors import AUTHENTICATED, NOT_FOUND, ErrorOut
from hocbaso.api.pagination import Page, PageParams, page_of
from hocbaso.api.resources.ids import Id
from hocbaso.people.guardianship import access_child_for_parent
from hocbaso.people.models import Student
from hocbaso.records.issuance_log import ISSUED_STATES, PDF, XML, Kind, open_issued_file
from hocbaso.records.models import RecordFile, RecordPage

router = Router(tags=["Con của tôi"])

CONTENT_TYPES = {PDF: "application/pdf", XML: "application/xml"}


class RecordOut(Schema):
    id: int
    record_code: str = Field(..., description="Mã định danh học bạ.")
    version: int
    state: str = Field(..., description="sealed (đã phát hành) hoặc submitted (đã gửi lên Sở).")
    school_year: str
    class_name: str
    grade: int
    issued_at: dt.datetime | None = Field(..., description="Thời điểm đóng dấu.")
    xml_sha256: str = Field(..., description="SHA-256 của dữ liệu XML của trang.")


def _issued_pages(child: Student) -> QuerySet[RecordPage]:
    sealed_at = RecordFile.objects.filter(page=OuterRef("pk"), step=RecordFile.Step.SEAL)
    return (
        RecordPage.objects.filter(student=child, state__in=ISSUED_STATES)
        .select_related("class_group__school_year")
        .annotate(issued_at=Subquery(sealed_at.values("created_at")[:1]))
        .order_by("-class_group__school_year__starts_on", "record_code", "-version")
    )


@router.get(
    "/children/{child_id}/records",
    response={200: Page[RecordOut], **AUTHENTICATED, **NOT_FOUND},
    summary="Các trang học bạ đã phát hành của con (phiên bản hiện hành)",
    operation_id="list_child_records",
)
def list_child_records(
    request: HttpRequest, child_id: Id, params: Query[PageParams]
) -> dict[str, Any]:
    child = access_child_for_parent(request.user, child_id)
    page = page_of(_issued_pages(child), params)
    page["items"] = [
        {
            "id": p.pk,
            "record_code": p.record_code,
            "version": p.version,
            "state": p.state,
            "school_year": p.class_group.school_year.code,
            "class_name": p.class_group.name,
            "grade": p.class_group.grade,
            "issued_at": p.issued_at,
            "xml_sha256": p.sha256,
        }
        for p in page["items"]
    ]
    return page


def _download(request: HttpRequest, child_id: int, record_id: int, fmt: str) -> HttpResponse:
    child = access_child_for_parent(request.user, child_id)
    if not _issued_pages(child).filter(pk=record_id).exists():
        raise Http404
    served = open_issued_file(record_id, fmt=fmt, kind=Kind.DOWNLOAD, acting_user=request.user)
    response = HttpResponse(served.data, content_type=CONTENT_TYPES[fmt])
    name = f"{served.page.record_code}-v{served.page.version}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    response["X-Content-SHA256"] = served.sha256
    return response


# 400: the stored file no longer matches its registered digest (open_issued_file refuses it)
_FILE_RESPONSES: dict[int, Any] = {400: ErrorOut, **AUTHENTICATED, **NOT_FOUND}


@router.get(
    "/children/{child_id}/records/{record_id}.pdf",
    response=_FILE_RESPONSES,
    openapi_extra={
        "responses": {
            "200": {
                "description": "Tệp PDF/A-3 đã kí số, đóng dấu (có tệp XML đính kèm).",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
    summary="Tải trang học bạ (PDF đã kí số), được ghi sổ phát hành",
    operation_id="download_child_record_pdf",
)
def download_child_record_pdf(request: HttpRequest, child_id: Id, record_id: Id) -> HttpResponse:
    return _download(request, child_id, record_id, PDF)


@router.get(
    "/children/{child_id}/records/{record_id}.xml",
    response=_FILE_RESPONSES,
    openapi_extra={
        "responses": {
            "200": {
                "description": "Dữ liệu XML của trang học bạ (docs/record-xml.md).",
                "content": {"application/xml": {"schema": {"type": "string"}}},
            }
        }
    },
    summary="Tải dữ liệu XML của trang học bạ, được ghi sổ phát hành",
    operation_id="download_child_record_xml",
)
def download_child_record_xml(request: HttpRequest, child_id: Id, record_id: Id) -> HttpResponse:
    return _download(request, child_id, record_id, XML)

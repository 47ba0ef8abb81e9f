"""/children/{id}/records: a child's issued học bạ pages (current versions only) and their files.

The list shows sealed or submitted pages (a superseded version is no longer current; a draft is
not issued), and the pages another school issued that were received when the child transferred
in (`imported`: true), as the parents' portal shows them: read through
`records.transfer.imported_files.parents_imported_pages` (those held only as received; a
received page linked to a page of this register is listed once, as that page).

Each download of an issued page goes through `records.issuance_log.open_issued_file`, which
checks access, verifies the stored file against its digest and writes the issuance log and its
audit event; of a received page, through `open_imported_page_for_parent` (the portal's own
read: the PDF as issued, logged as ``transfer.imported_page_downloaded``, or in the issuance log
of the linked page). A page of another pupil, or not issued, answers 404 like a missing one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Field, Query, Router, Schema

from hocbaso.api.errors import AUTHENTICATED, NOT_FOUND, ErrorOut
from hocbaso.api.pagination import Page, PageParams, page_of
from hocbaso.api.resources.ids import Id
from hocbaso.people.guardianship import access_child_for_parent
from hocbaso.people.models import Student
from hocbaso.records.issuance_log import ISSUED_STATES, PDF, XML, Kind, open_issued_file
from hocbaso.records.models import RecordFile, RecordPage
from hocbaso.records.transfer.imported_files import (
    open_imported_page_for_parent,
    parents_imported_pages,
)
from hocbaso.records.transfer.models import ImportedPage

router = Router(tags=["Con của tôi"])

CONTENT_TYPES = {PDF: "application/pdf", XML: "application/xml"}


class IssuingSchoolOut(Schema):
    code: str
    name: str


class RecordOut(Schema):
    id: int = Field(
        ...,
        description="Mã của trang: với trang do hệ thống này phát hành, tải tại "
        "/children/{child_id}/records/{id}.pdf (và .xml); với trang nhận chuyển đến "
        "(imported), tải tại /children/{child_id}/records/imported/{id}.pdf.",
    )
    record_code: str = Field(..., description="Mã định danh học bạ.")
    version: int
    state: str = Field(
        ...,
        description="sealed (đã phát hành) hoặc submitted (đã gửi lên Sở). Trang nhận chuyển "
        "đến luôn là sealed: con dấu của trường phát hành đã được kiểm tra khi tiếp nhận.",
    )
    school_year: str
    class_name: str
    grade: int
    issued_at: dt.datetime | None = Field(
        ..., description="Thời điểm đóng dấu (không có với trang nhận chuyển đến)."
    )
    xml_sha256: str = Field(..., description="SHA-256 của dữ liệu XML của trang.")
    imported: bool = Field(
        ...,
        description="true: trang do trường khác phát hành, nhận khi con chuyển trường đến; "
        "chỉ xem, không sửa được.",
    )
    issuing_school: IssuingSchoolOut = Field(
        ..., description="Trường đã phát hành trang (mã và tên như in trên trang)."
    )
    pdf_url: str = Field(
        ...,
        description="Đường dẫn tải bản PDF đã ký của trang (dùng đường dẫn này, không tự ghép).",
    )
    xml_url: str | None = Field(
        ..., description="Đường dẫn tải dữ liệu XML đã ký; không có với trang nhận chuyển đến."
    )


def _issued_pages(child: Student) -> QuerySet[RecordPage]:
    sealed_at = RecordFile.objects.filter(page=OuterRef("pk"), step=RecordFile.Step.SEAL)
    return (
        RecordPage.objects.filter(student=child, state__in=ISSUED_STATES)
        .select_related("class_group__school_year", "class_group__school")
        .annotate(issued_at=Subquery(sealed_at.values("created_at")[:1]))
        .order_by("-class_group__school_year__starts_on", "record_code", "-version")
    )


def _url(operation: str, **kwargs: int) -> str:
    from hocbaso.api.v1 import NAMESPACE  # v1 imports this module

    return reverse(f"{NAMESPACE}:{operation}", kwargs=kwargs)


def _issued_out(p: RecordPage) -> dict[str, Any]:
    school = p.class_group.school
    ids = {"child_id": p.student_id, "record_id": p.pk}
    return {
        "id": p.pk,
        "record_code": p.record_code,
        "version": p.version,
        "state": p.state,
        "school_year": p.class_group.school_year.code,
        "class_name": p.class_group.name,
        "grade": p.class_group.grade,
        "issued_at": getattr(p, "issued_at", None),
        "xml_sha256": p.sha256,
        "imported": False,
        "issuing_school": {"code": school.code, "name": school.name},
        "pdf_url": _url("download_child_record_pdf", **ids),
        "xml_url": _url("download_child_record_xml", **ids),
    }


def _imported_out(p: ImportedPage) -> dict[str, Any]:
    return {
        "id": p.pk,
        "record_code": p.record_code,
        "version": p.version,
        "state": RecordPage.State.SEALED.value,  # verified sealed on receipt (docs/transfers.md)
        "school_year": p.school_year,
        "class_name": p.class_name,
        "grade": p.grade,
        "issued_at": None,
        "xml_sha256": p.xml_sha256,
        "imported": True,
        "issuing_school": {"code": p.issuing_school_code, "name": p.issuing_school_name},
        "pdf_url": _url(
            "download_child_imported_record_pdf", child_id=p.student_id, imported_id=p.pk
        ),
        "xml_url": None,
    }


def child_records(user: Any, child: Student) -> list[dict[str, Any]]:
    """Every page the parent reads: issued here and received, newest school year first (year
    codes are ``YYYY-YYYY``), then by record code, newest version first (an issued page before
    a received one; then by id).

    The same queries whatever the number of pages: the issued pages (1), and the received ones
    through the portal's own read (the parent's scope, 4, and the pages, 1). A pupil has a
    handful of current pages (one or two per school year), so the whole list is read, without
    the XML bodies, and paginated in memory."""
    issued = [_issued_out(p) for p in _issued_pages(child).defer("xml")]
    received = [_imported_out(p) for p in parents_imported_pages(user, child.pk).defer("xml")]
    rows = issued + received
    rows.sort(key=lambda r: (r["record_code"], -r["version"], r["imported"], r["id"]))
    rows.sort(key=lambda r: r["school_year"], reverse=True)  # stable: keeps the order above
    return rows


@router.get(
    "/children/{child_id}/records",
    response={200: Page[RecordOut], **AUTHENTICATED, **NOT_FOUND},
    summary="Các trang học bạ đã phát hành của con (phiên bản hiện hành), kể cả trang do "
    "trường cũ phát hành nhận khi chuyển trường đến",
    operation_id="list_child_records",
)
def list_child_records(
    request: HttpRequest, child_id: Id, params: Query[PageParams]
) -> dict[str, Any]:
    child = access_child_for_parent(request.user, child_id)
    return page_of(child_records(request.user, child), params)


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


@router.get(
    "/children/{child_id}/records/imported/{imported_id}.pdf",
    response=_FILE_RESPONSES,
    openapi_extra={
        "responses": {
            "200": {
                "description": "Tệp PDF do trường cũ phát hành, đúng như đã nhận khi chuyển "
                "trường đến (chỉ xem, không sửa được).",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
    summary="Tải trang học bạ do trường cũ phát hành (nhận khi chuyển trường đến), được ghi "
    "nhật kí",
    operation_id="download_child_imported_record_pdf",
)
def download_child_imported_record_pdf(
    request: HttpRequest, child_id: Id, imported_id: Id
) -> HttpResponse:
    child = access_child_for_parent(request.user, child_id)
    try:
        served = open_imported_page_for_parent(
            imported_id, student_id=child.pk, acting_user=request.user
        )
    except ImportedPage.DoesNotExist:
        raise Http404 from None
    response = HttpResponse(served.data, content_type="application/pdf")
    name = f"{served.page.record_code}-v{served.page.version}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    response["X-Content-SHA256"] = served.page.pdf_sha256
    return response

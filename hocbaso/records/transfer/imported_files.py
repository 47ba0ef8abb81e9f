"""Reading the pages another school issued (`ImportedPage`): served as issued, logged.

A page linked to this installation's register (`local_page`) is logged in the issuance log of
that page (`issuance_log.log_access`, a download); a page held only as received is logged as
``transfer.imported_page_downloaded``. Either way before a byte is served.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from hocbaso.audit.log import log
from hocbaso.records.issuance_log import log_access
from hocbaso.records.models import RecordAccess
from hocbaso.records.storage import read_pdf
from hocbaso.records.transfer.access import access_student_transfers
from hocbaso.records.transfer.models import ImportedPage


@dataclass(frozen=True)
class ServedPage:
    page: ImportedPage
    data: bytes


@transaction.atomic
def open_imported_page(page_id: int, *, acting_user: Any) -> ServedPage:
    """The PDF of an imported page; 404 when missing or its pupil is hidden, 403 when the
    pupil is visible but the user does not read their records (`access`)."""
    page = (
        ImportedPage.objects.select_related("student", "local_page__class_group")
        .filter(pk=page_id)
        .first()
    )
    if page is None:
        raise ImportedPage.DoesNotExist
    student = access_student_transfers(acting_user, page.student_id)
    data = read_pdf(page.pdf_sha256)
    if page.local_page is not None:
        log_access(
            page.local_page,
            kind=RecordAccess.Kind.DOWNLOAD,
            acting_user=acting_user,
            purpose="Trang học bạ do trường cũ phát hành",
            sha256=page.pdf_sha256,
        )
    else:
        log(
            "transfer.imported_page_downloaded",
            actor=acting_user,
            subject=student,
            school_id=student.school_id,
            data={
                "new": {
                    "record": f"{page.record_code} v{page.version}",
                    "issued_by": page.issuing_school_name,
                    "file": page.pdf_sha256,
                }
            },
        )
    return ServedPage(page=page, data=data)

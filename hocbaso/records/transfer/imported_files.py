"""Reading the pages another school issued (`ImportedPage`): served as issued, logged.

A page linked to this installation's register (`local_page`) is logged in the issuance log of
that page (`issuance_log.log_access`, a download); a page held only as received is logged as
``transfer.imported_page_downloaded``. Either way before a byte is served.

Staff read them through `open_imported_page` (`access.access_student_transfers`); a linked
parent reads their own child's received pages held only as received through
`open_imported_page_for_parent` (docs/parents.md, docs/transfers.md: the history moves with the
pupil; a page linked to the register is the parent's through the register's own page).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from hocbaso.audit.log import log
from hocbaso.people.models import Student
from hocbaso.people.scope import scope_for
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
    return _serve(page, student, acting_user)


def parents_imported_pages(user: Any, student_id: int) -> QuerySet[ImportedPage]:
    """The received pages of ``student_id`` a linked parent reads: those held only as received
    (without a page in this installation's register, which the parent reads as any issued
    page); none when ``user`` is not a linked parent of the pupil."""
    if student_id not in scope_for(user).guardian_student_ids:
        return ImportedPage.objects.none()
    return ImportedPage.objects.filter(student_id=student_id, local_page__isnull=True).order_by(
        "-school_year", "record_code", "-version"
    )


@transaction.atomic
def open_imported_page_for_parent(page_id: int, *, student_id: int, acting_user: Any) -> ServedPage:
    """The PDF of a received page of a linked parent's child, as issued (logged like a staff
    download); ImportedPage.DoesNotExist — the portal's 404 — for anything else."""
    page = (
        parents_imported_pages(acting_user, student_id)
        .select_related("student")
        .filter(pk=page_id)
        .first()
    )
    if page is None:
        raise ImportedPage.DoesNotExist
    return _serve(page, page.student, acting_user)


def _serve(page: ImportedPage, student: Student, acting_user: Any) -> ServedPage:
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

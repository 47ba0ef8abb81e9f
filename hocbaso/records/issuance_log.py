"""The issuance log of year pages (issue 5: "every issuance, download, print and extract is
logged — who, when, which version").

`log_access` appends one `RecordAccess` row and its audit event ("record.issued",
"record.downloaded", "record.printed", "record.extracted") in one transaction; nothing here
edits or deletes a row. `open_issued_file` is the action behind every download: it checks who
may read the issued page (the class's teachers, the school's management, inspectors; a linked
parent for the issued, current pages of their child), reads the stored file (checked against
its digest) and logs the access.
`access_log_page` decides who reads a record's log: the school's principal and
vice-principals, and inspectors.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hocbaso.audit.log import log
from hocbaso.org.models import ClassGroup
from hocbaso.people import access as people_access
from hocbaso.people.errors import ActionError
from hocbaso.people.models import Role, StaffRole
from hocbaso.people.scope import scope_for
from hocbaso.records.models import RecordAccess, RecordFile, RecordPage
from hocbaso.records.storage import read_pdf

Kind = RecordAccess.Kind
EVENTS: dict[str, str] = {
    Kind.ISSUE: "record.issued",
    Kind.DOWNLOAD: "record.downloaded",
    Kind.PRINT: "record.printed",
    Kind.EXTRACT: "record.extracted",
}
ISSUED_STATES = (RecordPage.State.SEALED, RecordPage.State.SUBMITTED)
PDF, XML = "pdf", "xml"
PURPOSE_MAX, RECIPIENT_MAX = 300, 200

MSG_NOT_ISSUED = gettext_lazy(
    "Trang học bạ này chưa được phát hành (chưa đóng dấu): chưa thể tải về."
)
MSG_SUPERSEDED = gettext_lazy("Phiên bản này đã được thay thế; hãy tải phiên bản hiện hành.")


@dataclass(frozen=True)
class ServedFile:
    page: RecordPage
    data: bytes
    sha256: str
    access: RecordAccess


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


@transaction.atomic
def log_access(
    page: RecordPage,
    *,
    kind: str,
    acting_user: Any,
    purpose: str = "",
    recipient: str = "",
    sha256: str | None = None,
    data: dict[str, Any] | None = None,
) -> RecordAccess:
    """Append the log row of one issuance, download, print or extract of ``page``, and its
    audit event, in one transaction. ``sha256`` is the digest of the file served (default: the
    page's current file)."""
    if kind not in EVENTS:
        raise ValueError(f"unknown access kind {kind!r}")
    if sha256 is None:
        found = RecordFile.objects.filter(page=page).order_by("-created_at", "-pk").first()
        sha256 = found.sha256 if found is not None else page.sha256
    row = RecordAccess.objects.create(
        page=page,
        version=page.version,
        sha256=sha256,
        kind=kind,
        actor=_user(acting_user),
        purpose=purpose.strip()[:PURPOSE_MAX],
        recipient=recipient.strip()[:RECIPIENT_MAX],
    )
    new: dict[str, Any] = {"version": page.version, "file": sha256, "kind": kind}
    if row.purpose:
        new["purpose"] = row.purpose
    if row.recipient:
        new["recipient"] = row.recipient
    log(
        EVENTS[kind],
        actor=acting_user,
        subject=page,
        school_id=page.class_group.school_id,
        data={"new": {**new, **(data or {})}},
    )
    return row


def _inspects(user: Any, class_group: ClassGroup) -> bool:
    school = class_group.school
    return (
        StaffRole.objects.active()
        .filter(user=user, role=Role.INSPECTOR)
        .filter(Q(school_id=school.pk) | Q(province_id=school.commune.province_id))
        .exists()
    )


def can_read_issued(user: Any, class_group: ClassGroup) -> bool:
    """The class's homeroom and subject teachers, the school's management, inspectors."""
    scope = scope_for(user)
    if class_group.pk in scope.homeroom_class_ids | scope.teaching_class_ids:
        return True
    if class_group.school_id in scope.managed_school_ids:
        return True
    return _inspects(user, class_group)


def can_read_log(user: Any, class_group: ClassGroup) -> bool:
    """The school's principal and vice-principals, and inspectors."""
    scope = scope_for(user)
    school_id = class_group.school_id
    if school_id in scope.principal_school_ids | scope.vice_principal_school_ids:
        return True
    return _inspects(user, class_group)


def _visible_page(user: Any, page_id: int) -> RecordPage:
    """The page, 404 when missing or its class is hidden from ``user``."""
    page = (
        RecordPage.objects.select_related("class_group__school__commune", "student")
        .filter(pk=page_id)
        .first()
    )
    if page is None:
        raise Http404
    people_access.access_class_for_user(user, page.class_group_id)  # 404 when hidden
    return page


def _parents_page(user: Any, page_id: int) -> RecordPage | None:
    """The page when ``user`` is a linked parent of its pupil and the page is issued and
    current (issue 6); None otherwise, so that the staff rules decide (a parent then gets the
    same 404 as for a missing page)."""
    scope = scope_for(user)
    if not scope.guardian_student_ids:
        return None
    return (
        RecordPage.objects.select_related("class_group__school__commune", "student")
        .filter(pk=page_id, state__in=ISSUED_STATES, student_id__in=scope.guardian_student_ids)
        .first()
    )


def access_issued_page(user: Any, page_id: int) -> RecordPage:
    """404 when hidden, 403 when visible but ``user`` may not read issued pages. A parent
    reads the issued, current pages of their own children only."""
    parents = _parents_page(user, page_id)
    if parents is not None:
        return parents
    page = _visible_page(user, page_id)
    if not can_read_issued(user, page.class_group):
        raise PermissionDenied
    return page


def access_log_page(user: Any, page_id: int) -> RecordPage:
    page = _visible_page(user, page_id)
    if not can_read_log(user, page.class_group):
        raise PermissionDenied
    return page


def _issued_file(page: RecordPage) -> RecordFile:
    if page.state == RecordPage.State.SUPERSEDED:
        raise ActionError(str(MSG_SUPERSEDED))
    sealed = RecordFile.objects.filter(page=page, step=RecordFile.Step.SEAL).first()
    if page.state not in ISSUED_STATES or sealed is None:
        raise ActionError(str(MSG_NOT_ISSUED))
    return sealed


@transaction.atomic
def open_issued_file(
    page_id: int,
    *,
    fmt: str,
    kind: str,
    acting_user: Any,
    purpose: str = "",
    recipient: str = "",
) -> ServedFile:
    """The sealed PDF (``fmt="pdf"``) or the page's XML (``fmt="xml"``) of an issued page,
    logged as ``kind`` (download, print, extract). 404/403 as `access_issued_page`;
    ActionError (Vietnamese) when the page is not issued or its file is damaged."""
    page = access_issued_page(acting_user, page_id)
    if kind not in (Kind.DOWNLOAD, Kind.PRINT, Kind.EXTRACT):
        raise ActionError(_("Loại truy cập không hợp lệ."))
    sealed = _issued_file(page)
    if fmt == PDF:
        data, digest = read_pdf(sealed.sha256), sealed.sha256
    elif fmt == XML:
        data = bytes(page.xml)
        digest = hashlib.sha256(data).hexdigest()
        if digest != page.sha256:
            raise ActionError(_("Dữ liệu XML của trang học bạ không khớp mã băm đã đăng ký."))
    else:
        raise ActionError(_("Định dạng tệp không hợp lệ."))
    row = log_access(
        page,
        kind=kind,
        acting_user=acting_user,
        purpose=purpose,
        recipient=recipient,
        sha256=digest,
        data={"format": fmt},
    )
    return ServedFile(page=page, data=data, sha256=digest, access=row)


def log_of_record(page: RecordPage) -> QuerySet[RecordAccess]:
    """Every logged access to any version of ``page``'s record, newest first."""
    return (
        RecordAccess.objects.filter(page__record_code=page.record_code)
        .select_related("actor", "page")
        .order_by("-at", "-pk")
    )

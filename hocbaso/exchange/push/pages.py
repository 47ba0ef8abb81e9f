"""Which page versions are pushed, and what of them (`payload.PageData`).

A version is pushable when it is issued (sealed, or already submitted) and no later version of
the same record is issued: the current issued version (D10). Its data come from its stored
canonical XML (the names as issued) and its sealed PDF, both checked against their digests.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from django.db.models import Exists, OuterRef, QuerySet

from hocbaso.exchange.push.payload import PageData
from hocbaso.people.errors import ActionError
from hocbaso.records.models import RecordFile, RecordPage
from hocbaso.records.storage import read_pdf
from hocbaso.records.xml_record import parse_xml

ISSUED = (RecordPage.State.SEALED, RecordPage.State.SUBMITTED)


class PageUnavailable(ValueError):
    """The version cannot be pushed (message in Vietnamese)."""


def current_issued(school_ids: Iterable[int]) -> QuerySet[RecordPage]:
    """Current issued versions of the pages of these schools."""
    newer = RecordPage.objects.filter(
        record_code=OuterRef("record_code"), version__gt=OuterRef("version"), state__in=ISSUED
    )
    return (
        RecordPage.objects.filter(state__in=ISSUED, class_group__school_id__in=list(school_ids))
        .filter(~Exists(newer))
        .select_related("class_group")
        .order_by("record_code", "version")
    )


def _sealed(page: RecordPage) -> RecordFile:
    sealed = RecordFile.objects.filter(page=page, step=RecordFile.Step.SEAL).first()
    if sealed is None:
        raise PageUnavailable("Trang học bạ chưa có bản đã đóng dấu.")
    return sealed


def previous_issued_version(page: RecordPage) -> int | None:
    """The latest earlier version that was issued (has a sealed file), if any."""
    earlier = (
        RecordFile.objects.filter(
            page__record_code=page.record_code,
            page__version__lt=page.version,
            step=RecordFile.Step.SEAL,
        )
        .order_by("-page__version")
        .values_list("page__version", flat=True)
        .first()
    )
    return earlier


def page_data(page: RecordPage) -> PageData:
    xml = bytes(page.xml)
    if hashlib.sha256(xml).hexdigest() != page.sha256:
        raise PageUnavailable("Dữ liệu XML của trang học bạ không khớp mã băm đã đăng ký.")
    sealed = _sealed(page)
    try:
        pdf = read_pdf(sealed.sha256)
    except ActionError as exc:  # missing or changed on disk: the storage says which
        raise PageUnavailable(" ".join(exc.messages)) from exc
    snapshot = parse_xml(xml)
    return PageData(
        record_code=page.record_code,
        version=page.version,
        replaces_version=previous_issued_version(page),
        xml=xml,
        xml_sha256=page.sha256,
        sealed_pdf=pdf,
        sealed_pdf_sha256=sealed.sha256,
        province_code=snapshot.unit.province_code,
        school_code=snapshot.unit.school_code,
        school_name=snapshot.unit.school_name,
        school_year=snapshot.school_year,
        grade=snapshot.grade,
        class_name=snapshot.class_name,
        issued_on=snapshot.issued_on,
        personal_id=snapshot.pupil.personal_id,
        moet_code=snapshot.pupil.moet_code,
        full_name=snapshot.pupil.full_name,
        gender=snapshot.pupil.gender,
        birth_date=snapshot.pupil.birth_date,
        result_code=snapshot.result_code,
        completed=snapshot.completed,
        promoted=snapshot.promoted,
    )

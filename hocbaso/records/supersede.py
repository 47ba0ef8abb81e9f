"""A sealed version replaces the record's older versions (D10, spec §7.6).

When a version is sealed, every older version of the same record that is not yet superseded
becomes superseded: an issued one (sealed, submitted) with the reason and the biên bản of the
approved correction the new version carries (`RecordPage.bien_ban`), an unfinished one (still
in the chain) because a newer version was issued. Until the new version is sealed, the old one
stays the current record. Called by `signing_chain.sign_page` inside its transaction.
"""

from __future__ import annotations

from typing import Any

from hocbaso.assessment.models import BienBan
from hocbaso.audit.log import log
from hocbaso.records.models import RecordPage

ISSUED = (RecordPage.State.SEALED, RecordPage.State.SUBMITTED)
NEWER_ISSUED_REASON = "Đã có phiên bản mới hơn được phát hành."
REASON_MAX = 300


def correction_reason(bien_ban: BienBan | None) -> str:
    if bien_ban is None:
        return NEWER_ISSUED_REASON
    request = bien_ban.request
    text = f"Đính chính theo biên bản {request.number}: {request.reason.strip()}"
    return text if len(text) <= REASON_MAX else text[: REASON_MAX - 1] + "…"


def supersede_older_versions(page: RecordPage, *, acting_user: Any) -> list[RecordPage]:
    """Mark the older versions of ``page``'s record superseded (each audited)."""
    older = list(
        RecordPage.objects.select_for_update()
        .filter(record_code=page.record_code, version__lt=page.version)
        .exclude(state=RecordPage.State.SUPERSEDED)
        .order_by("version")
    )
    bien_ban = (
        BienBan.objects.select_related("request").filter(pk=page.bien_ban_id).first()
        if page.bien_ban_id
        else None
    )
    for old in older:
        reason = correction_reason(bien_ban) if old.state in ISSUED else NEWER_ISSUED_REASON
        old_state = old.state
        old.state = RecordPage.State.SUPERSEDED
        old.superseded_reason = reason
        old.save(update_fields=["state", "superseded_reason"])
        log(
            "record.superseded",
            actor=acting_user,
            subject=old,
            school_id=page.class_group.school_id,
            bien_ban_id=str(page.bien_ban_id or ""),
            data={
                "old": {"state": old_state},
                "new": {"state": old.state, "reason": reason, "by_version": page.version},
            },
        )
    return older

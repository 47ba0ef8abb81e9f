"""The last D10 step: a sealed version becomes `submitted` when the Kho học bạ số acknowledges it
(spec §7.4: "sent to Sở/Kho, acknowledgement stored").

Only the delivery worker moves a page here (the exchange app's push queue, acting as a
`SystemActor`, inside the transaction that records the delivered attempt): no person can mark a
page submitted. Only the version the acknowledgement is for moves, and only while it is the
record's current issued version: a late acknowledgement of a version that a correction has
superseded changes nothing (the new version must be sent, and acknowledged, itself — spec §7.6
"resubmit"). A failed or refused delivery never reaches this module.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from hocbaso.audit.actors import SystemActor
from hocbaso.audit.log import log
from hocbaso.people.errors import ActionError
from hocbaso.records.models import RecordPage

State = RecordPage.State
RECEIPT_MAX = 120


class Outcome(StrEnum):
    SUBMITTED = "submitted"  # the version moved sealed → submitted
    ALREADY = "already"  # it was submitted before (a repeated acknowledgement): unchanged
    NOT_CURRENT = "not_current"  # superseded, or a newer version is issued: unchanged
    NOT_SEALED = "not_sealed"  # never issued (cannot happen through the queue): unchanged


def can_mark_submitted(actor: Any) -> bool:
    """The access choke point: the delivery worker (a system actor) only."""
    return isinstance(actor, SystemActor)


@transaction.atomic
def mark_submitted(
    page_id: int,
    *,
    sha256: str,
    receipt_id: str,
    acknowledged_at: dt.datetime,
    recipient: str,
    acting_user: Any,
) -> Outcome:
    """Record the receiver's acknowledgement of version ``page_id`` (whose XML hash the
    delivery carried, ``sha256``) and move it sealed → submitted, audited as
    ``record.submitted`` in the same transaction. Anything else is left as it is and said by
    the outcome."""
    if not can_mark_submitted(acting_user):
        raise PermissionDenied
    receipt = receipt_id.strip()
    if not receipt:
        raise ActionError("Thiếu mã tiếp nhận của nơi nhận: không ghi nhận trang học bạ đã gửi.")
    page = RecordPage.objects.select_for_update().select_related("class_group").get(pk=page_id)
    if page.sha256 != sha256:
        raise ActionError(
            "Mã băm của bản đã gửi không khớp phiên bản trang học bạ: không ghi nhận đã gửi."
        )
    if page.state == State.SUBMITTED:
        return Outcome.ALREADY
    if page.state == State.SUPERSEDED:
        return Outcome.NOT_CURRENT
    if page.state != State.SEALED:
        return Outcome.NOT_SEALED
    newer_issued = RecordPage.objects.filter(
        record_code=page.record_code,
        version__gt=page.version,
        state__in=(State.SEALED, State.SUBMITTED),
    ).exists()
    if newer_issued:
        return Outcome.NOT_CURRENT
    page.state = State.SUBMITTED
    page.submitted_at = acknowledged_at
    page.submission_receipt = receipt[:RECEIPT_MAX]
    page.save(update_fields=["state", "submitted_at", "submission_receipt"])
    log(
        "record.submitted",
        actor=acting_user,
        subject=page,
        school_id=page.class_group.school_id,
        data={
            "old": {"state": State.SEALED.value},
            "new": {
                "state": page.state,
                "version": page.version,
                "sha256": page.sha256,
                "receipt": page.submission_receipt,
                "acknowledged_at": acknowledged_at.isoformat(),
                "recipient": recipient,
            },
        },
    )
    return Outcome.SUBMITTED

"""Batch signing: one action, one PIN, many pages (issue 5 "Batch signing").

`start_batch(role=…, pin=…, acting_user=…, page_ids=… | class_id=… | school_id=…)` checks
everything that can be checked up front — the user may sign this step for every page, their
current certificate (the school's seal for ``seal``) may sign now, and the PIN opens the key
(unlocked once; a wrong PIN refuses the batch and queues nothing) — then stores the batch and
its items in one audited transaction and enqueues `tasks.run_signing_batch` (queue "signing").
The PIN travels to the worker encrypted in the batch row (`batch_pin`), never in the task.

Resume: a worker killed mid-batch leaves the batch ``running`` with an old ``heartbeat_at``.
`resume_stale_batches` re-enqueues every batch running without a heartbeat (or queued without
a start) for ``SIGNING_BATCH_STALE_MINUTES`` (default 5); `manage.py resume_signing` runs it
(cron it, or run it when workers restart), and so does every `start_batch`. A resumed run
only takes the items still pending, so nothing is signed twice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from pyhanko.sign.general import SigningError

from hocbaso.audit.log import log
from hocbaso.org.models import ClassGroup
from hocbaso.people.errors import ActionError
from hocbaso.records import signing_access as access
from hocbaso.records.batch_pin import seal_pin
from hocbaso.records.batch_runner import progress
from hocbaso.records.models import RecordPage, SigningBatch, SigningBatchItem
from hocbaso.records.signing_chain import STEPS, certificate_problems
from hocbaso.records.tasks import enqueue_batch
from hocbaso.signing.keystore import RemoteKeyRequired, current_certificate, signer_for
from hocbaso.signing.models import KeyBackend, SigningCertificate, SigningKey

__all__ = ["batch_progress", "resume_stale_batches", "start_batch"]


def stale_after() -> dt.timedelta:
    return dt.timedelta(minutes=float(getattr(settings, "SIGNING_BATCH_STALE_MINUTES", 5)))


def _pages(
    role: str, page_ids: list[int] | None, class_id: int | None, school_id: int | None
) -> list[RecordPage]:
    rows = RecordPage.objects.select_related("class_group__school")
    if page_ids is not None:
        pages = list(rows.filter(pk__in=set(page_ids)).order_by("record_code", "version"))
        if len(pages) != len(set(page_ids)):
            raise ActionError("Có trang học bạ không tìm thấy trong danh sách đã chọn.")
        return pages
    ready = rows.filter(state=STEPS[role].from_state).order_by("record_code", "version")
    if class_id is not None:
        return list(ready.filter(class_group_id=class_id))
    if school_id is not None:
        return list(ready.filter(class_group__school_id=school_id))
    raise ActionError("Hãy chọn các trang, một lớp hoặc cả trường để kí.")


def _title_for(user: Any, role: str, pages: list[RecordPage], title: str | None) -> str:
    classes: dict[int, ClassGroup] = {p.class_group_id: p.class_group for p in pages}
    titles = {access.signer_title(user, role, c, title) for c in classes.values()}
    if len(titles) != 1:
        raise ActionError("Các trang đã chọn cần những chức danh kí khác nhau; hãy kí riêng.")
    return titles.pop()


def _certificate(user: Any, role: str, school_id: int) -> SigningCertificate:
    if role == access.SEAL:
        row = current_certificate(school_id=school_id)
        missing = "Trường chưa có chứng thư số con dấu còn hiệu lực, có khóa kí số."
    else:
        row = current_certificate(user=user)
        missing = "Bạn chưa có chứng thư số cá nhân còn hiệu lực, có khóa kí số."
    if row is None:
        raise ActionError(missing)
    problems = certificate_problems(row, timezone.now())
    if problems:
        raise ActionError(["Không kí được bằng chứng thư số này:", *problems])
    return row


def _check_pin(row: SigningCertificate, pin: str) -> None:
    try:
        signer = signer_for(row, pin)
        close = getattr(signer, "close", None)
        if close is not None:
            close()  # a token session is released at once: the worker opens its own
    except RemoteKeyRequired:
        return  # remote keys are approved at the service; the items report it (batch_runner)
    except SigningError as exc:
        raise ActionError(str(exc) or "Mã PIN không đúng.") from exc


def start_batch(
    *,
    role: str,
    pin: str,
    acting_user: Any,
    page_ids: list[int] | None = None,
    class_id: int | None = None,
    school_id: int | None = None,
    title: str | None = None,
) -> SigningBatch:
    """Queue the ``role`` signature of the chosen pages (ActionError, nothing queued, when
    refused). For a class or a school, the pages waiting for this step are chosen."""
    if role not in STEPS:
        raise ActionError("Bước kí không hợp lệ.")
    if not getattr(acting_user, "is_authenticated", False):
        raise ActionError("Cần đăng nhập để kí.")
    pages = _pages(role, page_ids, class_id, school_id)
    if not pages:
        raise ActionError("Không có trang học bạ nào đang chờ bước kí này.")
    schools = {p.class_group.school_id for p in pages}
    if len(schools) != 1:
        raise ActionError("Mỗi đợt kí chỉ gồm các trang của một trường.")
    school = pages[0].class_group.school
    shown_title = _title_for(acting_user, role, pages, title)
    certificate = _certificate(acting_user, role, school.pk)
    _check_pin(certificate, pin)
    with transaction.atomic():
        batch = SigningBatch.objects.create(
            role=role,
            school=school,
            certificate=certificate,
            title=shown_title,
            total=len(pages),
            sealed_pin=seal_pin(pin),
            created_by=acting_user,
        )
        SigningBatchItem.objects.bulk_create(
            SigningBatchItem(batch=batch, page=page) for page in pages
        )
        log(
            "signing.batch_started",
            actor=acting_user,
            subject=batch,
            school_id=school.pk,
            data={
                "new": {"role": role, "title": shown_title, "pages": len(pages)},
                "certificate": certificate.fingerprint_sha256,
            },
        )
    enqueue_batch(batch.pk, copies=_parallel_tasks(certificate, len(pages)))
    resume_stale_batches()
    return batch


def _parallel_tasks(certificate: SigningCertificate, pages: int) -> int:
    """How many workers share the batch: up to SIGNING_WORKERS_PER_BATCH, one per 20 pages;
    a remote key's batch is one run (one approval request)."""
    if SigningKey.objects.filter(certificate=certificate, backend=KeyBackend.REMOTE).exists():
        return 1
    wanted = int(getattr(settings, "SIGNING_WORKERS_PER_BATCH", 2))
    return max(1, min(wanted, pages // 20))


def batch_progress(batch_id: int) -> dict[str, Any]:
    """Status and counts of a batch, for its progress bar."""
    batch = SigningBatch.objects.get(pk=batch_id)
    return {"status": batch.status, **progress(batch_id)}


def resume_stale_batches(now: dt.datetime | None = None) -> list[int]:
    """Re-enqueue batches whose worker died (running without a recent heartbeat, or queued
    and never started); returns their ids."""
    moment = now or timezone.now()
    limit = moment - stale_after()
    stale = SigningBatch.objects.filter(
        Q(status=SigningBatch.Status.RUNNING, heartbeat_at__lt=limit)
        | Q(status=SigningBatch.Status.QUEUED, created_at__lt=limit)
    )
    ids = list(stale.values_list("pk", flat=True))
    for batch_id in ids:
        # Moving the heartbeat keeps the next check from enqueueing the batch again at once.
        SigningBatch.objects.filter(pk=batch_id).update(heartbeat_at=moment)
        enqueue_batch(batch_id)
    return ids

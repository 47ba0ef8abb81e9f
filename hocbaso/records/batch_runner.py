"""The worker side of batch signing (`tasks.run_signing_batch` calls `run_batch`).

Items are claimed one at a time: each claim is a transaction that locks one pending item
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several workers share a batch; SQLite serialises
writers anyway), signs its page with `signing_chain.sign_page` in a savepoint, and marks the
item done, skipped or failed — all committed together. A worker killed mid-item commits
nothing: the item stays pending, the page keeps its previous state and current file, and the
next run signs it. A page already past the step (another signer, another batch, an earlier
run) is skipped, never signed twice. A failure of one page (expired certificate, blockers,
token absent) fails that item with its Vietnamese reason and the batch goes on.

The signer is unlocked once per run with the batch's PIN (`batch_pin`); the PIN is wiped when
the batch finishes. ``heartbeat_at`` moves after each item: a running batch whose heartbeat is
older than ``SIGNING_BATCH_STALE_MINUTES`` is considered orphaned (`batches.resume_stale`).
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from pyhanko.sign.general import SigningError

from hocbaso.audit.context import request_context
from hocbaso.audit.log import log
from hocbaso.people.errors import ActionError
from hocbaso.records.batch_pin import open_pin
from hocbaso.records.models import SigningBatch, SigningBatchItem
from hocbaso.records.remote_batches import run_remote
from hocbaso.records.signing_chain import AlreadyPastStep, sign_page
from hocbaso.signing.keystore import RemoteKeyRequired, signer_for
from hocbaso.signing.signers import DocumentSigner

logger = logging.getLogger(__name__)
Item = SigningBatchItem.Status

MSG_NO_PIN = (
    "Không còn mã PIN của đợt kí (đợt đã kết thúc hoặc khóa bí mật của máy chủ đã đổi): "
    "hãy bắt đầu một đợt kí mới."
)
MSG_REMOTE = (
    "Chứng thư số này kí qua dịch vụ kí từ xa (hai bước): trang chưa được dịch vụ kí trả về."
)


def progress(batch_id: int) -> dict[str, int]:
    """Item counts of a batch by status, and the total (for a progress bar)."""
    counts = {s.value: 0 for s in Item}
    rows = SigningBatchItem.objects.filter(batch_id=batch_id).values("status")
    for row in rows.annotate(n=Count("pk")):
        counts[row["status"]] = row["n"]
    counts["total"] = sum(counts[s.value] for s in Item)
    return counts


def _start(batch_id: int) -> SigningBatch | None:
    with transaction.atomic():
        batch = SigningBatch.objects.select_for_update().filter(pk=batch_id).first()
        if batch is None or batch.status in (
            SigningBatch.Status.FINISHED,
            SigningBatch.Status.FAILED,
        ):
            return None
        now = timezone.now()
        batch.status = SigningBatch.Status.RUNNING
        batch.started_at = batch.started_at or now
        batch.heartbeat_at = now
        batch.save(update_fields=["status", "started_at", "heartbeat_at"])
    return SigningBatch.objects.select_related("certificate", "created_by").get(pk=batch_id)


def _unlock(batch: SigningBatch) -> tuple[DocumentSigner | None, str]:
    """The batch's signer, or the reason every item fails."""
    pin = open_pin(bytes(batch.sealed_pin))
    if pin is None:
        return None, MSG_NO_PIN
    try:
        return signer_for(batch.certificate, pin), ""
    except RemoteKeyRequired:
        return None, MSG_REMOTE
    except SigningError as exc:
        return None, str(exc) or "Không mở được khóa kí số."
    except Exception:  # noqa: BLE001 — token absent, module error: each item reports it
        logger.exception("signing batch %s: the key could not be opened", batch.pk)
        return None, "Không mở được khóa kí số (thiết bị kí số không có mặt hoặc bị lỗi)."


def _sign(batch: SigningBatch, page_id: int, signer: DocumentSigner) -> tuple[str, str]:
    try:
        with transaction.atomic():
            sign_page(
                page_id,
                role=batch.role,
                signer=signer,
                certificate_row=batch.certificate,
                acting_user=batch.created_by,
                title=batch.title,
            )
    except AlreadyPastStep:
        return Item.SKIPPED, ""
    except ActionError as exc:
        return Item.FAILED, " ".join(exc.messages)
    except Exception as exc:  # noqa: BLE001 — one page's failure never stops the batch
        logger.exception("signing batch %s: page %s failed", batch.pk, page_id)
        return Item.FAILED, f"Lỗi khi kí trang này ({type(exc).__name__})."
    return Item.DONE, ""


def _process_next(batch: SigningBatch, signer: DocumentSigner | None, problem: str) -> bool:
    """Claim, sign and mark one pending item; False when none is left to claim."""
    with transaction.atomic():
        pending = SigningBatchItem.objects.filter(batch_id=batch.pk, status=Item.PENDING)
        if connection.features.has_select_for_update_skip_locked:
            pending = pending.select_for_update(skip_locked=True)
        item = pending.order_by("pk").first()
        if item is None:
            return False
        status: str
        if signer is None:
            status, error = Item.FAILED, problem
        else:
            status, error = _sign(batch, item.page_id, signer)
        item.status = status
        item.error = error
        item.attempts += 1
        item.updated_at = timezone.now()
        item.save(update_fields=["status", "error", "attempts", "updated_at"])
        if status == Item.FAILED:
            log(
                "signing.batch_item_failed",
                actor=batch.created_by,
                subject=item.page,
                school_id=batch.school_id,
                data={"batch": batch.pk, "role": batch.role, "error": error},
            )
    return True


def _finish(batch_id: int) -> None:
    with transaction.atomic():
        batch = SigningBatch.objects.select_for_update().get(pk=batch_id)
        if batch.status in (SigningBatch.Status.FINISHED, SigningBatch.Status.FAILED):
            return
        counts = progress(batch_id)
        if counts[Item.PENDING]:
            return  # another worker holds an item; it finishes the batch
        now = timezone.now()
        batch.status = SigningBatch.Status.FINISHED
        batch.total, batch.done = counts["total"], counts[Item.DONE]
        batch.failed, batch.skipped = counts[Item.FAILED], counts[Item.SKIPPED]
        batch.finished_at = batch.heartbeat_at = now
        batch.sealed_pin = b""
        batch.save()
        log(
            "signing.batch_finished",
            actor=batch.created_by,
            subject=batch,
            school_id=batch.school_id,
            data={"new": {k: counts[k] for k in ("total", "done", "failed", "skipped")}},
        )


def run_batch(batch_id: int) -> dict[str, Any]:
    """Sign the batch's pending items, then finish it. Safe to run several times, also
    concurrently: each item is claimed by one run only and each page signed once."""
    with request_context("task"):
        batch = _start(batch_id)
        if batch is not None:
            signer, problem = _unlock(batch)
            try:
                if problem == MSG_REMOTE:
                    run_remote(batch)  # one remote approval for every pending page
                while _process_next(batch, signer, problem):
                    SigningBatch.objects.filter(pk=batch_id).update(heartbeat_at=timezone.now())
            finally:
                # a PKCS#11 signer holds a logged-in token session: release it, or the next
                # batch on that token in this worker finds it "in use"
                close = getattr(signer, "close", None)
                if close is not None:
                    close()
            _finish(batch_id)
    return {"batch": batch_id, **progress(batch_id)}

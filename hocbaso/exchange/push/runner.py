"""Run the due pushes: claim, build, POST, record — one job at a time.

Run by cron through ``manage.py push_records`` (every few minutes): a run takes the jobs whose
next attempt is due, sends each once and records the attempt; a transient failure sets the next
attempt time (exponential backoff with jitter, `actions.backoff_delay`), so a run never sleeps
waiting for a retry. The HTTP request runs outside any transaction; the claim (a lease, so
two runs never send the same job at once) and the attempt row are short transactions. If the
process dies after the receiver got the item but before the attempt row is written, the lease
expires, the job is sent again with the same idempotency key and the receiver answers
"already received" (409), which counts as delivered.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from hocbaso.exchange.models import PushJob, Target
from hocbaso.exchange.push import actions, client, payload
from hocbaso.exchange.push.config import TargetConfig, retry_policy, target_config
from hocbaso.exchange.push.pages import PageUnavailable, page_data
from hocbaso.records.models import RecordPage


@dataclass
class RunReport:
    delivered: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    cancelled: list[int] = field(default_factory=list)
    skipped_targets: dict[str, str] = field(default_factory=dict)

    @property
    def attempted(self) -> int:
        return len(self.delivered) + len(self.retrying) + len(self.failed)


def due_jobs(target: str, now: dt.datetime, limit: int) -> list[int]:
    return list(
        PushJob.objects.filter(
            target=target, status=PushJob.Status.PENDING, next_attempt_at__lte=now
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def _send_one(job_id: int, config: TargetConfig, actor: Any, report: RunReport) -> None:
    now = timezone.now()
    lease = dt.timedelta(seconds=2 * config.timeout + 60)
    if not actions.claim_job(job_id, now, lease):
        return  # another run took it
    job = PushJob.objects.select_related("page").get(pk=job_id)
    if actions.page_is_superseded(job):
        actions.cancel_job(job_id, "Phiên bản đã được thay thế trước khi gửi.", acting_user=actor)
        report.cancelled.append(job_id)
        return
    policy = retry_policy()
    try:
        data = page_data(RecordPage.objects.get(pk=job.page_id))
    except PageUnavailable as exc:
        actions.cancel_job(job_id, str(exc), acting_user=actor)
        report.cancelled.append(job_id)
        return
    body = payload.build_body(job.target, data)
    delivery = client.post(
        config, payload.PATHS[job.target], body, payload.request_headers(job.idempotency_key)
    )
    if delivery.status is None:
        answer = payload.Answer.RETRY
        error = delivery.error
    else:
        answer = payload.classify(delivery.status, delivery.body)
        error = (
            ""
            if answer in (payload.Answer.DELIVERED, payload.Answer.ALREADY)
            else (
                client.redact(
                    f"HTTP {delivery.status}: {payload.read_error(delivery.body)}", config
                )
            )
        )
    receipt = payload.read_receipt(delivery.body) if delivery.status else ""
    updated = actions.record_attempt(
        job_id,
        started_at=now,
        answer=answer,
        http_status=delivery.status,
        receipt_id=receipt,
        error=error,
        duration_ms=delivery.duration_ms,
        next_delay=actions.backoff_delay(job.attempts + 1, policy, delivery.retry_after),
        policy=policy,
        acting_user=actor,
    )
    if updated.status == PushJob.Status.DELIVERED:
        report.delivered.append(job_id)
    elif updated.status == PushJob.Status.FAILED:
        report.failed.append(job_id)
    else:
        report.retrying.append(job_id)


def run_due(
    *, acting_user: Any, targets: tuple[str, ...] = tuple(Target), limit: int = 500
) -> RunReport:
    """Send every due job of ``targets`` once (at most ``limit`` per target)."""
    report = RunReport()
    for target in targets:
        config = target_config(target)
        try:
            client.check_url(config)
        except client.ConfigurationError as exc:
            report.skipped_targets[target] = str(exc)
            continue
        for job_id in due_jobs(target, timezone.now(), limit):
            _send_one(job_id, config, acting_user, report)
    return report

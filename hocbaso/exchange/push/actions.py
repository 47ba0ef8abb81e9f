"""The writes of the push queue: queue, claim, record an attempt, requeue.

`queue_pushes` is the only way a job is created (the Sở's screen, or ``push_records --queue``):
an explicit act, never a signal. A job per (target, page version) is unique in the database,
so queueing twice adds nothing. `record_attempt` appends the attempt row and moves the job in
one transaction with its audit event; a delivery also writes the issuance log (an extract of
the issued version to the named recipient, issue 5), and the Kho's acknowledgement moves the
version to `submitted` (D10, `records.submission.mark_submitted`) in that same transaction.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from hocbaso.audit.log import EventSpec, log, log_many
from hocbaso.exchange.access import is_province_officer
from hocbaso.exchange.models import PushAttempt, PushJob, Target
from hocbaso.exchange.push.config import RetryPolicy
from hocbaso.exchange.push.pages import current_issued
from hocbaso.exchange.push.payload import Answer, idempotency_key
from hocbaso.org.models import Province, School
from hocbaso.people.errors import ActionError
from hocbaso.records.issuance_log import log_access
from hocbaso.records.models import RecordAccess, RecordPage
from hocbaso.records.submission import mark_submitted

Actor = Any
REFUSED = "Chỉ cán bộ Sở GD&ĐT của tỉnh được gửi dữ liệu lên hệ thống quốc gia."
_JITTER = secrets.SystemRandom()
RECIPIENTS = {
    Target.WAREHOUSE: "Kho học bạ số (Bộ GD&ĐT)",
    Target.VNEID: "VNeID — dữ liệu trình độ học vấn (qua Sở GD&ĐT)",
}


def _user(actor: Actor) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _target(value: str) -> Target:
    try:
        return Target(value)
    except ValueError:
        raise ActionError(f"Nơi nhận «{value}» không tồn tại.") from None


@transaction.atomic
def queue_pushes(
    target: str,
    *,
    acting_user: Actor,
    province_id: int,
    school_id: int | None = None,
) -> list[PushJob]:
    """Queue every current issued version of the province's (or one school's) pages not yet
    queued for ``target``; the new jobs (none when everything is queued already)."""
    kind = _target(target)
    province = Province.objects.filter(pk=province_id).first()
    if province is None or not is_province_officer(acting_user, province.pk):
        raise ActionError(REFUSED)
    schools = School.objects.filter(commune__province=province)
    if school_id is not None:
        schools = schools.filter(pk=school_id)
        if not schools.exists():
            raise ActionError("Trường không thuộc tỉnh này.")
    school_ids = list(schools.values_list("pk", flat=True))
    # Lock the candidate pages so a concurrent supersede or queue waits for this one.
    pages = list(current_issued(school_ids).select_for_update(of=("self",)))
    done = set(
        PushJob.objects.filter(target=kind, page__in=pages).values_list("page_id", flat=True)
    )
    created: list[PushJob] = []
    for page in pages:
        if page.pk in done:
            continue
        job = PushJob(
            target=kind,
            page=page,
            school_id=page.class_group.school_id,
            record_code=page.record_code,
            version=page.version,
            sha256=page.sha256,
            idempotency_key=idempotency_key(kind, page.record_code, page.version, page.sha256),
            created_by=_user(acting_user),
        )
        try:
            with transaction.atomic():
                job.save()
        except IntegrityError:  # queued meanwhile by someone else: the constraint holds
            continue
        created.append(job)
    by_school: dict[int, list[PushJob]] = {}
    for job in created:
        by_school.setdefault(job.school_id, []).append(job)
    named = {s.pk: s for s in schools.filter(pk__in=list(by_school))}
    log_many(
        [
            EventSpec(
                "exchange.push_queued",
                subject=named[sid],
                school_id=sid,
                data={
                    "target": kind.value,
                    "jobs": [j.pk for j in jobs],
                    "pages": [j.page_id for j in jobs],
                },
            )  # fmt: skip
            for sid, jobs in sorted(by_school.items())
        ],
        actor=acting_user,
    )
    return created


@transaction.atomic
def requeue_job(job_id: int, *, acting_user: Actor) -> PushJob:
    """A failed job goes back to the queue with the same idempotency key (after fixing what
    made the receiver refuse it, or after the retries ran out)."""
    job = PushJob.objects.select_for_update().select_related("school__commune").get(pk=job_id)
    if not is_province_officer(acting_user, job.school.commune.province_id):
        raise ActionError(REFUSED)
    if job.status != PushJob.Status.FAILED:
        raise ActionError("Chỉ gửi lại được lượt gửi đã không thành công.")
    job.status = PushJob.Status.PENDING
    job.next_attempt_at = timezone.now()
    job.lease_until = None
    job.save(update_fields=["status", "next_attempt_at", "lease_until"])
    log(
        "exchange.push_requeued",
        actor=acting_user,
        subject=job,
        school_id=job.school_id,
        data={"target": job.target, "attempts": job.attempts},
    )
    return job


def claim_job(job_id: int, now: dt.datetime, lease: dt.timedelta) -> bool:
    """Take a due job for one attempt (a conditional update: two workers never both win)."""
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    claimed = PushJob.objects.filter(
        free, pk=job_id, status=PushJob.Status.PENDING, next_attempt_at__lte=now
    ).update(lease_until=now + lease)
    return claimed == 1


def backoff_delay(
    attempts: int,
    policy: RetryPolicy,
    retry_after: float | None = None,
    uniform: Callable[[float, float], float] = _JITTER.uniform,
) -> float:
    """Exponential backoff with "equal jitter": half the doubled delay plus a random half; never
    sooner than the receiver's Retry-After; capped."""
    base = min(policy.max_delay, policy.first_delay * 2 ** max(0, attempts - 1))
    delay = base / 2 + uniform(0, base / 2)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return min(delay, policy.max_delay)


@transaction.atomic
def record_attempt(
    job_id: int,
    *,
    started_at: dt.datetime,
    answer: str,
    http_status: int | None,
    receipt_id: str,
    error: str,
    duration_ms: int,
    next_delay: float,
    policy: RetryPolicy,
    acting_user: Actor,
) -> PushJob:
    job = PushJob.objects.select_for_update().select_related("page__class_group").get(pk=job_id)
    number = job.attempts + 1
    PushAttempt.objects.create(
        job=job,
        number=number,
        started_at=started_at,
        duration_ms=duration_ms,
        http_status=http_status,
        receipt_id=receipt_id,
        outcome=answer,
        error=error,
    )
    job.attempts = number
    job.lease_until = None
    job.last_error = error
    fields = ["attempts", "lease_until", "last_error", "status"]
    if answer in (Answer.DELIVERED, Answer.ALREADY):
        job.status = PushJob.Status.DELIVERED
        job.delivered_at = timezone.now()
        job.receipt_id = receipt_id
        fields += ["delivered_at", "receipt_id"]
        _delivered(job, answer, acting_user)
    elif answer == Answer.RETRY and number < policy.max_attempts:
        job.next_attempt_at = timezone.now() + dt.timedelta(seconds=next_delay)
        fields.append("next_attempt_at")
    else:
        job.status = PushJob.Status.FAILED
        log(
            "exchange.push_failed",
            actor=acting_user,
            subject=job,
            school_id=job.school_id,
            data={"target": job.target, "attempts": number, "http_status": http_status,
                  "error": error[:300]},
        )  # fmt: skip
    job.save(update_fields=fields)
    return job


def _submit(job: PushJob, actor: Actor) -> str:
    """The Kho's acknowledgement moves the version to `submitted` (D10) through the records
    action, in this transaction; what it did (or why not) goes into the delivery's event."""
    if job.target != Target.WAREHOUSE:
        return ""
    assert job.delivered_at is not None
    try:
        return mark_submitted(
            job.page_id,
            sha256=job.sha256,
            receipt_id=job.receipt_id,
            acknowledged_at=job.delivered_at,
            recipient=RECIPIENTS[Target.WAREHOUSE],
            acting_user=actor,
        ).value
    except ActionError as exc:  # rolled back to its savepoint: the delivery is still recorded
        return "refused: " + " ".join(exc.messages)[:200]


def _delivered(job: PushJob, answer: str, actor: Actor) -> None:
    submitted = _submit(job, actor)
    log(
        "exchange.push_delivered",
        actor=actor,
        subject=job,
        school_id=job.school_id,
        data={"target": job.target, "receipt": job.receipt_id, "attempts": job.attempts,
              "already_received": answer == Answer.ALREADY,
              **({"page_submitted": submitted} if submitted else {})},
    )  # fmt: skip
    log_access(
        job.page,
        kind=RecordAccess.Kind.EXTRACT,
        acting_user=actor,
        purpose=f"Gửi dữ liệu lên hệ thống quốc gia (mã tiếp nhận {job.receipt_id})",
        recipient=RECIPIENTS[Target(job.target)],
        sha256=job.sha256,
        data={"exchange_job": job.pk},
    )


@transaction.atomic
def cancel_job(job_id: int, reason: str, *, acting_user: Actor) -> PushJob:
    """A pending job whose version is no longer pushable (superseded before delivery, or its
    sealed file is unreadable) stops; the error says why."""
    job = PushJob.objects.select_for_update().get(pk=job_id)
    if job.status != PushJob.Status.PENDING:
        return job
    job.status = PushJob.Status.CANCELLED
    job.lease_until = None
    job.last_error = reason
    job.save(update_fields=["status", "lease_until", "last_error"])
    log(
        "exchange.push_cancelled",
        actor=acting_user,
        subject=job,
        school_id=job.school_id,
        data={"target": job.target, "reason": reason[:300]},
    )
    return job


def page_is_superseded(job: PushJob) -> bool:
    return (
        RecordPage.objects.filter(pk=job.page_id, state=RecordPage.State.SUPERSEDED).exists()
        or RecordPage.objects.filter(
            record_code=job.record_code,
            version__gt=job.version,
            state__in=(RecordPage.State.SEALED, RecordPage.State.SUBMITTED),
        ).exists()
    )

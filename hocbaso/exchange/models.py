"""Deliveries to national systems (docs/exchange.md): one `PushJob` per (target, record
version), never queued twice, and one `PushAttempt` row per HTTP attempt.

A job is created by an explicit action (`push.actions.queue_pushes`: the Sở's screen or
`manage.py push_records --queue`), never by a signal. Its idempotency key is derived from
(target, record code, version, XML hash) and sent on every attempt, so the receiver can
recognise a retry of something it already holds. Attempts are append-only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hocbaso.org.models import School
from hocbaso.records.models import RecordPage


class Target(models.TextChoices):
    WAREHOUSE = "warehouse", _("Kho học bạ số (Bộ GD&ĐT)")
    VNEID = "vneid", _("VNeID (dữ liệu trình độ học vấn, qua Sở GD&ĐT)")


class PushJob(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Đang chờ gửi")
        DELIVERED = "delivered", _("Đã gửi, nơi nhận đã xác nhận")
        FAILED = "failed", _("Gửi không thành công (đã dừng thử lại)")
        CANCELLED = "cancelled", _("Đã hủy (phiên bản bị thay thế trước khi gửi)")

    target = models.CharField(_("nơi nhận"), max_length=12, choices=Target.choices)
    page = models.ForeignKey(RecordPage, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    record_code = models.CharField(_("mã định danh học bạ"), max_length=80)
    version = models.PositiveIntegerField(_("phiên bản"))
    sha256 = models.CharField(_("mã băm XML"), max_length=64)
    idempotency_key = models.CharField(max_length=80, unique=True)
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("số lần gửi"), default=0)
    next_attempt_at = models.DateTimeField(_("lần gửi tiếp theo"), default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(_("thời điểm nơi nhận xác nhận"), null=True, blank=True)
    receipt_id = models.CharField(_("mã tiếp nhận"), max_length=120, blank=True)
    last_error = models.TextField(_("lỗi gần nhất"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("lượt gửi dữ liệu")
        verbose_name_plural = _("lượt gửi dữ liệu")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["target", "page"], name="push_job_once_per_version")
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.target}:{self.record_code} v{self.version} ({self.status})"


class PushAttempt(models.Model):
    """One HTTP attempt of a job: when, what came back, and why it failed (no secrets)."""

    class Outcome(models.TextChoices):
        DELIVERED = "delivered", _("Nơi nhận đã tiếp nhận")
        ALREADY_RECEIVED = "already", _("Nơi nhận đã có (gửi trùng, coi là thành công)")
        RETRY = "retry", _("Lỗi tạm thời, sẽ thử lại")
        REFUSED = "refused", _("Nơi nhận từ chối")

    job = models.ForeignKey(PushJob, on_delete=models.PROTECT, related_name="attempt_log")
    number = models.PositiveIntegerField(_("lần thứ"))
    started_at = models.DateTimeField(_("bắt đầu"))
    duration_ms = models.PositiveIntegerField(_("thời gian (ms)"))
    http_status = models.PositiveSmallIntegerField(_("mã HTTP"), null=True, blank=True)
    receipt_id = models.CharField(_("mã tiếp nhận"), max_length=120, blank=True)
    outcome = models.CharField(_("kết quả"), max_length=10, choices=Outcome.choices)
    error = models.TextField(_("lỗi"), blank=True)

    class Meta:
        verbose_name = _("lần gửi dữ liệu")
        verbose_name_plural = _("lần gửi dữ liệu")
        ordering = ["job", "number"]
        constraints = [
            models.UniqueConstraint(fields=["job", "number"], name="push_attempt_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.job_id}#{self.number}: {self.outcome} ({self.http_status})"

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding:
            raise RuntimeError("Push attempts are append-only")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise RuntimeError("Push attempts are append-only")

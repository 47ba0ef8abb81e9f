"""Parents' feedback on the identity page and their consent records (issue 6).

Both are append-only: a report is decided by voiding the open row and adding its successor
(`replaces`), and a consent is withdrawn by a new row, so what was said, by whom and when
stays answerable. Imported by `people.models`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ProfileReport(models.Model):
    """A parent's report that a field of the identity page is wrong, and its decision."""

    class Status(models.TextChoices):
        OPEN = "open", _("Đang chờ xử lí")
        RESOLVED = "resolved", _("Đã sửa")
        REJECTED = "rejected", _("Không sửa")

    student = models.ForeignKey(
        "people.Student", on_delete=models.PROTECT, related_name="profile_reports"
    )
    field = models.CharField(_("thông tin"), max_length=40)
    # The value as shown to the parent when they reported (the personal ID masked).
    reported_value = models.CharField(_("giá trị khi phản ánh"), max_length=300)
    comment = models.TextField(_("nội dung phản ánh"))
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reported_at = models.DateTimeField()
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    resolver = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolution_note = models.TextField(_("ghi chú xử lí"), blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    replaces = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    voided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("phản ánh của phụ huynh")
        verbose_name_plural = _("phản ánh của phụ huynh")
        ordering = ["-reported_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "field"],
                condition=models.Q(status="open", voided_at__isnull=True),
                name="one_open_report_per_field",
            )
        ]

    def __str__(self) -> str:
        return f"{self.student_id}:{self.field} ({self.status})"


class ConsentRecord(models.Model):
    """One decision (given or withdrawn) on one purpose of the consent register
    (`consent_texts`) for one pupil, by the parent or for the child. The latest row decides."""

    class Decision(models.TextChoices):
        GRANTED = "granted", _("Đồng ý")
        WITHDRAWN = "withdrawn", _("Rút lại đồng ý")

    class Subject(models.TextChoices):
        PARENT = "parent", _("Cha mẹ/người giám hộ")
        CHILD = "child", _("Học sinh (từ đủ 7 tuổi)")

    student = models.ForeignKey(
        "people.Student", on_delete=models.PROTECT, related_name="consent_records"
    )
    purpose = models.CharField(_("mục đích"), max_length=40)
    text_version = models.PositiveSmallIntegerField(_("phiên bản văn bản"))
    text_sha256 = models.CharField(max_length=64)
    subject = models.CharField(_("người đồng ý"), max_length=10, choices=Subject.choices)
    decision = models.CharField(_("quyết định"), max_length=10, choices=Decision.choices)
    # Whose consent: the parent who decided (for the child's own consent, the parent who
    # recorded it, or none when a teacher did).
    guardian = models.ForeignKey(
        "people.Guardian", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # How it was given: "portal" (the parent's screen) or "paper" (a signed form kept at school).
    method = models.CharField(max_length=10, default="portal")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("đồng ý xử lí dữ liệu")
        verbose_name_plural = _("đồng ý xử lí dữ liệu")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["student", "purpose", "subject"])]

    def __str__(self) -> str:
        return f"{self.student_id}:{self.purpose} v{self.text_version} {self.decision}"

"""Versions of a pupil's year page of the học bạ (spec §7.4, D9, D10).

A `RecordPage` row is one version of one page: the exact canonical XML bytes of its snapshot
(`docs/record-xml.md`) and their SHA-256. A row is never edited, except for its `state`, which
moves along D10 (draft → verified → signed_by_homeroom → signed_by_principal → sealed →
submitted; any version may end as superseded, with `superseded_reason`). A new snapshot of the
same page is a new row with the same `record_code` and the next `version`, pointing at the one
it replaces (`supersedes`); a correction after issue also names its `bien_ban`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from hocbaso.assessment.models import BienBan
from hocbaso.org.models import ClassGroup
from hocbaso.people.models import Student


class RecordPage(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Bản nháp")
        VERIFIED = "verified", _("Đã xác nhận")
        SIGNED_BY_HOMEROOM = "signed_by_homeroom", _("Giáo viên chủ nhiệm đã ký")
        SIGNED_BY_PRINCIPAL = "signed_by_principal", _("Hiệu trưởng đã ký")
        SEALED = "sealed", _("Đã đóng dấu, phát hành")
        SUBMITTED = "submitted", _("Đã gửi lên Sở/Kho")
        SUPERSEDED = "superseded", _("Đã được thay thế")

    record_code = models.CharField(_("mã định danh học bạ"), max_length=80)
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="record_pages")
    class_group = models.ForeignKey(
        ClassGroup, on_delete=models.PROTECT, related_name="record_pages"
    )
    version = models.PositiveIntegerField(_("phiên bản"))
    state = models.CharField(
        _("trạng thái"), max_length=20, choices=State.choices, default=State.DRAFT
    )
    xml = models.BinaryField(_("dữ liệu XML"))
    sha256 = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    supersedes = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
    )
    superseded_reason = models.CharField(_("lí do thay thế"), max_length=300, blank=True)
    bien_ban = models.ForeignKey(
        BienBan, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("trang học bạ")
        verbose_name_plural = _("trang học bạ")
        ordering = ["record_code", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["record_code", "version"], name="record_page_version_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(version__gte=1), name="record_page_version_1"
            ),
        ]
        indexes = [models.Index(fields=["student", "class_group"])]

    def __str__(self) -> str:
        return f"{self.record_code} v{self.version}"

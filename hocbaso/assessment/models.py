"""Periodic assessment data: one row per cell value, never edited (void and replace).

A *sheet* is what one teacher fills in one go: a class × period × unit (subject sheets), or a
class × period for the qualities and competencies (the homeroom teacher's sheet). Its version
grows with every save, so that two tabs editing the same sheet cannot overwrite each other
silently.
"""

from __future__ import annotations

from typing import TypeVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from hocbaso.org.models import ClassGroup, Period
from hocbaso.people.models import Student

QC_SHEET = "pham_chat_nang_luc"  # the qualities-and-competencies sheet of a class


class Sheet(models.Model):
    class_group = models.ForeignKey(ClassGroup, on_delete=models.PROTECT, related_name="sheets")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="sheets")
    key = models.CharField(_("môn học hoặc phẩm chất, năng lực"), max_length=40)
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("sổ nhập đánh giá")
        verbose_name_plural = _("sổ nhập đánh giá")
        constraints = [
            models.UniqueConstraint(fields=["class_group", "period", "key"], name="sheet_unique")
        ]

    def __str__(self) -> str:
        return f"{self.class_group} · {self.period.code} · {self.key}"


class SheetSave(models.Model):
    """One accepted save; its idempotency key makes a retried request apply only once."""

    sheet = models.ForeignKey(Sheet, on_delete=models.PROTECT, related_name="saves")
    idempotency_key = models.CharField(max_length=64, unique=True)
    version = models.PositiveIntegerField()
    changed = models.PositiveIntegerField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    source = models.CharField(max_length=10, default="grid")  # grid, xlsx, seed

    class Meta:
        verbose_name = _("lần lưu sổ")
        verbose_name_plural = _("lần lưu sổ")

    def __str__(self) -> str:
        return f"{self.sheet_id} v{self.version}"


_E = TypeVar("_E", bound=models.Model)


class CurrentQuerySet(models.QuerySet[_E]):
    def current(self) -> CurrentQuerySet[_E]:
        return self.filter(voided_at__isnull=True)


class Entry(models.Model):
    class Kind(models.TextChoices):
        SUBJECT = "subject", _("Môn học, hoạt động giáo dục")
        QUALITY = "quality", _("Phẩm chất")
        COMPETENCY = "competency", _("Năng lực")

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="entries")
    sheet = models.ForeignKey(Sheet, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    code = models.CharField(max_length=40)
    level = models.CharField(_("mức đạt được"), max_length=1, blank=True)
    score = models.PositiveSmallIntegerField(_("điểm KTĐK"), null=True, blank=True)
    comment = models.TextField(_("nhận xét"), blank=True)
    sheet_version = models.PositiveIntegerField()
    save_record = models.ForeignKey(
        SheetSave, null=True, on_delete=models.PROTECT, related_name="entries"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    void_reason = models.CharField(max_length=200, blank=True)
    replaced_by = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaces"
    )

    objects = CurrentQuerySet["Entry"].as_manager()

    class Meta:
        verbose_name = _("kết quả đánh giá")
        verbose_name_plural = _("kết quả đánh giá")
        constraints = [
            models.UniqueConstraint(
                fields=["student", "sheet", "code"],
                condition=models.Q(voided_at__isnull=True),
                name="one_current_entry_per_cell",
            )
        ]
        indexes = [models.Index(fields=["sheet", "voided_at"])]

    def __str__(self) -> str:
        return f"{self.student_id}:{self.code}={self.level}/{self.score}"

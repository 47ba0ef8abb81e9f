"""The plan's own records (Kế hoạch học bạ số): each school's Quy chế, training sessions and who
attended them. Quy chế files are stored by content hash (`storage.REGULATION_FILES`); a new
upload voids the current one and points back at it, nothing is edited."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hocbaso.org.models import Commune, Province, School


class SchoolRegulation(models.Model):
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("tên quy chế"), max_length=300)
    adopted_on = models.DateField(_("ngày ban hành"))
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    voided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("quy chế học bạ số của trường")
        verbose_name_plural = _("quy chế học bạ số của trường")
        ordering = ["-uploaded_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["school"],
                condition=models.Q(voided_at__isnull=True),
                name="school_regulation_one_current",
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.adopted_on:%d/%m/%Y})"


class TrainingSession(models.Model):
    """Organised by the Sở (province), a commune or a school: exactly one of the three."""

    province = models.ForeignKey(
        Province, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    commune = models.ForeignKey(
        Commune, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    school = models.ForeignKey(
        School, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    held_on = models.DateField(_("ngày tập huấn"))
    topic = models.CharField(_("nội dung tập huấn"), max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("buổi tập huấn")
        verbose_name_plural = _("buổi tập huấn")
        ordering = ["-held_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(province__isnull=False, commune__isnull=True, school__isnull=True)
                    | models.Q(province__isnull=True, commune__isnull=False, school__isnull=True)
                    | models.Q(province__isnull=True, commune__isnull=True, school__isnull=False)
                ),
                name="training_session_one_organiser",
            )
        ]

    def __str__(self) -> str:
        return f"{self.topic} ({self.held_on:%d/%m/%Y})"


class TrainingAttendance(models.Model):
    """Whether a staff member attended a session; a change is audited with old and new values."""

    session = models.ForeignKey(
        TrainingSession, on_delete=models.PROTECT, related_name="attendance"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    attended = models.BooleanField(_("có tham dự"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("điểm danh tập huấn")
        verbose_name_plural = _("điểm danh tập huấn")
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="training_attendance_once")
        ]

    def __str__(self) -> str:
        return f"{self.session_id}: {self.user_id}"

"""Transfer packages made or received, and the pages another school issued (docs/transfers.md).

Both tables are append-only registers: a row is written by the action that makes or receives a
package (`export`, `receive`) in the same transaction as its audit event, and never edited.
The archives and the imported PDFs live in the content-addressed stores (`layout.PACKAGES`,
`records.storage`), byte-identical to what was signed.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hocbaso.org.models import School
from hocbaso.people.models import Enrolment, Student
from hocbaso.records.models import RecordPage


class TransferPackage(models.Model):
    """One package: made here for a pupil leaving (``out``) or received here (``in``)."""

    class Direction(models.TextChoices):
        OUT = "out", _("Chuyển đi")
        IN = "in", _("Chuyển đến")

    direction = models.CharField(_("chiều"), max_length=3, choices=Direction.choices)
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="+")
    source_school_code = models.CharField(_("mã trường chuyển đi"), max_length=16)
    source_school_name = models.CharField(_("trường chuyển đi"), max_length=200)
    destination = models.CharField(_("trường chuyển đến"), max_length=200)
    decided_on = models.DateField(_("ngày quyết định chuyển trường"))
    sha256 = models.CharField(_("mã băm hồ sơ"), max_length=64)
    size = models.PositiveIntegerField()
    manifest_sha256 = models.CharField(max_length=64)
    seal_fingerprint = models.CharField(_("chứng thư số con dấu (SHA-256)"), max_length=64)
    pages = models.PositiveIntegerField(_("số trang học bạ"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("hồ sơ chuyển trường")
        verbose_name_plural = _("hồ sơ chuyển trường")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["student", "direction"])]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} · {self.student_id} · {self.decided_on}"


class ImportedPage(models.Model):
    """A year page another school issued, received in a transfer package: kept as issued
    (the PDF byte-identical in the record store, the XML as signed), never re-signed nor
    edited. In one installation the page already exists: ``local_page`` links to it and no
    copy is made."""

    package = models.ForeignKey(TransferPackage, on_delete=models.PROTECT, related_name="imported")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="imported_pages")
    record_code = models.CharField(_("mã định danh học bạ"), max_length=80)
    version = models.PositiveIntegerField(_("phiên bản"))
    issuing_school_code = models.CharField(_("mã trường phát hành"), max_length=16)
    issuing_school_name = models.CharField(_("trường phát hành"), max_length=200)
    school_year = models.CharField(_("năm học"), max_length=9)
    grade = models.PositiveSmallIntegerField(_("khối"))
    class_name = models.CharField(_("lớp"), max_length=20)
    issued_on = models.DateField(_("ngày lập"))
    xml = models.BinaryField(_("dữ liệu XML"))
    xml_sha256 = models.CharField(max_length=64)
    pdf_sha256 = models.CharField(max_length=64)
    pdf_size = models.PositiveIntegerField()
    local_page = models.ForeignKey(
        RecordPage, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("trang học bạ nhận chuyển đến")
        verbose_name_plural = _("trang học bạ nhận chuyển đến")
        ordering = ["school_year", "record_code", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "record_code", "version"], name="imported_page_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.record_code} v{self.version} ({self.issuing_school_name})"

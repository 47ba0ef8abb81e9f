"""Versions of a pupil's year page of the học bạ (spec §7.4, D9, D10).

A `RecordPage` row is one version of one page: the exact canonical XML bytes of its snapshot
(`docs/record-xml.md`) and their SHA-256. A row is never edited, except for its `state`, which
moves along D10 (draft → verified → signed_by_homeroom → signed_by_principal → sealed →
submitted; any version may end as superseded, with `superseded_reason`), and, when it becomes
submitted, the Kho's acknowledgement (`submitted_at`, `submission_receipt`). A new snapshot of
the same page is a new row with the same `record_code` and the next `version`, pointing at the one
it replaces (`supersedes`); a correction after issue also names its `bien_ban`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hocbaso.assessment.models import BienBan
from hocbaso.org.models import ClassGroup, School
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
    # D10 `submitted`: the receiver's acknowledgement of this version (`records.submission`).
    submitted_at = models.DateTimeField(
        _("thời điểm Kho xác nhận tiếp nhận"), null=True, blank=True
    )
    submission_receipt = models.CharField(_("mã tiếp nhận của Kho"), max_length=120, blank=True)

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


class RecordFile(models.Model):
    """One file of a page version, per signing step (append-only, stored by SHA-256 under
    PRIVATE_MEDIA_ROOT/records, `hocbaso.records.storage`). The page's current file is the PDF
    of its latest step; a step's row is written in the same transaction that moves the page's
    state, so the current file is never half-signed.

    ``seal_xml`` is not a PDF: the page's canonical XML signed XAdES-BES with the seal's key
    (`hocbaso.records.xades`), written by the seal step in the seal's transaction. When the
    seal could not sign it (a two-phase remote key), the seal PDF's row says why in
    ``xades_missing_reason``."""

    class Step(models.TextChoices):
        RENDERED = "rendered", _("Bản dựng (chưa kí)")
        HOMEROOM = "homeroom", _("Giáo viên chủ nhiệm đã kí")
        PRINCIPAL = "principal", _("Hiệu trưởng đã kí")
        SEAL = "seal", _("Đã đóng dấu")
        SEAL_XML = "seal_xml", _("XML có chữ ký số (XAdES) của con dấu")

    page = models.ForeignKey(RecordPage, on_delete=models.PROTECT, related_name="files")
    step = models.CharField(_("bước"), max_length=12, choices=Step.choices)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    certificate = models.ForeignKey(
        "signing.SigningCertificate",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    title = models.CharField(_("chức danh người kí"), max_length=200, blank=True)
    xades_missing_reason = models.CharField(
        _("lí do không có XML kí XAdES"), max_length=300, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("tệp trang học bạ")
        verbose_name_plural = _("tệp trang học bạ")
        ordering = ["page", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["page", "step"], name="record_file_step_unique")
        ]

    def __str__(self) -> str:
        return f"{self.page} · {self.step}"


class SigningBatch(models.Model):
    """One batch signing action: one role, one certificate, one PIN for many pages. The PIN is
    kept encrypted (`hocbaso.records.batches.seal_pin`) only while the batch runs."""

    class Role(models.TextChoices):
        HOMEROOM = "homeroom", _("Giáo viên chủ nhiệm kí")
        PRINCIPAL = "principal", _("Hiệu trưởng kí")
        SEAL = "seal", _("Đóng dấu của trường")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Đang chờ")
        RUNNING = "running", _("Đang kí")
        FINISHED = "finished", _("Đã xong")
        FAILED = "failed", _("Không thành công")

    role = models.CharField(_("bước kí"), max_length=12, choices=Role.choices)
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    certificate = models.ForeignKey(
        "signing.SigningCertificate", on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("chức danh người kí"), max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    sealed_pin = models.BinaryField(blank=True, default=b"")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("đợt kí số hàng loạt")
        verbose_name_plural = _("đợt kí số hàng loạt")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "heartbeat_at"])]

    def __str__(self) -> str:
        return f"batch {self.pk} ({self.role}, {self.status})"


class SigningBatchItem(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Chờ kí")
        DONE = "done", _("Đã kí")
        FAILED = "failed", _("Không kí được")
        SKIPPED = "skipped", _("Bỏ qua (đã qua bước này)")

    batch = models.ForeignKey(SigningBatch, on_delete=models.PROTECT, related_name="items")
    page = models.ForeignKey(RecordPage, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("trang trong đợt kí")
        verbose_name_plural = _("trang trong đợt kí")
        ordering = ["batch", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "page"], name="signing_batch_item_unique")
        ]
        indexes = [models.Index(fields=["batch", "status"])]

    def __str__(self) -> str:
        return f"{self.batch_id}/{self.page_id}: {self.status}"


class RecordAccess(models.Model):
    """The issuance log (issue 5): one append-only row per issuance, download, print or
    extract of a page version — who, when, which version, the SHA-256 of the file served,
    and why and for whom when given. Written by `hocbaso.records.issuance_log.log_access`
    in the same transaction as its audit event; never edited nor deleted."""

    class Kind(models.TextChoices):
        ISSUE = "issue", _("Phát hành")
        DOWNLOAD = "download", _("Tải về")
        PRINT = "print", _("In")
        EXTRACT = "extract", _("Trích xuất dữ liệu")

    page = models.ForeignKey(RecordPage, on_delete=models.PROTECT, related_name="accesses")
    version = models.PositiveIntegerField(_("phiên bản"))
    sha256 = models.CharField(_("mã băm tệp"), max_length=64)
    kind = models.CharField(_("loại"), max_length=10, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("thời điểm"), default=timezone.now)
    purpose = models.CharField(_("mục đích"), max_length=300, blank=True)
    recipient = models.CharField(_("người nhận"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("nhật kí phát hành học bạ")
        verbose_name_plural = _("nhật kí phát hành học bạ")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["page", "at"])]

    def __str__(self) -> str:
        return f"{self.page} · {self.kind} · {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding:
            raise RuntimeError("The issuance log is append-only")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise RuntimeError("The issuance log is append-only")


# Transfers (issue 6): the models live with their code (records/transfer/), registered here.
from hocbaso.records.transfer.models import ImportedPage, TransferPackage  # noqa: E402, F401

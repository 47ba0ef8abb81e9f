"""The registry of signing certificates (issue 5 "Certificates").

A personal certificate belongs to a user, a seal certificate to a school, a TSA certificate to
neither. Rows are never edited: a withdrawn certificate gets ``revoked_at``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hocbaso.org.models import School


class CertificateKind(models.TextChoices):
    PERSONAL = "personal", _("Chứng thư số cá nhân")
    SEAL = "seal", _("Chứng thư số của tổ chức (con dấu)")
    TSA = "tsa", _("Chứng thư số dịch vụ cấp dấu thời gian")


class SigningCertificate(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="signing_certificates",
    )
    school = models.ForeignKey(
        School,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="signing_certificates",
    )
    kind = models.CharField(_("loại"), max_length=10, choices=CertificateKind.choices)
    subject_cn = models.CharField(_("tên chủ thể (CN)"), max_length=300)
    subject = models.CharField(_("chủ thể"), max_length=1000)
    serial = models.CharField(_("số hiệu"), max_length=80)
    issuer = models.CharField(_("tổ chức cấp"), max_length=1000)
    not_before = models.DateTimeField(_("hiệu lực từ"))
    not_after = models.DateTimeField(_("hiệu lực đến"))
    fingerprint_sha256 = models.CharField(_("dấu vân tay SHA-256"), max_length=64, unique=True)
    key_usage = models.CharField(_("mục đích sử dụng khóa"), max_length=300, blank=True)
    der = models.BinaryField(_("chứng thư (DER)"))
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    registered_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("chứng thư số")
        verbose_name_plural = _("chứng thư số")
        ordering = ["-registered_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind="personal", user__isnull=False, school__isnull=True)
                    | models.Q(kind="seal", user__isnull=True, school__isnull=False)
                    | models.Q(kind="tsa", user__isnull=True, school__isnull=True)
                ),
                name="signing_certificate_owner_matches_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject_cn} ({self.get_kind_display()}, {self.serial})"


class KeyBackend(models.TextChoices):
    SERVER_PKCS12 = "server_pkcs12", _("Khóa lưu trên máy chủ (PKCS#12, mở bằng mã PIN)")
    PKCS11 = "pkcs11", _("Thiết bị kí số (USB token, HSM) qua PKCS#11")
    REMOTE = "remote", _("Kí từ xa hai bước (ứng dụng trên máy giáo viên, dịch vụ kí của CA)")


class SigningKey(models.Model):
    """Where the private key of a registered certificate lives and how to reach it.

    * ``server_pkcs12``: a PKCS#12 archive encrypted with the holder's PIN (the server never
      stores the PIN). Meant for the demo installation and for a seal kept in an HSM-less
      test setup; production staff keys live on tokens or with the CA.
    * ``pkcs11``: a token in the signing machine, found by token and key label.
    * ``remote``: two-phase signing through the remote signing service named in settings.

    One row per certificate, never edited; a key moved elsewhere means a new certificate.
    """

    certificate = models.OneToOneField(
        SigningCertificate, on_delete=models.PROTECT, related_name="key"
    )
    backend = models.CharField(_("nơi giữ khóa"), max_length=20, choices=KeyBackend.choices)
    pkcs12 = models.BinaryField(_("tệp PKCS#12 (đã mã hóa bằng PIN)"), blank=True, default=b"")
    token_label = models.CharField(_("nhãn token"), max_length=100, blank=True)
    key_label = models.CharField(_("nhãn khóa"), max_length=100, blank=True)
    remote_service = models.CharField(_("dịch vụ kí từ xa"), max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("khóa kí số")
        verbose_name_plural = _("khóa kí số")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(backend="server_pkcs12")
                    | models.Q(backend="pkcs11", token_label__gt="")
                    | models.Q(backend="remote", remote_service__gt="")
                ),
                name="signing_key_backend_has_locator",
            )
        ]

    def __str__(self) -> str:
        return f"{self.certificate} — {self.get_backend_display()}"

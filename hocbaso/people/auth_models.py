"""Models of the login's protections (issue 7): brute-force counters and the second factor.

Imported by `people/models.py`, so Django finds them in the `people` app."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class LoginThrottle(models.Model):
    """Failed logins counted per (username, IP) pair, per username and per IP address
    (people/login_throttle.py). Kept in the database so that several app servers share them."""

    class Scope(models.TextChoices):
        PAIR = "pair", _("tên đăng nhập và địa chỉ IP")
        USERNAME = "username", _("tên đăng nhập")
        ADDRESS = "address", _("địa chỉ IP")

    scope = models.CharField(max_length=10, choices=Scope.choices)
    username = models.CharField(max_length=150, blank=True)
    ip = models.CharField(max_length=45, blank=True)
    failures = models.PositiveIntegerField(default=0)
    window_started_at = models.DateTimeField()
    last_failure_at = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)
    lockouts = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("bộ đếm đăng nhập sai")
        verbose_name_plural = _("bộ đếm đăng nhập sai")
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "username", "ip"], name="people_login_throttle_unique"
            )
        ]
        indexes = [models.Index(fields=["scope", "ip", "last_failure_at"])]

    def __str__(self) -> str:
        return f"{self.scope}:{self.username}@{self.ip}"


class TotpDevice(models.Model):
    """A user's authenticator app (RFC 6238). The secret is kept encrypted (people/totp_seal.py);
    `last_used_step` refuses a code used once from being used again."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="totp_device"
    )
    sealed_secret = models.BinaryField()
    confirmed_at = models.DateTimeField()
    last_used_step = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("ứng dụng xác thực")
        verbose_name_plural = _("ứng dụng xác thực")

    def __str__(self) -> str:
        return f"totp:{self.user_id}"


class RecoveryCode(models.Model):
    """A single-use recovery code, stored as its SHA-256 (the codes carry 80 random bits)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_codes"
    )
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("mã khôi phục")
        verbose_name_plural = _("mã khôi phục")
        indexes = [models.Index(fields=["user", "code_hash"])]

    def __str__(self) -> str:
        return f"recovery:{self.user_id}"

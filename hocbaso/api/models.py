"""API tokens: how a native app or an integration authenticates to /api/v1.

A token is shown once, when it is issued. Only its SHA-256 is stored, with a short visible
prefix so its owner can tell tokens apart in a list. A token is never deleted or edited except
to stamp its last use and its revocation (void, never erase): who held which token, and when it
stopped working, stays answerable.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def usable(self) -> ApiTokenQuerySet:
        """Not revoked and not expired, at this moment."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_tokens"
    )
    name = models.CharField(_("tên thiết bị/ứng dụng"), max_length=100)
    # The first characters of the secret, shown in lists ("hbs_AbC123…"); not secret by itself.
    prefix = models.CharField(_("tiền tố"), max_length=16)
    digest = models.CharField(max_length=64, unique=True)  # SHA-256 (hex) of the whole secret
    created_at = models.DateTimeField(_("ngày tạo"), default=timezone.now)
    last_used_at = models.DateTimeField(_("dùng lần cuối"), null=True, blank=True)
    expires_at = models.DateTimeField(_("hết hạn"))
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)
    # The user's session auth hash (a keyed hash of their password hash) when the token was
    # issued: a new password — changed, reset by SMS, set by an admin — ends every token as it
    # ends every session (tokens.token_for_secret compares it at each use).
    password_stamp = models.CharField(max_length=128, blank=True, default="")

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("mã truy cập API")
        verbose_name_plural = _("mã truy cập API")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "revoked_at"])]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

from __future__ import annotations

from django.contrib import admin

from hocbaso.api.models import ApiToken
from hocbaso.audit.admin import ReadOnlyAdmin


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    """Who holds which token and since when (read only; the digest is not shown)."""

    list_display = (
        "prefix",
        "user",
        "name",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    )
    search_fields = ("user__username", "prefix", "name")
    exclude = ("digest",)

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from hocbaso.audit.models import AuditEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    """The admin shows data; every change goes through a named action, never through here."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("chain", "seq", "created_at", "action", "actor_label", "subject_label")
    list_filter = ("action", "chain")
    search_fields = ("subject_label", "actor_label", "request_id")

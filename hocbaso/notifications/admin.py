"""The delivery log for the Sở's system administrators: read-only, the address masked and the
text left out (it is in the row for the sender, not for browsing)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from hocbaso.audit.admin import ReadOnlyAdmin
from hocbaso.notifications.masking import mask_address
from hocbaso.notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "topic",
        "channel",
        "masked_address",
        "status",
        "attempts",
        "sent_at",
        "last_error",
    )
    list_filter = ("status", "channel", "topic")
    fields = (
        "topic",
        "channel",
        "masked_address",
        "status",
        "attempts",
        "last_error",
        "provider_message_id",
        "created_at",
        "next_attempt_at",
        "sent_at",
    )
    readonly_fields = fields

    @admin.display(description=_("địa chỉ nhận"))
    def masked_address(self, obj: Notification) -> str:
        return mask_address(obj.address)

"""Send the queued notifications whose retry time has come (run it every few minutes)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from hocbaso.audit.context import request_context
from hocbaso.notifications.delivery import deliver_due


class Command(BaseCommand):
    help = "Gửi lại các thông báo đang chờ đã đến giờ thử lại."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=500)

    def handle(self, *args: Any, **options: Any) -> None:
        with request_context("command"):
            counts = deliver_due(options["limit"])
        self.stdout.write(
            f"Đã gửi: {counts['sent']}; chờ thử lại: {counts['queued']}; "
            f"không thành công: {counts['failed']}; bỏ qua: {counts['skipped']}"
        )

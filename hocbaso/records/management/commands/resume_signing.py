"""`python manage.py resume_signing`: re-enqueue signing batches whose worker died.

A batch still ``running`` without a heartbeat for ``SIGNING_BATCH_STALE_MINUTES`` (default 5),
or ``queued`` that long without starting, is enqueued again (queue "signing"); the new run
takes only the items still pending, so nothing is signed twice. Run it from cron every few
minutes, or after restarting the workers (`hocbaso.records.batches.resume_stale_batches`)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from hocbaso.records.batches import resume_stale_batches


class Command(BaseCommand):
    help = "Tiếp tục các đợt kí số hàng loạt bị gián đoạn (tiến trình kí đã dừng)."

    def handle(self, *args: Any, **options: Any) -> None:
        ids = resume_stale_batches()
        if not ids:
            self.stdout.write("Không có đợt kí nào bị gián đoạn.")
            return
        listed = ", ".join(str(i) for i in ids)
        self.stdout.write(f"Đã xếp lại hàng đợi {len(ids)} đợt kí: {listed}.")

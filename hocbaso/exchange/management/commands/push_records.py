"""`manage.py push_records [--queue --province CODE [--school CODE]] [--target T] [--limit N]`

Without ``--queue``: send every due job once (run it from cron every few minutes; retries are
scheduled with backoff, a run never waits for them). With ``--queue``: first queue the current
issued versions of the province (or one school) not yet queued — the explicit act that the Sở's
screen also offers; issuing a page never queues anything by itself.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hocbaso.audit.actors import SystemActor
from hocbaso.audit.context import request_context
from hocbaso.exchange.models import Target
from hocbaso.exchange.push.actions import queue_pushes
from hocbaso.exchange.push.runner import run_due
from hocbaso.org.models import Province, School
from hocbaso.people.errors import ActionError

PUSHER = SystemActor("push_records")


class Command(BaseCommand):
    help = "Gửi học bạ đã phát hành lên Kho học bạ số và dữ liệu trình độ học vấn lên VNeID."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--target", choices=[t.value for t in Target], action="append")
        parser.add_argument("--queue", action="store_true", help="đưa học bạ mới vào hàng đợi")
        parser.add_argument("--province", help="mã tỉnh (cùng --queue)")
        parser.add_argument("--school", help="mã trường (cùng --queue)")
        parser.add_argument("--limit", type=int, default=500)

    def handle(self, *args: Any, **options: Any) -> None:
        targets = tuple(options["target"] or [t.value for t in Target])
        with request_context("command"):
            if options["queue"]:
                self._queue(targets, options["province"], options["school"])
            report = run_due(acting_user=PUSHER, targets=targets, limit=options["limit"])
        for target, reason in report.skipped_targets.items():
            self.stderr.write(f"{target}: bỏ qua — {reason}")
        self.stdout.write(
            f"Đã gửi thành công {len(report.delivered)}, chờ thử lại {len(report.retrying)}, "
            f"không thành công {len(report.failed)}, đã hủy {len(report.cancelled)}."
        )

    def _queue(
        self, targets: tuple[str, ...], province_code: str | None, school: str | None
    ) -> None:
        if not province_code:
            raise CommandError("--queue cần --province MÃ_TỈNH.")
        province = Province.objects.filter(code=province_code).first()
        if province is None:
            raise CommandError(f"Không có tỉnh mã «{province_code}».")
        school_id = None
        if school:
            found = School.objects.filter(code=school, commune__province=province).first()
            if found is None:
                raise CommandError(f"Tỉnh không có trường mã «{school}».")
            school_id = found.pk
        for target in targets:
            try:
                jobs = queue_pushes(
                    target, acting_user=PUSHER, province_id=province.pk, school_id=school_id
                )
            except ActionError as error:
                raise CommandError("; ".join(error.messages)) from None
            self.stdout.write(f"{target}: đã đưa {len(jobs)} trang học bạ vào hàng đợi.")

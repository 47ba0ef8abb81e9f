"""Release to parents the demo school's periods whose entry is locked (make run calls it once):
the demo parent then sees the Giữa học kì I results in the portal."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from hocbaso.assessment.models import PeriodRelease
from hocbaso.assessment.release import release_period, unlocked_classes
from hocbaso.audit.actors import SEED
from hocbaso.audit.context import request_context
from hocbaso.org.models import ClassGroup, Period, School


class Command(BaseCommand):
    help = "Công bố cho cha mẹ kết quả các kì đã khóa sổ của trường mẫu đầu tiên"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--school", help="mã trường (mặc định: trường mẫu đầu tiên)")
        parser.add_argument("--if-empty", action="store_true", help="bỏ qua nếu đã có công bố")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and PeriodRelease.objects.exists():
            self.stdout.write("Đã có kì được công bố: không công bố thêm.")
            return
        school = (
            School.objects.filter(code=options["school"]).first()
            if options["school"]
            else School.objects.order_by("code").first()
        )
        if school is None:
            raise CommandError("Chưa có trường nào: hãy chạy seed_demo trước.")
        years = ClassGroup.objects.filter(school=school).values("school_year_id")
        periods = Period.objects.filter(
            school_year_id__in=years, entry_deadline__lt=timezone.localdate()
        ).select_related("school_year")
        with request_context("seed"):
            for period in periods.order_by("school_year__starts_on", "order"):
                still_open = unlocked_classes(school, period)
                if still_open:
                    self.stdout.write(f"{period}: chưa khóa sổ lớp {', '.join(still_open)}.")
                    continue
                if not PeriodRelease.objects.current().filter(school=school, period=period):
                    release_period(school, period, acting_user=SEED)
                    self.stdout.write(f"Đã công bố kết quả {period} của {school}.")

"""Fill the first demo school's past assessment periods (make run calls it once)."""

from __future__ import annotations

import random
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from hocbaso.assessment.demo_entries import DEMO_STRUGGLING, fill_class_period
from hocbaso.assessment.demo_review import seed_review_scenario
from hocbaso.assessment.models import Entry
from hocbaso.audit.context import request_context
from hocbaso.org.models import ClassGroup, Period, School


class Command(BaseCommand):
    help = "Nhập kết quả đánh giá mẫu cho các kì đã qua của trường mẫu đầu tiên"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--school", help="mã trường (mặc định: trường mẫu đầu tiên)")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--if-empty", action="store_true", help="bỏ qua nếu đã có kết quả")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and Entry.objects.exists():
            self.stdout.write("Đã có kết quả đánh giá: không nhập thêm dữ liệu mẫu.")
            return
        school = (
            School.objects.filter(code=options["school"]).first()
            if options["school"]
            else School.objects.order_by("code").first()
        )
        if school is None:
            raise CommandError("Chưa có trường nào: hãy chạy seed_demo trước.")
        today = timezone.localdate()
        rng = random.Random(options["seed"])  # noqa: S311 - deterministic demo data, not secrets
        total = 0
        with request_context("seed"):
            for class_group in ClassGroup.objects.filter(school=school).order_by("grade", "name"):
                periods = Period.objects.filter(
                    school_year=class_group.school_year, entry_deadline__lt=today
                ).order_by("order")
                for period in periods:
                    total += fill_class_period(
                        class_group, period.code, rng, struggling=DEMO_STRUGGLING
                    )
            review = seed_review_scenario(school)
        self.stdout.write(f"Đã nhập {total} ô kết quả đánh giá mẫu cho {school}.")
        self.stdout.write(review)

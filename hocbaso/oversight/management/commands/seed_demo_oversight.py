"""`python manage.py seed_demo_oversight --if-empty`: the demo province's Quy chế and training
records (after seed_demo; make setup runs it once)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hocbaso.audit.context import request_context
from hocbaso.org.models import Province
from hocbaso.oversight.demo import has_records, seed_oversight
from hocbaso.people.demo.places import PROVINCE_CODE


class Command(BaseCommand):
    help = "Tạo Quy chế và buổi tập huấn mẫu của tỉnh dữ liệu mẫu (sau seed_demo)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--if-empty", action="store_true", help="bỏ qua nếu đã có dữ liệu")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and has_records():
            self.stdout.write("Đã có Quy chế hoặc tập huấn: không tạo thêm.")
            return
        province = Province.objects.filter(code=PROVINCE_CODE).first()
        if province is None:
            raise CommandError("Chưa có tỉnh dữ liệu mẫu: hãy chạy seed_demo trước.")
        with request_context("seed"):
            uploaded, marked = seed_oversight(province)
        self.stdout.write(f"Đã tải lên {uploaded} Quy chế; điểm danh {marked} cán bộ, giáo viên.")

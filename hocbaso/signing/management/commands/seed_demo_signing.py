"""`python manage.py seed_demo_signing [--school CODE] [--if-empty]`: the DEMO CA, DEMO TSA and
DEMO certificates (staff + seal, keys opened by the demo PIN) for a demo school. Refused
unless the demo PKI is on (HOCBASO_DEMO_PKI), i.e. never in production."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from hocbaso.org.models import School
from hocbaso.signing.demo_seed import seed_school_certificates
from hocbaso.signing.models import SigningCertificate


class Command(BaseCommand):
    help = "Tạo chứng thư số DEMO (CA, TSA, cán bộ, con dấu) cho một trường mẫu."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--school", help="mã trường (mặc định: trường mẫu đầu tiên)")
        parser.add_argument("--if-empty", action="store_true", help="bỏ qua nếu đã có chứng thư số")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.SIGNING_DEMO_PKI:
            raise CommandError(
                "Hạ tầng khóa DEMO đang tắt (HOCBASO_DEMO_PKI): không tạo chứng thư số DEMO."
            )
        if options["if_empty"] and SigningCertificate.objects.exists():
            self.stdout.write("Đã có chứng thư số: bỏ qua.")
            return
        schools = School.objects.order_by("code")
        school = (
            schools.filter(code=options["school"]).first() if options["school"] else schools.first()
        )
        if school is None:
            raise CommandError("Không tìm thấy trường: chạy «python manage.py seed_demo» trước.")
        result = seed_school_certificates(school, now=timezone.now())
        self.stdout.write(
            f"{school.name}: {result.personal} chứng thư số cá nhân DEMO, "
            f"{result.seal} con dấu DEMO; mã PIN DEMO: {settings.SIGNING_DEMO_PIN}"
        )

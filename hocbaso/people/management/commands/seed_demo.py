"""`python manage.py seed_demo`: a demo province built through the actions, deterministic for a
given --seed. `--if-empty` (used by `make setup`) does nothing when a school exists."""

from __future__ import annotations

import time
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from hocbaso.org.actions import OrgError
from hocbaso.org.models import Province, School
from hocbaso.people.demo.places import PROVINCE_CODE
from hocbaso.people.demo.province import SeedOptions, SeedReport, seed_demo
from hocbaso.people.errors import ActionError


class Command(BaseCommand):
    help = (
        "Tạo dữ liệu mẫu: các xã/phường, trường, lớp, cán bộ, phân công, học sinh, cha mẹ, ảnh "
        "và tài khoản dùng thử (cùng --seed cho cùng dữ liệu)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        defaults = SeedOptions()
        parser.add_argument("--schools", type=int, default=defaults.schools)
        parser.add_argument("--classes-per-grade", type=int, default=defaults.classes_per_grade)
        parser.add_argument("--students-per-class", type=int, default=defaults.students_per_class)
        parser.add_argument("--seed", type=int, default=defaults.seed)
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Không làm gì nếu cơ sở dữ liệu đã có trường học.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        existing = School.objects.count()
        if existing and options["if_empty"]:
            self.stdout.write(
                f"Cơ sở dữ liệu đã có dữ liệu ({existing} trường): không tạo dữ liệu mẫu."
            )
            return
        if existing:
            raise CommandError(
                f"Cơ sở dữ liệu đã có {existing} trường; dữ liệu mẫu chỉ tạo trên cơ sở dữ liệu "
                "trống (dùng --if-empty để bỏ qua khi đã có dữ liệu)."
            )
        if Province.objects.filter(code=PROVINCE_CODE).exists():
            raise CommandError(
                f"Đã có tỉnh/thành phố mã {PROVINCE_CODE}; "
                "dữ liệu mẫu chỉ tạo trên cơ sở dữ liệu trống."
            )
        seed_options = SeedOptions(
            schools=options["schools"],
            classes_per_grade=options["classes_per_grade"],
            students_per_class=options["students_per_class"],
            seed=options["seed"],
        )
        problems = seed_options.problems()
        if problems:
            raise CommandError(" ".join(problems))
        started = time.monotonic()
        verbose = options["verbosity"] >= 1
        step = max(1, seed_options.schools // 10)

        def progress(done: int, report: SeedReport) -> None:
            if verbose and (done % step == 0 or done == seed_options.schools):
                elapsed = time.monotonic() - started
                total = seed_options.schools
                self.stdout.write(
                    f"  {done}/{total} trường, {report.pupils} học sinh ({elapsed:.0f} s)"
                )

        try:
            report = seed_demo(seed_options, progress=progress)
        except (ActionError, OrgError) as refused:
            # Schools already written stay (one transaction per school); the failed one does not.
            raise CommandError(f"Không tạo được dữ liệu mẫu: {refused}") from refused
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Đã tạo dữ liệu mẫu trong {elapsed:.1f} s: {report.communes} xã/phường, "
                f"{report.schools} trường, {report.classes} lớp, {report.pupils} học sinh, "
                f"{report.accounts} tài khoản, {report.photo_files} tệp ảnh (dùng chung)."
            )
        )
        if settings.SIGNING_DEMO_PKI:
            # the DEMO CA, TSA, staff certificates and seal of the first school (demo only)
            call_command("seed_demo_signing", "--if-empty", stdout=self.stdout)
        self.stdout.write("")
        call_command("demo_logins", stdout=self.stdout)

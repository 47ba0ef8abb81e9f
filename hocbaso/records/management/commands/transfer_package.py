"""``manage.py transfer_package verify FILE.zip [--school CODE]``: verify a transfer package
(`hocbaso.records.transfer.checks.verify_package`) and print the JSON report.

With ``--school`` the checks of the receiving school are added (the package is not its own,
the pupil can be received). Nothing is written. The exit status is 0 only when every check
passed; 1 otherwise (the reasons on standard error too); 2 when the file cannot be read or the
school is unknown.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hocbaso.org.models import School
from hocbaso.records.transfer.checks import verify_package
from hocbaso.records.transfer.layout import MAX_PACKAGE_BYTES

EXIT_INVALID = 1
EXIT_UNUSABLE = 2


class Command(BaseCommand):
    help = (
        "Kiểm tra một hồ sơ chuyển trường (.zip): cấu trúc, chữ kí con dấu trên bản kê khai, "
        "mã băm từng tệp, chữ kí số từng trang học bạ. In báo cáo JSON; không ghi gì."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"], help="verify: kiểm tra hồ sơ")
        parser.add_argument("file", metavar="FILE.zip", help="tệp hồ sơ chuyển trường")
        parser.add_argument("--school", metavar="MÃ_TRƯỜNG", help="trường tiếp nhận (tùy chọn)")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            if path.stat().st_size > MAX_PACKAGE_BYTES:
                raise CommandError(f"Tệp {path} quá lớn.", returncode=EXIT_UNUSABLE)
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(
                f"Không đọc được tệp {path}: {exc.strerror or exc}.", returncode=EXIT_UNUSABLE
            ) from exc
        school = None
        if options["school"]:
            school = School.objects.filter(code=options["school"]).first()
            if school is None:
                raise CommandError(
                    f"Không có trường mã {options['school']}.", returncode=EXIT_UNUSABLE
                )
        quiet = logging.getLogger("pyhanko")
        level = quiet.level
        quiet.setLevel(logging.CRITICAL)  # pyHanko logs every rejected change with a traceback
        try:
            report = verify_package(data, school=school)
        finally:
            quiet.setLevel(level)
        self.stdout.write(report.to_json())
        if not report.ok:
            raise CommandError(" ".join(report.problems), returncode=EXIT_INVALID)

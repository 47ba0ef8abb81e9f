"""`manage.py import_staff --school CODE FILE [--apply]`: check (by default) or apply a staff
file as the system (the only way a principal's role can come from a file). Prints each
problem in Vietnamese and, after an apply, each new account's first password, once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from hocbaso.audit.actors import COMMAND
from hocbaso.audit.context import request_context
from hocbaso.people.actions.imports import import_staff
from hocbaso.people.errors import ActionError
from hocbaso.people.imports.report import report_lines
from hocbaso.people.management.commands.import_students import read_file, school_by_code


class Command(BaseCommand):
    help = "Nhập danh sách cán bộ, giáo viên từ tệp .xlsx/.csv (mặc định chỉ chạy thử)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--school", required=True, help="mã trường, ví dụ TH-DV")
        parser.add_argument("file", help="tệp .xlsx hoặc .csv theo mẫu")
        parser.add_argument("--apply", action="store_true", help="ghi vào cơ sở dữ liệu")

    def handle(self, *args: Any, **options: Any) -> None:
        school = school_by_code(options["school"])
        data = read_file(options["file"], settings.IMPORT_MAX_UPLOAD_BYTES)
        with request_context("command"):
            try:
                report = import_staff(
                    school.pk,
                    data,
                    Path(options["file"]).name,
                    acting_user=COMMAND,
                    dry_run=not options["apply"],
                )
            except ActionError as error:
                raise CommandError("; ".join(error.messages)) from None
        for line in report_lines(report):
            self.stdout.write(line)
        if report.credentials:
            self.stdout.write("Mật khẩu ban đầu (chỉ hiện một lần, hãy trao tận tay):")
            for credential in report.credentials:
                self.stdout.write(f"  {credential.username}\t{credential.password}")
        if report.errors:
            raise CommandError(f"{len(report.errors)} lỗi; không có gì được ghi.", returncode=1)

"""`manage.py export_staff --school CODE --out FILE`: write the school's staff to FILE, .xlsx
or .csv by its suffix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hocbaso.audit.actors import COMMAND
from hocbaso.audit.context import request_context
from hocbaso.people.errors import ActionError
from hocbaso.people.exports.cells import ExportFormat
from hocbaso.people.exports.staff import export_staff
from hocbaso.people.management.file_import_command import school_by_code


class Command(BaseCommand):
    help = "Xuất danh sách cán bộ, giáo viên của trường ra tệp .xlsx hoặc .csv."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--school", required=True, help="mã trường, ví dụ TH-DV")
        parser.add_argument("--out", required=True, help="tệp kết quả, đuôi .xlsx hoặc .csv")

    def handle(self, *args: Any, **options: Any) -> None:
        school = school_by_code(options["school"])
        out = Path(options["out"])
        try:
            fmt = ExportFormat.from_name(out.name)
        except ValueError as error:
            raise CommandError(str(error)) from None
        with request_context("command"):
            try:
                export = export_staff(school.pk, acting_user=COMMAND, fmt=fmt)
            except ActionError as error:
                raise CommandError("; ".join(error.messages)) from None
        out.write_bytes(export.content)
        self.stdout.write(f"Đã xuất {out} ({len(export.content)} byte).")

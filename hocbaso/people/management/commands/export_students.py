"""`manage.py export_students --school CODE --out FILE [--class 4A]`: write the school's (or a
class's) pupils to FILE, .xlsx or .csv by its suffix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hocbaso.audit.actors import COMMAND
from hocbaso.audit.context import request_context
from hocbaso.org.models import ClassGroup
from hocbaso.people.errors import ActionError
from hocbaso.people.exports.cells import ExportFormat
from hocbaso.people.exports.students import export_students
from hocbaso.people.imports.classes import class_key
from hocbaso.people.management.file_import_command import school_by_code


class Command(BaseCommand):
    help = "Xuất danh sách học sinh của trường (hoặc một lớp) ra tệp .xlsx hoặc .csv."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--school", required=True, help="mã trường, ví dụ TH-DV")
        parser.add_argument("--out", required=True, help="tệp kết quả, đuôi .xlsx hoặc .csv")
        parser.add_argument("--class", dest="class_name", help="chỉ xuất một lớp, ví dụ 4A")

    def handle(self, *args: Any, **options: Any) -> None:
        school = school_by_code(options["school"])
        out = Path(options["out"])
        try:
            fmt = ExportFormat.from_name(out.name)
        except ValueError as error:
            raise CommandError(str(error)) from None
        class_id = None
        if options["class_name"]:
            wanted = class_key(options["class_name"])
            matches = [
                c.pk
                for c in ClassGroup.objects.filter(school=school).order_by(
                    "-school_year__starts_on"
                )
                if class_key(c.name) == wanted
            ]
            if not matches:
                raise CommandError(f"Trường không có lớp «{options['class_name']}».")
            class_id = matches[0]
        with request_context("command"):
            try:
                export = export_students(
                    school.pk, acting_user=COMMAND, fmt=fmt, class_group_id=class_id
                )
            except ActionError as error:
                raise CommandError("; ".join(error.messages)) from None
        out.write_bytes(export.content)
        self.stdout.write(f"Đã xuất {out} ({len(export.content)} byte).")

"""What `import_students` and `import_staff` share: the school by its code, the file read
under the upload limit, the dry run by default (`--apply` writes), the report printed in
Vietnamese and exit 1 when it has any problem."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from hocbaso.audit.actors import COMMAND
from hocbaso.audit.context import request_context
from hocbaso.org.models import School
from hocbaso.people.errors import ActionError
from hocbaso.people.imports.report import report_lines


def school_by_code(code: str) -> School:
    try:
        return School.objects.get(code=code)
    except School.DoesNotExist:
        raise CommandError(f"Không có trường mã «{code}».") from None


def read_file(path: str, limit: int) -> bytes:
    file = Path(path)
    if not file.is_file():
        raise CommandError(f"Không đọc được tệp «{path}».")
    with file.open("rb") as handle:
        return handle.read(limit + 1)  # one byte over the limit is enough to refuse it


class FileImportCommand(BaseCommand):
    """Subclasses name the import action (`importer`) and may print more after the report."""

    importer: Callable[..., Any]

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--school", required=True, help="mã trường, ví dụ TH-DV")
        parser.add_argument("file", help="tệp .xlsx hoặc .csv theo mẫu")
        parser.add_argument("--apply", action="store_true", help="ghi vào cơ sở dữ liệu")

    def handle(self, *args: Any, **options: Any) -> None:
        school = school_by_code(options["school"])
        data = read_file(options["file"], settings.IMPORT_MAX_UPLOAD_BYTES)
        with request_context("command"):
            try:
                report = type(self).importer(
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
        self.after_report(report)
        if report.errors:
            raise CommandError(f"{len(report.errors)} lỗi; không có gì được ghi.", returncode=1)

    def after_report(self, report: Any) -> None:
        """Printed after the report, before the exit status (nothing by default)."""

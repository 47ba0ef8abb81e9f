"""`manage.py import_archive FILE --identity KEYFILE`: verify, then restore a school-year
archive into a fresh installation (docs/archive.md). Refuses when the school exists."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hocbaso.audit.actors import SystemActor
from hocbaso.audit.context import request_context
from hocbaso.exchange.archive.reading import ArchiveRefused, load_identities
from hocbaso.exchange.archive.restore import import_archive
from hocbaso.people.errors import ActionError

IMPORTER = SystemActor("import_archive")


class Command(BaseCommand):
    help = "Khôi phục một bản lưu trữ năm học vào một cài đặt mới."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--identity", required=True, help="tệp khóa bí mật age")

    def handle(self, *args: Any, **options: Any) -> None:
        with request_context("command"):
            try:
                identities = load_identities(Path(options["identity"]))
                _report, restored = import_archive(
                    Path(options["file"]), identities, acting_user=IMPORTER
                )
            except ArchiveRefused as exc:
                raise CommandError(str(exc)) from None
            except ActionError as error:
                raise CommandError("; ".join(error.messages)) from None
        self.stdout.write(
            json.dumps(
                {
                    "school_id": restored.school_id,
                    "tables": restored.tables,
                    "records_verified": restored.records_verified,
                },
                ensure_ascii=False,
                indent=1,
            )
        )

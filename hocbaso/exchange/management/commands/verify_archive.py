"""`manage.py verify_archive FILE --identity KEYFILE`: decrypt and check an archive offline
(docs/archive.md); prints a JSON report and exits 0 only when every check passes. Reads no
database."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from hocbaso.exchange.archive.checks import verify_opened
from hocbaso.exchange.archive.reading import ArchiveRefused, load_identities, open_archive


class Command(BaseCommand):
    help = "Kiểm tra một bản lưu trữ năm học (giải mã, mã băm, chữ kí, nhật kí, học bạ)."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--identity", required=True, help="tệp khóa bí mật age")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            identities = load_identities(Path(options["identity"]))
            with open_archive(Path(options["file"]), identities) as opened:
                result = verify_opened(opened).as_json()
        except ArchiveRefused as exc:
            result = {"ok": False, "problems": [str(exc)]}
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=1))
        if not result["ok"]:
            sys.exit(1)

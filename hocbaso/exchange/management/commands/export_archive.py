"""`manage.py export_archive --school CODE --year YYYY-YYYY --out FILE [--recipient AGE1…]…
[--pin PIN] [--witness CHECKPOINT]`: one encrypted school-year archive (docs/archive.md). The
manifest is signed by the school seal; its PIN comes from --pin or HOCBASO_ARCHIVE_PIN.
Recipients: every --recipient plus settings.HOCBASO_ARCHIVE_RECIPIENTS. --witness: the latest
signed checkpoint file of `checkpoint_audit`, copied in after checking it."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from hocbaso.audit.actors import SystemActor
from hocbaso.audit.context import request_context
from hocbaso.exchange.archive.export import export_archive
from hocbaso.people.errors import ActionError

ARCHIVER = SystemActor("export_archive")


class Command(BaseCommand):
    help = "Xuất bản lưu trữ mã hóa (age) dữ liệu một năm học của một trường."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--school", required=True, help="mã trường, ví dụ TH-DV")
        parser.add_argument("--year", required=True, help="năm học, ví dụ 2026-2027")
        parser.add_argument("--out", required=True, help="tệp kết quả (.age)")
        parser.add_argument(
            "--recipient", action="append", default=[], help="khóa công khai age (age1…)"
        )
        parser.add_argument("--pin", default=None, help="mã PIN con dấu của trường")
        parser.add_argument(
            "--witness", default=None, help="tệp mốc kiểm chứng đã kí (checkpoint_audit) mới nhất"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        recipients = [*options["recipient"], *getattr(settings, "HOCBASO_ARCHIVE_RECIPIENTS", [])]
        pin = options["pin"] or os.environ.get("HOCBASO_ARCHIVE_PIN", "")
        with request_context("command"):
            try:
                done = export_archive(
                    school_code=options["school"],
                    year_code=options["year"],
                    out=Path(options["out"]),
                    recipients=recipients,
                    pin=pin,
                    witness=Path(options["witness"]) if options["witness"] else None,
                    acting_user=ARCHIVER,
                )
            except ActionError as error:
                raise CommandError("; ".join(error.messages)) from None
        summary = {
            "out": str(done.path),
            "tables": {k: v["rows"] for k, v in done.manifest["tables"].items()},
            "files": len(done.manifest["files"]),
            "audit_events": done.manifest["audit"]["seq"],
        }
        self.stdout.write(json.dumps(summary, ensure_ascii=False, indent=1))

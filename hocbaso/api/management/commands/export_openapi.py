"""python manage.py export_openapi [--check] [--out FILE]: write the OpenAPI document of
/api/v1 to docs/api/openapi.json (or FILE); --check exits 1 when the committed file differs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hocbaso.api.openapi_document import committed_path, render


class Command(BaseCommand):
    help = "Ghi tài liệu OpenAPI của /api/v1 vào docs/api/openapi.json (--check: chỉ kiểm tra)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", type=Path, default=None)
        parser.add_argument("--check", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["out"] or committed_path()
        text = render()
        if options["check"]:
            current = path.read_text(encoding="utf-8") if path.exists() else ""
            if current != text:
                raise CommandError(
                    f"{path} khác tài liệu OpenAPI hiện tại; chạy: python manage.py export_openapi"
                )
            self.stdout.write(f"{path}: khớp.")
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        self.stdout.write(f"Đã ghi {path}.")

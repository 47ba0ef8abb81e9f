"""`manage.py print_audit_grants --role NAME [--owner NAME]`: the SQL of `audit.grants`.

Prints the GRANT/REVOKE statements docs/audit.md recommends for the application role, for the
DBA to run as the schema owner; it runs nothing itself.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hocbaso.audit.grants import app_role_grants


class Command(BaseCommand):
    help = "In các lệnh GRANT/REVOKE cho vai trò ứng dụng trên bảng nhật ký kiểm toán."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--role", required=True, help="vai trò ứng dụng (vd. hocbaso_app)")
        parser.add_argument(
            "--owner", default="hocbaso_owner", help="vai trò sở hữu lược đồ (chạy migrate)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            statements = app_role_grants(options["role"], options["owner"])
        except ValueError as exc:
            raise CommandError(
                "Tên vai trò chỉ gồm chữ thường không dấu, chữ số và dấu gạch dưới.", returncode=2
            ) from exc
        for statement in statements:
            self.stdout.write(statement + ";")

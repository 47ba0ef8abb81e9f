"""`python manage.py reset_totp USERNAME --by ADMIN --reason "…"`: remove a user's lost
authenticator (they enrol again at their next login). Audited under the administrator's name."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hocbaso.people.actions.second_factor import reset_second_factor
from hocbaso.people.models import User


class Command(BaseCommand):
    help = "Hủy đăng kí xác thực hai bước của một tài khoản (mất điện thoại và mã khôi phục)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--by", required=True, help="tên đăng nhập của quản trị hệ thống")
        parser.add_argument("--reason", required=True, help="lí do (được ghi nhật kí)")

    def handle(self, *args: Any, **options: Any) -> None:
        admin = User.objects.filter(username=options["by"], is_superuser=True).first()
        if admin is None:
            raise CommandError("--by phải là tên đăng nhập của một quản trị hệ thống.")
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError("Không có tài khoản này.")
        if not options["reason"].strip():
            raise CommandError("Hãy ghi lí do.")
        reset_second_factor(user.pk, acting_user=admin, reason=options["reason"].strip())
        self.stdout.write(
            f"Đã hủy xác thực hai bước của {user.username}; lần đăng nhập sau sẽ đăng kí lại."
        )

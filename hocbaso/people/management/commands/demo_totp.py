"""`python manage.py demo_totp USERNAME`: the current code of a demo principal's DEMO
authenticator (and its key, to add to a real authenticator app). Refuses every account whose
authenticator is not the DEMO one."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hocbaso.people.demo.totp import demo_code, demo_secret
from hocbaso.people.models import User
from hocbaso.people.totp import to_base32


class Command(BaseCommand):
    help = "In mã xác thực hai bước hiện tại của một tài khoản mẫu (chỉ bản dùng thử)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        code = demo_code(user) if user is not None else None
        if user is None or code is None:
            raise CommandError(
                "Tài khoản này không có ứng dụng xác thực DEMO (chỉ Hiệu trưởng các trường mẫu)."
            )
        self.stdout.write(code)
        self.stderr.write(
            f"Khóa DEMO để thêm vào ứng dụng xác thực: {to_base32(demo_secret(user.username))}. "
            "Mỗi mã dùng được một lần; chạy lại lệnh để lấy mã mới."
        )

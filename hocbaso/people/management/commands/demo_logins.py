"""`python manage.py demo_logins`: print the demo accounts (role, username, password, what to try
first). `make run` prints it before starting the server; `seed_demo` prints it when done."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from hocbaso.org.models import School
from hocbaso.people.demo.logins import DEMO_LOGINS, DEMO_PASSWORD, DEMO_USERNAMES
from hocbaso.people.demo.places import school_code
from hocbaso.people.models import User

HEADERS = ("Vai trò", "Tên đăng nhập", "Mật khẩu", "Thử trước tiên")


def login_table() -> list[str]:
    rows = [(login.role, login.username, DEMO_PASSWORD, login.try_first) for login in DEMO_LOGINS]
    widths = [max(len(row[i]) for row in (HEADERS, *rows)) for i in range(3)]

    def line(cells: tuple[str, ...]) -> str:
        padded = [cell.ljust(width) for cell, width in zip(cells, widths, strict=False)]
        return "  ".join([*padded, cells[3]]).rstrip()

    return [line(HEADERS), line(tuple("-" * w for w in widths) + ("-" * len(HEADERS[3]),))] + [
        line(row) for row in rows
    ]


class Command(BaseCommand):
    help = "In danh sách tài khoản dùng thử (vai trò, tên đăng nhập, mật khẩu, việc nên thử)."

    def handle(self, *args: Any, **options: Any) -> None:
        first = School.objects.filter(code=school_code(0)).select_related("commune").first()
        self.stdout.write(f"Tài khoản dùng thử — mật khẩu chung: {DEMO_PASSWORD}")
        if first is not None:
            self.stdout.write(f"Trường mẫu: {first.name} ({first.code}), {first.commune.name}")
        self.stdout.write("")
        for text in login_table():
            self.stdout.write(text)
        self.stdout.write("")
        self.stdout.write(
            "Các trường khác: «<mã trường>.<vai trò>», ví dụ th002.hieutruong, th002.gvcn1a, "
            "th002.gvtinhoc, th002.ph1a; cán bộ các xã/phường khác: «canboxa.<mã xã>»."
        )
        if getattr(settings, "SIGNING_DEMO_PKI", False):
            self.stdout.write(
                "Kí số DEMO: cán bộ trường mẫu có chứng thư số DEMO, mã PIN "
                f"{settings.SIGNING_DEMO_PIN} (CA DEMO chỉ được tin cậy trong bản dùng thử)."
            )
        self.stdout.write(
            "Xác thực hai bước: Hiệu trưởng các trường mẫu đã đăng kí ứng dụng xác thực DEMO — "
            "sau mật khẩu, nhập mã do «python manage.py demo_totp hieutruong» in ra."
        )
        if getattr(settings, "MFA_DEMO_WAIVER", False):
            self.stdout.write(
                "Các tài khoản Ban giám hiệu, quản trị, cán bộ xã/Sở, thanh tra khác chưa đăng kí: "
                "bản dùng thử cho vào bằng mật khẩu (HOCBASO_DEMO_MFA_WAIVER); bản triển khai "
                "thật bắt buộc đăng kí ở lần đăng nhập đầu."
            )
        existing = set(
            User.objects.filter(username__in=DEMO_USERNAMES).values_list("username", flat=True)
        )
        missing = [name for name in DEMO_USERNAMES if name not in existing]
        if missing:
            self.stdout.write(
                self.style.WARNING(
                    f"Chưa có {len(missing)} tài khoản trên ({', '.join(missing)}): "
                    "chạy «python manage.py seed_demo» để tạo dữ liệu mẫu."
                )
            )

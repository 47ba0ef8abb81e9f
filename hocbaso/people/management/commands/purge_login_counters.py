"""`python manage.py purge_login_counters`: delete brute-force counters idle for two days (run
daily from a timer; docs/deploy.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from hocbaso.people.login_throttle import purge_stale


class Command(BaseCommand):
    help = "Xóa các bộ đếm đăng nhập sai đã hai ngày không có lần sai mới."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"Đã xóa {purge_stale()} bộ đếm.")

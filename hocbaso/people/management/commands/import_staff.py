"""`manage.py import_staff --school CODE FILE [--apply]`: check (by default) or apply a staff
file as the system (the only way a principal's role can come from a file). Prints each
problem in Vietnamese and, after an apply, each new account's first password, once."""

from __future__ import annotations

from typing import Any

from hocbaso.people.actions.imports import import_staff
from hocbaso.people.management.file_import_command import FileImportCommand


class Command(FileImportCommand):
    help = "Nhập danh sách cán bộ, giáo viên từ tệp .xlsx/.csv (mặc định chỉ chạy thử)."
    importer = import_staff

    def after_report(self, report: Any) -> None:
        if report.credentials:
            self.stdout.write("Mật khẩu ban đầu (chỉ hiện một lần, hãy trao tận tay):")
            for credential in report.credentials:
                self.stdout.write(f"  {credential.username}\t{credential.password}")

"""`manage.py import_students --school CODE FILE [--apply]`: check (by default) or apply a
pupils file. Prints each problem in Vietnamese; exits 1 if there is any, 0 otherwise."""

from __future__ import annotations

from hocbaso.people.actions.imports import import_students
from hocbaso.people.management.file_import_command import FileImportCommand


class Command(FileImportCommand):
    help = "Nhập danh sách học sinh từ tệp .xlsx/.csv (mặc định chỉ chạy thử; --apply để ghi)."
    importer = import_students

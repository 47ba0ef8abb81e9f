"""`python manage.py demo_issue --out DIR [--class NAME] [--school CODE]`: one demo class
through the whole signing chain with the DEMO certificates (hocbaso.records.demo_issue).

Writes into DIR each sealed PDF (<record_code>-v<version>.pdf), each XAdES-signed XML
(<record_code>-v<version>.xml) and the DEMO CA certificate (demo-ca.pem). Exits non-zero with
the reasons when no record could be sealed. Demo installations only (HOCBASO_DEMO_PKI)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from hocbaso.audit.context import request_context
from hocbaso.org.models import ClassGroup, School
from hocbaso.people.errors import ActionError
from hocbaso.records.demo_issue import issue_class, prepare_class, signers_of, write_outputs

DEFAULT_CLASS = "4A"


class Command(BaseCommand):
    help = "Phát hành thử học bạ của một lớp mẫu: kí số đủ ba bước bằng chứng thư số DEMO."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, help="thư mục ghi các tệp đã phát hành")
        parser.add_argument("--class", dest="class_name", help="tên lớp (mặc định 4A)")
        parser.add_argument("--school", help="mã trường (mặc định: trường mẫu đầu tiên)")

    def _class(self, options: dict[str, Any]) -> ClassGroup:
        schools = School.objects.order_by("code")
        school = schools.filter(code=options["school"]).first() if options["school"] else None
        school = school or (None if options["school"] else schools.first())
        if school is None:
            raise CommandError("Không tìm thấy trường: chạy «python manage.py seed_demo» trước.")
        classes = ClassGroup.objects.filter(school=school).order_by("-school_year__starts_on")
        name = options["class_name"] or DEFAULT_CLASS
        found = classes.filter(name=name).first()
        if found is None and not options["class_name"]:
            found = classes.order_by("grade", "name").first()
        if found is None:
            raise CommandError(f"Trường {school.name} không có lớp {name}.")
        return found

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.SIGNING_DEMO_PKI:
            raise CommandError("Hạ tầng khóa DEMO đang tắt (HOCBASO_DEMO_PKI): không chạy thử.")
        class_group = self._class(options)
        out = Path(options["out"])
        try:
            with request_context("command"):
                _teacher, principal = signers_of(class_group)
                for line in prepare_class(class_group, principal):
                    self.stdout.write(line)
                result = issue_class(class_group)
                written = write_outputs(result, class_group, out) if result.sealed else []
        except ActionError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        for name, reasons in result.blocked.items():
            self.stdout.write(f"Chưa phát hành được trang của {name}: {' '.join(reasons)}")
        for line in result.failed:
            self.stdout.write(f"Kí không thành công: {line}")
        for line in result.without_signed_xml:
            self.stdout.write(f"Không có tệp XML kí XAdES: {line}")
        if not result.sealed:
            raise CommandError(f"Lớp {class_group.name}: không có trang học bạ nào được phát hành.")
        self.stdout.write(
            f"Lớp {class_group.name}: đã phát hành {len(result.sealed)} trang học bạ; "
            f"{len(written)} tệp ghi vào {out}."
        )

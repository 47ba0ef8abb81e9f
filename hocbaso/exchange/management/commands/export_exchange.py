"""`manage.py export_exchange --school CODE | --province CODE --year YYYY-YYYY
--kind pupils|results|records --format xml|xlsx --out FILE [--period GHKI|CHKI|GHKII|CN]`

Writes one exchange export (docs/exchange.md) as the system (personal IDs included: the operator
of the server), audited like a download from the screens.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hocbaso.audit.actors import SystemActor
from hocbaso.audit.context import request_context
from hocbaso.exchange.exports.actions import FORMATS, KINDS, ExportRequest, export_exchange
from hocbaso.exchange.exports.rows import PERIOD_CODES
from hocbaso.org.models import Province, School
from hocbaso.people.errors import ActionError

EXPORTER = SystemActor("export_exchange")


class Command(BaseCommand):
    help = "Xuất học sinh, kết quả hoặc học bạ đã phát hành theo từ điển dữ liệu ngành."

    def add_arguments(self, parser: CommandParser) -> None:
        where = parser.add_mutually_exclusive_group(required=True)
        where.add_argument("--school", help="mã trường, ví dụ TH-DV")
        where.add_argument("--province", help="mã tỉnh (toàn tỉnh)")
        parser.add_argument("--year", required=True, help="năm học, ví dụ 2026-2027")
        parser.add_argument("--kind", required=True, choices=KINDS)
        parser.add_argument("--format", dest="fmt", required=True, choices=FORMATS)
        parser.add_argument("--period", choices=list(PERIOD_CODES))
        parser.add_argument("--out", required=True, help="tệp kết quả")

    def handle(self, *args: Any, **options: Any) -> None:
        school_id = province_id = None
        if options["school"]:
            school = School.objects.filter(code=options["school"]).first()
            if school is None:
                raise CommandError(f"Không có trường mã «{options['school']}».")
            school_id = school.pk
        else:
            province = Province.objects.filter(code=options["province"]).first()
            if province is None:
                raise CommandError(f"Không có tỉnh mã «{options['province']}».")
            province_id = province.pk
        request = ExportRequest(
            kind=options["kind"], fmt=options["fmt"], year=options["year"],
            school_id=school_id, province_id=province_id, period=options["period"],
        )  # fmt: skip
        with request_context("command"):
            try:
                export = export_exchange(request, acting_user=EXPORTER)
            except ActionError as error:
                raise CommandError("; ".join(error.messages)) from None
        out = Path(options["out"])
        out.write_bytes(export.content)
        self.stdout.write(f"Đã xuất {out} ({len(export.content)} byte).")

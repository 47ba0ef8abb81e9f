"""`manage.py verify_audit`: recompute the audit chains; exit 0 when intact, 1 when not.

    python manage.py verify_audit [--school CODE] [--checkpoint FILE [--public-key PEM]]

A tampered trail raises CommandError with returncode 1 (so `call_command` raises it and the
command line exits 1); an unusable checkpoint or an unknown school exits 2.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hocbaso.audit.checkpoint import CheckpointError, load_public_key, read_checkpoint
from hocbaso.audit.log import chain_for_school
from hocbaso.audit.verify import verify
from hocbaso.org.models import School

EXIT_TAMPERED = 1
EXIT_UNUSABLE = 2


class Command(BaseCommand):
    help = "Kiểm tra chuỗi băm của nhật ký kiểm toán (và mốc kiểm chứng đã ký, nếu có)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--school", metavar="CODE", help="chỉ kiểm tra chuỗi của trường này")
        parser.add_argument("--checkpoint", metavar="FILE", help="mốc kiểm chứng đã ký (JSON)")
        parser.add_argument(
            "--public-key", metavar="PEM", help="khoá công khai tin cậy để kiểm chữ ký của mốc"
        )
        parser.add_argument("--chunk-size", type=int, default=5000, help=argparse.SUPPRESS)

    def handle(self, *args: Any, **options: Any) -> None:
        chains: list[str] | None = None
        if options["school"]:
            school = School.objects.filter(code=options["school"]).first()
            if school is None:
                raise CommandError(
                    f"Không có trường mã {options['school']}.", returncode=EXIT_UNUSABLE
                )
            chains = [chain_for_school(school.pk)]
        checkpoint = None
        if options["checkpoint"]:
            try:
                pinned = (
                    load_public_key(Path(options["public_key"])) if options["public_key"] else None
                )
                checkpoint = read_checkpoint(Path(options["checkpoint"]), pinned)
            except CheckpointError as exc:
                raise CommandError(str(exc), returncode=EXIT_UNUSABLE) from exc
            if not options["public_key"]:
                self.stderr.write(
                    "Lưu ý: chữ ký được kiểm bằng khoá công khai ghi trong tệp; "
                    "dùng --public-key để ghim khoá tin cậy."
                )
        elif options["public_key"]:
            raise CommandError("--public-key cần đi cùng --checkpoint.", returncode=EXIT_UNUSABLE)
        result = verify(chains, checkpoint, chunk_size=options["chunk_size"])
        for chain in sorted(result.problems):
            self.stdout.write(result.problems[chain].message())
        if not result.intact:
            raise CommandError(
                f"Nhật ký kiểm toán KHÔNG toàn vẹn: {len(result.problems)} chuỗi có lỗi "
                f"(trên {len(result.chains)} chuỗi, {result.events} sự kiện).",
                returncode=EXIT_TAMPERED,
            )
        self.stdout.write(
            f"Nhật ký kiểm toán toàn vẹn: {len(result.chains)} chuỗi, {result.events} sự kiện"
            + (", khớp mốc kiểm chứng." if checkpoint is not None else ".")
        )

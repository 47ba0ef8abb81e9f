"""`manage.py checkpoint_audit`: write a signed checkpoint of every audit chain.

    python manage.py checkpoint_audit --out FILE [--key PEM]
    python manage.py checkpoint_audit --generate-key PEM     # also writes PEM.pub

The key comes from --key, else the setting or environment variable AUDIT_CHECKPOINT_KEY_FILE;
run it on the sealer, not on the web server (the web app never holds the key). A chain that does
not verify is not sealed: the command exits 1 without writing anything.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from hocbaso.audit import checkpoint as cp
from hocbaso.audit.verify import verify


class Command(BaseCommand):
    help = "Lập mốc kiểm chứng (gốc Merkle từng chuỗi) của nhật ký kiểm toán, ký bằng Ed25519."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", metavar="FILE", help="tệp mốc kiểm chứng sẽ ghi (JSON)")
        parser.add_argument("--key", metavar="PEM", help="khoá ký Ed25519 (PEM)")
        parser.add_argument("--generate-key", metavar="PEM", help="tạo khoá ký mới rồi thoát")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["generate_key"]:
                public = cp.generate_key(Path(options["generate_key"]))
                self.stdout.write(
                    f"Đã tạo khoá ký {options['generate_key']} và khoá công khai {public}."
                )
                return
            if not options["out"]:
                raise CommandError("Cần --out TỆP (hoặc --generate-key TỆP).", returncode=2)
            key = cp.load_private_key(cp.key_path(options["key"]))
        except cp.CheckpointError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        now = timezone.now()
        result = verify()
        if not result.intact:
            for chain in sorted(result.problems):
                self.stdout.write(result.problems[chain].message())
            raise CommandError("Nhật ký kiểm toán không toàn vẹn: không lập mốc.", returncode=1)
        stamp = now.isoformat()
        chains = [
            cp.ChainCheckpoint(s.chain, s.seq, s.head_hash, s.merkle_root, stamp)
            for s in result.chains.values()
        ]
        out = Path(options["out"])
        cp.write_checkpoint(out, cp.sign(cp.build_payload(chains, now), key))
        self.stdout.write(
            f"Đã ghi mốc kiểm chứng {out}: {len(chains)} chuỗi, {result.events} sự kiện."
        )

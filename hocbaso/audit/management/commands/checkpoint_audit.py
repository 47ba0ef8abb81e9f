"""`manage.py checkpoint_audit`: write a signed checkpoint of every audit chain.

    python manage.py checkpoint_audit --out FILE [--key PEM] [--previous FILE [--public-key PEM]]
    python manage.py checkpoint_audit --generate-key PEM     # also writes PEM.pub

The key comes from --key, else the setting or environment variable AUDIT_CHECKPOINT_KEY_FILE;
run it on the sealer, not on the web server (the web app never holds the key). A chain that does
not verify is not sealed: the command exits 1 without writing anything.

With --previous (a checkpoint written earlier by this command) the run is incremental: each
chain the previous checkpoint lists with its Merkle frontier is resumed from it and only its
newer events are verified (`verify.verify_since`). That trusts the previous checkpoint, so its
signature must verify with the public half of the signing key in use (and --public-key, if
given, must be that same key): a checkpoint signed by any other key is refused (exit 2).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from hocbaso.audit import checkpoint as cp
from hocbaso.audit.verify import verify, verify_since

EXIT_TAMPERED = 1
EXIT_UNUSABLE = 2


class Command(BaseCommand):
    help = "Lập mốc kiểm chứng (gốc Merkle từng chuỗi) của nhật ký kiểm toán, ký bằng Ed25519."
    # The sealer runs this on a schedule; the system checks (URL conf, templates…) concern the
    # web app and cost about a second of start-up, so they are skipped here.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", metavar="FILE", help="tệp mốc kiểm chứng sẽ ghi (JSON)")
        parser.add_argument("--key", metavar="PEM", help="khoá ký Ed25519 (PEM)")
        parser.add_argument("--generate-key", metavar="PEM", help="tạo khoá ký mới rồi thoát")
        parser.add_argument(
            "--previous",
            metavar="FILE",
            help="mốc trước (do lệnh này lập, cùng khoá ký): chỉ kiểm các sự kiện mới",
        )
        parser.add_argument(
            "--public-key",
            metavar="PEM",
            help="khoá công khai tin cậy của mốc trước (phải là nửa công khai của khoá ký)",
        )

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
            previous = self._previous(options, key)
        except cp.CheckpointError as exc:
            raise CommandError(str(exc), returncode=EXIT_UNUSABLE) from exc
        now = timezone.now()
        if previous is None:
            result = verify()
        else:
            try:
                result = verify_since(previous)
            except cp.CheckpointError as exc:
                raise CommandError(str(exc), returncode=EXIT_UNUSABLE) from exc
            for chain in sorted(set(result.chains) - result.resumed):
                reason = (
                    "không có trong mốc trước"
                    if chain not in previous
                    else "mốc trước không ghi trạng thái Merkle"
                )
                self.stdout.write(f"Chuỗi {chain}: {reason}, kiểm và tính lại từ sự kiện số 1.")
        if not result.intact:
            for chain in sorted(result.problems):
                self.stdout.write(result.problems[chain].message())
            raise CommandError(
                "Nhật ký kiểm toán không toàn vẹn: không lập mốc.", returncode=EXIT_TAMPERED
            )
        stamp = now.isoformat()
        chains = [
            cp.ChainCheckpoint(s.chain, s.seq, s.head_hash, s.merkle_root, stamp, s.frontier)
            for s in result.chains.values()
        ]
        out = Path(options["out"])
        cp.write_checkpoint(out, cp.sign(cp.build_payload(chains, now), key))
        events = (
            f"{result.events} sự kiện"
            if previous is None
            else f"{result.events} sự kiện được kiểm (tiếp nối mốc {options['previous']})"
        )
        self.stdout.write(f"Đã ghi mốc kiểm chứng {out}: {len(chains)} chuỗi, {events}.")

    def _previous(
        self, options: dict[str, Any], key: cp.Ed25519PrivateKey
    ) -> dict[str, cp.ChainCheckpoint] | None:
        """The previous checkpoint, its signature checked with the signing key's public half."""
        if not options["previous"]:
            if options["public_key"]:
                raise cp.CheckpointError("--public-key cần đi cùng --previous.")
            return None
        own = key.public_key()
        if options["public_key"] and not cp.same_key(
            cp.load_public_key(Path(options["public_key"])), own
        ):
            raise cp.CheckpointError(
                "Khoá công khai đã chỉ định không phải nửa công khai của khoá ký đang dùng: "
                "không lập mốc tiếp nối (lập mốc đầy đủ, không dùng --previous)."
            )
        try:
            return cp.read_checkpoint(Path(options["previous"]), own)
        except cp.CheckpointError as exc:
            raise cp.CheckpointError(
                f"Không dùng được mốc trước {options['previous']}: {exc} "
                "Mốc tiếp nối chỉ tin mốc trước ký bằng chính khoá ký đang dùng."
            ) from exc

"""`manage.py verify_archive FILE --identity KEYFILE`: decrypt and check an archive offline
(docs/archive.md); prints a JSON report and exits 0 only when every check passes. Reads no
database."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.core.management.base import BaseCommand, CommandParser

from hocbaso.audit.checkpoint import CheckpointError, load_public_key
from hocbaso.exchange.archive.checks import verify_opened
from hocbaso.exchange.archive.reading import ArchiveRefused, load_identities, open_archive


def _roots(path: str | None) -> list[x509.Certificate] | None:
    if path is None:
        return None
    try:
        return x509.load_pem_x509_certificates(Path(path).read_bytes())
    except (OSError, ValueError) as exc:
        raise ArchiveRefused(f"Không đọc được tệp chứng thư gốc: {path}.") from exc


def _checkpoint_key(path: str | None) -> Ed25519PublicKey | None:
    if path is None:
        return None
    try:
        return load_public_key(Path(path))
    except CheckpointError as exc:
        raise ArchiveRefused(str(exc)) from exc


def _moment(text: str | None) -> dt.datetime | None:
    if text is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise ArchiveRefused(f"Thời điểm không hợp lệ: {text}.") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


class Command(BaseCommand):
    help = "Kiểm tra một bản lưu trữ năm học (giải mã, mã băm, chữ kí, nhật kí, học bạ)."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--identity", required=True, help="tệp khóa bí mật age")
        parser.add_argument(
            "--trust-roots",
            default=None,
            help="tệp PEM các chứng thư gốc tin cậy (mặc định: các gốc trong bản lưu trữ)",
        )
        parser.add_argument(
            "--checkpoint-key",
            default=None,
            help="khóa công khai Ed25519 (PEM) của mốc kiểm chứng đã chứng kiến",
        )
        parser.add_argument(
            "--at",
            default=None,
            help="thời điểm kiểm tra chữ kí học bạ, ISO 8601 (mặc định: ngày lập bản lưu trữ)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            roots = _roots(options["trust_roots"])
            at = _moment(options["at"])
            key = _checkpoint_key(options["checkpoint_key"])
            identities = load_identities(Path(options["identity"]))
            with open_archive(Path(options["file"]), identities) as opened:
                result = verify_opened(opened, trust_roots=roots, at=at, witness_key=key).as_json()
        except ArchiveRefused as exc:
            result = {"ok": False, "problems": [str(exc)]}
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=1))
        if not result["ok"]:
            sys.exit(1)

"""``manage.py verify_record FILE [--at ISO] [--trust-root PEM ...]``: verify an issued year
page of the học bạ — its signed PDF, or its XAdES-signed XML — and print the JSON report
(`hocbaso.records.verification.RecordReport`, `hocbaso.records.xml_verification.XmlRecordReport`).

The exit status is 0 only for a fully valid current record; 1 otherwise (the report is still
printed, the reasons in ``problems`` and on standard error); 2 when the file cannot be read,
is neither a PDF nor XML, or an option is unusable. ``--at`` verifies at a past or future
moment (ISO 8601; a time without zone is in the installation's time zone). The trust roots are
the configured ones (`hocbaso.signing.trust`), or the PEM files given with ``--trust-root``. No
network is used; revocation is checked with the installation's data when it has some
(`signing.revocation.revocation_source`; the report says whether it was).
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

from cryptography import x509
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from hocbaso.records import verification
from hocbaso.records.xml_verification import XmlRecordReport, looks_like_xml, verify_record_xml
from hocbaso.signing.revocation import revocation_source

EXIT_INVALID = 1
EXIT_UNUSABLE = 2
MAX_PDF_BYTES = 50 * 1024 * 1024
MAX_XML_BYTES = 5 * 1024 * 1024
PDF, XML = "pdf", "xml"


def _unusable(message: str) -> CommandError:
    return CommandError(message, returncode=EXIT_UNUSABLE)


def _moment(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise _unusable(f"Thời điểm --at không đúng định dạng ISO 8601: {text!r}.") from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _roots(paths: list[str] | None) -> list[x509.Certificate]:
    if not paths:
        try:
            return verification.current_trust_roots()
        except Exception as exc:  # noqa: BLE001 - a configuration problem, said plainly
            raise _unusable(f"Không nạp được danh sách gốc tin cậy: {exc}") from exc
    roots: list[x509.Certificate] = []
    for name in paths:
        try:
            roots.extend(x509.load_pem_x509_certificates(Path(name).read_bytes()))
        except (OSError, ValueError) as exc:
            raise _unusable(f"Không đọc được chứng thư gốc {name}: {exc}") from exc
    return roots


def _read(name: str) -> tuple[str, bytes]:
    """(PDF or XML, the bytes) of the file to verify."""
    path = Path(name)
    try:
        if path.stat().st_size > MAX_PDF_BYTES:
            raise _unusable(f"Tệp {name} quá lớn (tối đa {MAX_PDF_BYTES // (1024 * 1024)} MB).")
        data = path.read_bytes()
    except OSError as exc:
        raise _unusable(f"Không đọc được tệp {name}: {exc.strerror or exc}.") from exc
    if b"%PDF-" in data[:1024]:  # the header may follow up to 1 kB of junk (ISO 32000)
        return PDF, data
    if looks_like_xml(data):
        if len(data) > MAX_XML_BYTES:
            raise _unusable(f"Tệp XML {name} quá lớn (tối đa {MAX_XML_BYTES >> 20} MB).")
        return XML, data
    raise _unusable(f"Tệp {name} không phải tệp PDF hay tệp XML.")


class Command(BaseCommand):
    help = (
        "Xác minh một trang học bạ đã phát hành (tệp PDF, hoặc tệp XML có chữ ký số XAdES): "
        "chữ kí số, dữ liệu XML, mã QR, sổ đăng ký. In báo cáo JSON; mã thoát 0 chỉ khi là bản "
        "hiện hành hợp lệ."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file", metavar="FILE", help="tệp PDF hoặc tệp XML kí XAdES của trang học bạ"
        )
        parser.add_argument(
            "--at", metavar="ISO", help="thời điểm xác minh (ISO 8601), mặc định là bây giờ"
        )
        parser.add_argument(
            "--trust-root",
            metavar="PEM",
            action="append",
            help="chứng thư gốc tin cậy (PEM), thay cho danh sách đã cấu hình; dùng nhiều lần",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        moment = _moment(options["at"])
        roots = _roots(options["trust_root"])
        fmt, data = _read(options["file"])
        report: verification.RecordReport | XmlRecordReport
        if fmt == XML:
            report = verify_record_xml(
                data, trust_roots=roots, at=moment, revocation=revocation_source()
            )
        else:
            quiet = logging.getLogger("pyhanko")
            level = quiet.level
            quiet.setLevel(logging.CRITICAL)  # pyHanko logs every rejected change, traceback
            try:
                report = verification.verify_record_pdf(
                    data, trust_roots=roots, at=moment, revocation=revocation_source()
                )
            finally:
                quiet.setLevel(level)
        self.stdout.write(report.to_json())
        if not report.valid:
            raise CommandError(
                f"{report.verdict}: " + " ".join(report.problems), returncode=EXIT_INVALID
            )

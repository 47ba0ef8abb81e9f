"""Verification of a signed PDF, deciding on the whole result (stack.md "Verification").

pyHanko validates each signature **with** difference analysis. "Intact and valid" alone never
passes: an incremental update that adds page content after a signature leaves that signature
intact and cryptographically valid. `PdfReport.valid` is true only when

* the file parses and has at least one signature; the first one certifies (DocMDP);
* every signature is intact, cryptographically valid, chained to a given trust root (with its
  timestamp, when present, valid and trusted too), and pyHanko's bottom line holds (DocMDP
  compliance, seed values);
* every signature covers its entire revision, and what was appended after it is at most new
  signatures, validation data or form filling (modification level none / validation data /
  form filling) — the last one normally covers the entire file;
* every signature field existed when the document was certified: a field added later (pyHanko
  counts a new *signature* field as harmless) could carry an unexpected extra signature;
* (with ``require_all_fields_signed``, the default) no signature field is left empty: a file cut
  back to an earlier revision (a removed signature) is a valid *earlier* state, not the record.

No network: the validation context holds only the given trust roots, fetches nothing
(``allow_fetching=False``) and checks revocation in soft-fail mode, i.e. revocation is **not
checked**; the report says so (`PdfReport.revocation_checked` is False, and a note).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from dataclasses import field as dc_field
from io import BytesIO
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields as sig_fields
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from hocbaso.signing import _fast_hex
from hocbaso.signing.signers import to_asn1

_fast_hex.install()

COVERAGE = {
    SignatureCoverageLevel.ENTIRE_FILE: "entire_file",
    SignatureCoverageLevel.ENTIRE_REVISION: "entire_revision",
    SignatureCoverageLevel.CONTIGUOUS_BLOCK_FROM_START: "partial",
    SignatureCoverageLevel.UNCLEAR: "partial",
}
MODIFICATION = {
    ModificationLevel.NONE: "none",
    ModificationLevel.LTA_UPDATES: "validation_data",
    ModificationLevel.FORM_FILLING: "form_filling",
    ModificationLevel.ANNOTATIONS: "annotations",
    ModificationLevel.OTHER: "other",
}
ALLOWED_MODIFICATIONS = {"none", "validation_data", "form_filling"}
REVOCATION_NOTE = "revocation not checked (chưa kiểm tra thu hồi chứng thư: không truy cập mạng)"


@dataclass
class SignatureReport:
    field: str
    signer_common_name: str
    signer_subject: str
    title: str
    signing_time: str | None
    timestamp_present: bool
    timestamp_valid: bool
    timestamp_time: str | None
    certification: bool
    docmdp_level: int | None
    docmdp_ok: bool | None
    intact: bool
    crypto_valid: bool
    chain_valid: bool
    coverage: str
    modification_level: str
    bottom_line: bool
    valid: bool = False
    problems: list[str] = dc_field(default_factory=list)


@dataclass
class PdfReport:
    valid: bool
    signatures: list[SignatureReport]
    unsigned_fields: list[str] = dc_field(default_factory=list)
    revocation_checked: bool = False
    problems: list[str] = dc_field(default_factory=list)
    notes: list[str] = dc_field(default_factory=lambda: [REVOCATION_NOTE])

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(dt.UTC).isoformat() if moment is not None else None


def _title(status: PdfSignatureStatus, reason: Any) -> str:
    """The claimed ``role`` attribute written by `pades.sign_pdf` (its ``title`` name part);
    for a signature made elsewhere, the ``/Reason`` text up to " — "."""
    attrs = status.cades_signer_attrs
    if attrs is not None and "role" in attrs.claimed_attrs:
        for role in attrs.claimed_attrs["role"].attr_values:
            name = role["role_name"]
            if name.name == "directory_name":
                title = name.chosen.native.get("title")
                if title:
                    return str(title)
    return str(reason).split(" — ", 1)[0] if reason else ""


def _common_name(cert: asn1_x509.Certificate) -> str:
    return str(cert.subject.native.get("common_name", ""))


def _signature_report(
    status: PdfSignatureStatus, name: str, docmdp: Any, reason: Any = None
) -> SignatureReport:
    ts = status.timestamp_validity
    coverage = COVERAGE.get(status.coverage, "partial") if status.coverage else "partial"
    level = status.modification_level
    modification = MODIFICATION[level] if level is not None else "other"
    report = SignatureReport(
        field=name,
        signer_common_name=_common_name(status.signing_cert),
        signer_subject=status.signing_cert.subject.human_friendly,
        title=_title(status, reason),
        signing_time=_iso(status.signer_reported_dt),
        timestamp_present=ts is not None,
        timestamp_valid=bool(ts is not None and ts.intact and ts.valid and ts.trusted),
        timestamp_time=_iso(ts.timestamp) if ts is not None else None,
        certification=docmdp is not None,
        docmdp_level=int(docmdp.value) if docmdp is not None else None,
        docmdp_ok=status.docmdp_ok,
        intact=status.intact,
        crypto_valid=status.valid,
        chain_valid=status.trusted,
        coverage=coverage,
        modification_level=modification,
        bottom_line=status.bottom_line,
    )
    problems = report.problems
    if not status.intact:
        problems.append("Nội dung đã kí bị thay đổi (chữ kí không còn nguyên vẹn).")
    elif not status.valid:
        problems.append("Chữ kí không hợp lệ về mật mã.")
    if not status.trusted:
        problems.append("Chứng thư số không chuỗi được tới một gốc tin cậy.")
    if ts is not None and not report.timestamp_valid:
        problems.append("Dấu thời gian không hợp lệ hoặc không tin cậy.")
    if coverage == "partial":
        problems.append("Chữ kí không bao trùm trọn phiên bản tài liệu.")
    if modification not in ALLOWED_MODIFICATIONS:
        problems.append(f"Tài liệu bị sửa sau khi kí (mức thay đổi: {modification}).")
    if status.docmdp_ok is False:
        problems.append("Thay đổi sau khi kí vi phạm quyền DocMDP của chữ kí chứng thực.")
    if not status.bottom_line and not problems:
        problems.append("Chữ kí không đạt kiểm tra tổng thể.")
    report.valid = not problems
    return report


def verify_pdf(
    pdf: bytes,
    *,
    trust_roots: Sequence[x509.Certificate],
    require_all_fields_signed: bool = True,
    at: dt.datetime | None = None,
) -> PdfReport:
    """The full verification report of ``pdf`` against ``trust_roots`` (no network)."""
    roots = [to_asn1(cert) for cert in trust_roots]
    try:
        reader = PdfFileReader(BytesIO(pdf), strict=False)
        embedded = list(reader.embedded_regular_signatures)
        all_fields = [name for name, _, _ in sig_fields.enumerate_sig_fields(reader)]
    except Exception as exc:  # noqa: BLE001 — any parse failure is an invalid file
        return PdfReport(valid=False, signatures=[], problems=[f"Không đọc được tệp PDF: {exc}"])
    signatures: list[SignatureReport] = []
    problems: list[str] = []
    # One context for every signature: certificate paths found once are reused.
    context = ValidationContext(
        trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail", moment=at
    )
    for index, sig in enumerate(embedded):
        try:
            status = validate_pdf_signature(sig, context)
            report = _signature_report(
                status, sig.field_name, sig.docmdp_level, sig.sig_object.get("/Reason")
            )
        except Exception as exc:  # noqa: BLE001 — a malformed signature fails, not crashes
            problems.append(f"Không kiểm tra được chữ kí {sig.field_name}: {exc}")
            continue
        if report.certification and index != 0:
            report.problems.append("Chữ kí chứng thực phải là chữ kí đầu tiên.")
            report.valid = False
        signatures.append(report)
    if embedded:
        ranges = embedded[0].byte_range
        try:
            first_revision = pdf[: int(ranges[2]) + int(ranges[3])]
            certified_fields = set(
                name
                for name, _, _ in sig_fields.enumerate_sig_fields(
                    PdfFileReader(BytesIO(first_revision), strict=False)
                )
            )
        except Exception:  # noqa: BLE001 — fail closed
            problems.append("Không đọc được phiên bản tài liệu của chữ kí đầu tiên.")
            certified_fields = set(all_fields)
        added = [name for name in all_fields if name not in certified_fields]
        if added:
            problems.append("Ô chữ kí được thêm sau chữ kí đầu tiên: " + ", ".join(added) + ".")
    signed = {s.field_name for s in embedded}
    unsigned = [name for name in all_fields if name not in signed]
    if not embedded:
        problems.append("Tệp không có chữ kí số.")
    elif not signatures or not signatures[0].certification:
        problems.append("Chữ kí đầu tiên không phải chữ kí chứng thực (DocMDP).")
    if require_all_fields_signed and unsigned:
        problems.append("Còn ô chữ kí chưa kí: " + ", ".join(unsigned) + ".")
    valid = not problems and len(signatures) == len(embedded) and all(s.valid for s in signatures)
    return PdfReport(
        valid=valid, signatures=signatures, unsigned_fields=unsigned, problems=problems
    )

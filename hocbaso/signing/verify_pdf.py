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
checked** by pyHanko's validation; the report says so (`PdfReport.revocation_checked` is False,
and a note).

Revocation (spec §9: a signature rests on a certificate valid at signing — not revoked) is
checked when revocation data is at hand: the CRLs / OCSP responses embedded in the file's
Document Security Store (PAdES B-LT/B-LTA, `hocbaso.signing.ltv`) and those given as
``revocation`` (e.g. `revocation.revocation_source()`). Each signer certificate is checked at
its signature's trusted timestamp (else at ``at`` / now), each timestamp token's TSA
certificate at the token's time (`revocation_status.check_revocation`). A certificate revoked
at or before that moment makes the signature invalid; one revoked later is noted.
`PdfReport.revocation_checked` is true only when every signature's certificates were covered;
`PdfReport.ltv` when the file's own embedded data covered them all (it can be verified later
without asking the CA).

Document timestamps (``/DocTimeStamp``, PAdES B-LTA) are reported in
`PdfReport.document_timestamps`. One is accepted in a signature field added after the
certification only when that field is invisible (a visible one could draw over the page), it
comes after the last signature, is intact, valid and issued by a trusted TSA, and nothing but
validation data or further document timestamps follows it (modification level none /
validation data); the last one normally covers the entire file. The document timestamp's own
TSA certificate is not revocation-checked.

Performance (issue 5: verification of the record as issued ≤ 125 × the raw RSA-2048
operation; bench/bench_sign.py ``--verify-only``). No check is skipped, and nothing is cached
across files: every signature is validated, every revision after it diffed, every certificate
revocation-checked, as before. What changed is how fast the same work runs:

* replacements installed into pyHanko, pyhanko-certvalidator and asn1crypto on import, each
  giving the library's exact result (hocbaso/signing/tests/test_fast_paths.py and
  test_fast_verify.py compare whole reports with and without them on signed records, the
  sealed B-LTA record and the tamper corpus, and each replacement with the original):
  `_fast_diff` (the map of object paths of each signed revision: walked over the parsed objects
  without copying them), `_fast_parse` and `_fast_objects` (PDF tokens and whole dictionaries
  read with regular expressions, pyHanko's reader for anything unusual), `_fast_names`,
  `_fast_hex`, and three that keep a result for the life of one verification only:
  `_fast_certpaths` (a certificate's path validated once per file — the TSA's is met four
  times), `_fast_rules` (a revision's orphan objects and XMP syntax checked once, not once per
  comparison) and `_fast_certs` (a certificate's extensions decoded once per file);
* one event loop for the whole file instead of one per signature and per revocation check;
  the fields as certified read from the revision already parsed; the revocation checks share
  the parsed CRLs (`revocation_status.ParsedRevocation`); `verify_pdf_and_reader` hands the
  parsed file to `records.verification`, which no longer parses it a second time.

What remains (profiled): parsing the objects of the signed revisions and the rest of the
difference analysis (~½), CMS and certificate-path validation of three signatures, three
timestamp tokens and the document timestamp (~¼), the four revocation checks (~⅛).
"""

from __future__ import annotations

import asyncio
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
from pyhanko.sign.general import extract_certificate_info
from pyhanko.sign.validation.generic_cms import extract_tst_data_iter
from pyhanko.sign.validation.pdf_embedded import (
    EmbeddedPdfSignature,
    async_validate_pdf_signature,
    async_validate_pdf_timestamp,
)
from pyhanko.sign.validation.status import (
    DocumentTimestampStatus,
    PdfSignatureStatus,
    SignatureCoverageLevel,
)
from pyhanko_certvalidator import ValidationContext

from hocbaso.signing import (
    _fast_certpaths,
    _fast_certs,
    _fast_diff,
    _fast_hex,
    _fast_names,
    _fast_objects,
    _fast_parse,
    _fast_rules,
)
from hocbaso.signing._fast_certpaths import PathCachingContext
from hocbaso.signing.revocation_status import (
    ParsedRevocation,
    RevocationData,
    RevocationStatus,
    async_check_revocation,
)
from hocbaso.signing.signers import to_asn1

_fast_hex.install()
_fast_names.install()
_fast_diff.install()
_fast_parse.install()
_fast_objects.install()
_fast_certpaths.install()
_fast_rules.install()
_fast_certs.install()

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
ALLOWED_AFTER_DOC_TIMESTAMP = {"none", "validation_data"}
REVOCATION_NOTE = "revocation not checked (chưa kiểm tra thu hồi chứng thư: không truy cập mạng)"
REVOCATION_CHECKED_NOTE = (
    "revocation checked (đã kiểm tra thu hồi chứng thư số của mọi chữ kí theo CRL/OCSP"
    " tại thời điểm kí)"
)


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
    # "not_checked", "good", "revoked_after_signing" (valid) or "revoked" (invalid).
    revocation: str = "not_checked"
    revoked_at: str | None = None


@dataclass
class DocumentTimestampReport:
    field: str
    tsa_common_name: str
    time: str | None
    intact: bool
    crypto_valid: bool
    trusted: bool
    coverage: str
    modification_level: str
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
    document_timestamps: list[DocumentTimestampReport] = dc_field(default_factory=list)
    # Validation data embedded in the file covers every signature (PAdES B-LT or B-LTA).
    ltv: bool = False
    # "B-B", "B-T", "B-LT" or "B-LTA" (what the file claims; `valid` says whether it holds).
    pades_level: str | None = None

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


def _timestamp_report(status: DocumentTimestampStatus, name: str) -> DocumentTimestampReport:
    coverage = COVERAGE.get(status.coverage, "partial") if status.coverage else "partial"
    level = status.modification_level
    modification = MODIFICATION[level] if level is not None else "other"
    report = DocumentTimestampReport(
        field=name,
        tsa_common_name=_common_name(status.signing_cert),
        time=_iso(status.timestamp),
        intact=status.intact,
        crypto_valid=status.valid,
        trusted=status.trusted,
        coverage=coverage,
        modification_level=modification,
    )
    problems = report.problems
    if not status.intact:
        problems.append("Dấu thời gian tài liệu không còn nguyên vẹn.")
    elif not status.valid:
        problems.append("Dấu thời gian tài liệu không hợp lệ về mật mã.")
    if not status.trusted:
        problems.append(
            "Dấu thời gian tài liệu không do một dịch vụ cấp dấu thời gian tin cậy cấp."
        )
    if coverage == "partial":
        problems.append("Dấu thời gian tài liệu không bao trùm trọn phiên bản tài liệu.")
    if modification not in ALLOWED_AFTER_DOC_TIMESTAMP:
        problems.append(
            f"Tài liệu bị sửa sau dấu thời gian tài liệu (mức thay đổi: {modification})."
        )
    report.valid = not problems
    return report


def _dss_revocation(reader: PdfFileReader) -> tuple[RevocationData, list[asn1_x509.Certificate]]:
    """The CRLs, OCSP responses and certificates of the file's Document Security Store."""
    try:
        dss = reader.root["/DSS"]
    except KeyError:
        return RevocationData(), []

    def streams(key: str) -> tuple[bytes, ...]:
        try:
            return tuple(ref.get_object().data for ref in dss.get(key, []))
        except Exception:  # noqa: BLE001 — unreadable validation data counts as none
            return ()

    certs = []
    for data in streams("/Certs"):
        try:
            certs.append(asn1_x509.Certificate.load(data))
        except ValueError:
            continue
    return RevocationData(crls=streams("/CRLs"), ocsps=streams("/OCSPs")), certs


@dataclass
class _RevocationCheck:
    checked: bool = True
    embedded_only: bool = True


async def _check_cert(
    cert: asn1_x509.Certificate,
    others: list[asn1_x509.Certificate],
    at: dt.datetime,
    *,
    roots: list[asn1_x509.Certificate],
    embedded: RevocationData,
    given: RevocationData,
    outcome: _RevocationCheck,
    parsed: ParsedRevocation,
) -> RevocationStatus:
    """Check with the file's own data first, then with everything known."""
    status = RevocationStatus(checked=False)
    if embedded:
        status = await async_check_revocation(
            cert, trust_roots=roots, crls=embedded.crls, ocsps=embedded.ocsps, others=others, at=at,
            parsed=parsed,
        )  # fmt: skip
    if not status.checked:
        outcome.embedded_only = False
        both = embedded + given
        if given:
            status = await async_check_revocation(
                cert, trust_roots=roots, crls=both.crls, ocsps=both.ocsps, others=others, at=at,
                parsed=parsed,
            )  # fmt: skip
    if not status.checked:
        outcome.checked = False
    return status


@dataclass
class _CertUse:
    report: SignatureReport
    tsa: bool  # a timestamp token's TSA certificate (else the signer's certificate)
    cert: asn1_x509.Certificate
    others: list[asn1_x509.Certificate]
    moment: dt.datetime


def _certificate_uses(
    sig: EmbeddedPdfSignature,
    report: SignatureReport,
    dss_certs: list[asn1_x509.Certificate],
    default_moment: dt.datetime,
    outcome: _RevocationCheck,
) -> list[_CertUse]:
    """The signer's certificate at signing (the trusted timestamp's time, else
    ``default_moment``) and each timestamp token's TSA certificate at the token's time."""
    signing_moment = default_moment
    if report.timestamp_valid and report.timestamp_time:
        signing_moment = dt.datetime.fromisoformat(report.timestamp_time)
    others = [*sig.other_embedded_certs, *dss_certs]
    uses = [_CertUse(report, False, sig.signer_cert, others, signing_moment)]
    for token in extract_tst_data_iter(sig.signer_info, signed=False):
        try:
            info = extract_certificate_info(token)
            token_time = token["encap_content_info"]["content"].parsed["gen_time"].native
        except Exception:  # noqa: BLE001 — the token was judged by pyHanko; nothing to check
            outcome.checked = False
            continue
        uses.append(
            _CertUse(report, True, info.signer_cert, [*info.other_certs, *others], token_time)
        )
    return uses


def _apply_revocation(use: _CertUse, status: RevocationStatus, notes: list[str]) -> None:
    report = use.report
    if not status.checked:
        return
    revoked_before = status.revoked_at is None and status.revoked_before
    if status.revoked_at is not None:
        revoked_before = status.revoked_at <= use.moment
    if use.tsa:
        if revoked_before:
            report.problems.append(
                "Chứng thư số của dịch vụ cấp dấu thời gian đã bị thu hồi trước thời điểm cấp dấu."
            )
            report.valid = False
        return
    report.revocation = "good"
    if status.revoked_at is None and not revoked_before:
        return
    report.revoked_at = _iso(status.revoked_at)
    if revoked_before:
        report.revocation = "revoked"
        report.problems.append(
            f"Chứng thư số của người kí đã bị thu hồi (lúc {report.revoked_at}) trước thời điểm kí."
        )
        report.valid = False
    else:
        report.revocation = "revoked_after_signing"
        notes.append(
            f"Chứng thư số của chữ kí {report.field} bị thu hồi lúc {report.revoked_at},"
            " sau thời điểm kí: chữ kí vẫn có giá trị."
        )


async def _check_revocations(
    uses: list[_CertUse],
    *,
    roots: list[asn1_x509.Certificate],
    embedded: RevocationData,
    given: RevocationData,
    outcome: _RevocationCheck,
    notes: list[str],
) -> None:
    """Each distinct certificate is checked once, at its latest use (the TSA's certificate
    serves every timestamp token): not revoked then means not revoked at any earlier use; a
    revocation date found is compared with each use's own moment."""
    parsed = ParsedRevocation()  # the CRLs parsed once for every check of this file
    by_cert: dict[bytes, list[_CertUse]] = {}
    for use in uses:
        by_cert.setdefault(use.cert.dump(), []).append(use)
    for group in by_cert.values():
        latest = max(group, key=lambda use: use.moment)
        status = await _check_cert(
            latest.cert, latest.others, latest.moment, roots=roots, embedded=embedded,
            given=given, outcome=outcome, parsed=parsed,
        )  # fmt: skip
        for use in group:
            _apply_revocation(use, status, notes)


def _invisible(field: Any) -> bool:
    """Every widget of the signature field has an empty rectangle (fail closed)."""
    try:
        kids = field.get("/Kids")
        widgets = [kid.get_object() for kid in kids] if kids else [field]
        for widget in widgets:
            rect = widget.get("/Rect")
            if rect is None:
                continue
            x1, y1, x2, y2 = (float(v) for v in rect)
            if abs(x2 - x1) * abs(y2 - y1) > 0:
                return False
    except Exception:  # noqa: BLE001 — unreadable: treat as visible
        return False
    return True


def verify_pdf(
    pdf: bytes,
    *,
    trust_roots: Sequence[x509.Certificate],
    require_all_fields_signed: bool = True,
    at: dt.datetime | None = None,
    revocation: RevocationData | None = None,
) -> PdfReport:
    """The full verification report of ``pdf`` against ``trust_roots`` (no network).

    ``revocation``: CRLs / OCSP responses to check the certificates against, besides those
    embedded in the file."""
    report, _reader = verify_pdf_and_reader(
        pdf,
        trust_roots=trust_roots,
        require_all_fields_signed=require_all_fields_signed,
        at=at,
        revocation=revocation,
    )
    return report


def verify_pdf_and_reader(
    pdf: bytes,
    *,
    trust_roots: Sequence[x509.Certificate],
    require_all_fields_signed: bool = True,
    at: dt.datetime | None = None,
    revocation: RevocationData | None = None,
) -> tuple[PdfReport, PdfFileReader | None]:
    """`verify_pdf`, and the file as parsed for it (None when it does not parse) for a caller
    that reads more of the same file (`records.verification`): parsed once, not twice."""
    roots = [to_asn1(cert) for cert in trust_roots]
    try:
        reader = PdfFileReader(BytesIO(pdf), strict=False)
        embedded = list(reader.embedded_regular_signatures)
        doc_timestamps = list(reader.embedded_timestamp_signatures)
        all_fields = [name for name, _, _ in sig_fields.enumerate_sig_fields(reader)]
    except Exception as exc:  # noqa: BLE001 — any parse failure is an invalid file
        problem = f"Không đọc được tệp PDF: {exc}"
        return PdfReport(valid=False, signatures=[], problems=[problem]), None
    # One event loop for every signature, timestamp and revocation check of the file; each
    # certificate's extensions decoded once (`_fast_certs`).
    with _fast_certs.scope():
        report = asyncio.run(
            _verify(
                reader,
                embedded,
                doc_timestamps,
                all_fields,
                roots=roots,
                require_all_fields_signed=require_all_fields_signed,
                at=at,
                revocation=revocation,
            )
        )
    return report, reader


async def _verify(
    reader: PdfFileReader,
    embedded: list[EmbeddedPdfSignature],
    doc_timestamps: list[EmbeddedPdfSignature],
    all_fields: list[str],
    *,
    roots: list[asn1_x509.Certificate],
    require_all_fields_signed: bool,
    at: dt.datetime | None,
    revocation: RevocationData | None,
) -> PdfReport:
    # One context for every signature and timestamp of this file (and only this file): the
    # path validated for a certificate is validated once (`_fast_certpaths`).
    context = PathCachingContext(
        trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail", moment=at
    )
    try:
        return await _verify_in(
            reader,
            embedded,
            doc_timestamps,
            all_fields,
            context,
            roots=roots,
            require_all_fields_signed=require_all_fields_signed,
            at=at,
            revocation=revocation,
        )
    finally:
        await context.aclose()


async def _verify_in(
    reader: PdfFileReader,
    embedded: list[EmbeddedPdfSignature],
    doc_timestamps: list[EmbeddedPdfSignature],
    all_fields: list[str],
    context: ValidationContext,
    *,
    roots: list[asn1_x509.Certificate],
    require_all_fields_signed: bool,
    at: dt.datetime | None,
    revocation: RevocationData | None,
) -> PdfReport:
    signatures: list[SignatureReport] = []
    checked_sigs: list[tuple[EmbeddedPdfSignature, SignatureReport]] = []
    problems: list[str] = []
    for index, sig in enumerate(embedded):
        try:
            status = await async_validate_pdf_signature(sig, context)
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
        checked_sigs.append((sig, report))
    timestamps: list[DocumentTimestampReport] = []
    last_signed = max((sig.signed_revision for sig in embedded), default=-1)
    for ts_sig in doc_timestamps:
        try:
            ts_report = _timestamp_report(
                await async_validate_pdf_timestamp(ts_sig, context), ts_sig.field_name
            )
        except Exception as exc:  # noqa: BLE001 — a malformed timestamp fails, not crashes
            problems.append(
                f"Không kiểm tra được dấu thời gian tài liệu {ts_sig.field_name}: {exc}"
            )
            continue
        if ts_sig.signed_revision < last_signed:
            ts_report.problems.append("Dấu thời gian tài liệu phải nằm sau chữ kí cuối cùng.")
            ts_report.valid = False
        if not _invisible(ts_sig.sig_field):
            # A visible widget could draw anything over the page (the annotation overlay).
            ts_report.problems.append("Ô dấu thời gian tài liệu không được hiển thị trên trang.")
            ts_report.valid = False
        timestamps.append(ts_report)
    timestamp_fields = {ts_sig.field_name for ts_sig in doc_timestamps}
    if embedded:
        try:
            # the fields of the revision the first signature signed (parsed already)
            certified = reader.get_historical_resolver(embedded[0].signed_revision)
            certified_fields = set(
                name for name, _, _ in sig_fields.enumerate_sig_fields(certified)
            )
        except Exception:  # noqa: BLE001 — fail closed
            problems.append("Không đọc được phiên bản tài liệu của chữ kí đầu tiên.")
            certified_fields = set(all_fields)
        # A document timestamp needs a field of its own, added after the certification.
        added = [
            name
            for name in all_fields
            if name not in certified_fields and name not in timestamp_fields
        ]
        if added:
            problems.append("Ô chữ kí được thêm sau chữ kí đầu tiên: " + ", ".join(added) + ".")
        misplaced = sorted(timestamp_fields & certified_fields)
        if misplaced:
            problems.append(
                "Ô chữ kí chứa dấu thời gian tài liệu thay vì chữ kí: " + ", ".join(misplaced) + "."
            )
    signed = {s.field_name for s in embedded}
    unsigned = [name for name in all_fields if name not in signed and name not in timestamp_fields]
    if not embedded:
        problems.append("Tệp không có chữ kí số.")
    elif not signatures or not signatures[0].certification:
        problems.append("Chữ kí đầu tiên không phải chữ kí chứng thực (DocMDP).")
    if require_all_fields_signed and unsigned:
        problems.append("Còn ô chữ kí chưa kí: " + ", ".join(unsigned) + ".")

    notes: list[str] = []
    dss_data, dss_certs = _dss_revocation(reader)
    given = revocation or RevocationData()
    outcome = _RevocationCheck(checked=bool(checked_sigs), embedded_only=bool(dss_data))
    if dss_data or given:
        moment = at or dt.datetime.now(dt.UTC)
        uses = [
            use
            for sig, report in checked_sigs
            for use in _certificate_uses(sig, report, dss_certs, moment, outcome)
        ]
        await _check_revocations(
            uses, roots=roots, embedded=dss_data, given=given, outcome=outcome, notes=notes
        )
    else:
        outcome = _RevocationCheck(checked=False, embedded_only=False)
    revocation_checked = outcome.checked and len(checked_sigs) == len(embedded)
    ltv = revocation_checked and outcome.embedded_only
    notes.insert(0, REVOCATION_CHECKED_NOTE if revocation_checked else REVOCATION_NOTE)

    if not embedded:
        level = None
    elif any(not s.timestamp_present for s in signatures):
        level = "B-B"
    elif ltv and timestamps:
        level = "B-LTA"
    elif ltv:
        level = "B-LT"
    else:
        level = "B-T"
    valid = (
        not problems
        and len(signatures) == len(embedded)
        and all(s.valid for s in signatures)
        and len(timestamps) == len(doc_timestamps)
        and all(t.valid for t in timestamps)
    )
    return PdfReport(
        valid=valid,
        signatures=signatures,
        unsigned_fields=unsigned,
        revocation_checked=revocation_checked,
        problems=problems,
        notes=notes,
        document_timestamps=timestamps,
        ltv=ltv,
        pades_level=level,
    )

"""Verification of an issued year page: the signed PDF, its data, its QR link and the register.

`verify_record_pdf(pdf, trust_roots=...)` builds a `RecordReport` from

* `hocbaso.signing.verify_pdf.verify_pdf`: the whole-file judgement of every signature (chain to
  the trust roots, timestamp, coverage, what changed after it, DocMDP, no empty field left);
* the D8 order of the signatures: homeroom teacher (certifying) → principal → school seal, the
  fields of `SIGNATURE_FIELDS`, exactly these, in this order;
* the embedded ``hocba.xml`` (the PDF/A-3 attachment), read as it is now **and** as the first
  (certifying) signature signed it; the two must be the same bytes, valid against hocba-1.xsd;
* the QR code's link (the /Link annotation over the QR on page 1 of the certified revision):
  it must parse (`verify_links.parse_verify_url`) and name the XML's record code, version and
  SHA-256;
* the register (`RecordPage` by record code and version): the stored SHA-256 must be the XML's;
  where the signing chain recorded each step's certificate (`RecordFile.certificate`), each
  signature must be made with that certificate (a genuine record re-signed by other holders of
  trusted certificates is not the record); and the version's status decides: ``current``
  (sealed or submitted, nothing newer issued), ``superseded`` (with the reason, the biên bản
  and the current version), ``not_issued`` (still a draft or partly signed), ``unknown`` (not
  in the register).

`RecordReport.valid` is true only for a fully valid current record: the PDF report valid, the
three signatures in order (by the recorded signers), XML hash = QR hash = register hash,
status current. Every failure is
explained in Vietnamese in `problems`. No network; revocation is not checked (a note says so).
"""

from __future__ import annotations

import datetime as dt
import json
import zlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from dataclasses import field as dc_field
from io import BytesIO
from typing import Any

from cryptography import x509
from django.conf import settings
from django.utils.translation import gettext as _
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import HistoricalResolver, PdfFileReader

from hocbaso.assessment.models import BienBan
from hocbaso.records.models import RecordFile, RecordPage
from hocbaso.records.render import ATTACHMENT_NAME
from hocbaso.records.verify_links import landing_path, parse_verify_url, verify_url
from hocbaso.records.xml_record import InvalidRecordXml, parse_xml, sha256_of
from hocbaso.signing.revocation_status import RevocationData
from hocbaso.signing.verify_pdf import SignatureReport, verify_pdf_and_reader

# D8: the signature fields of a year page, in signing order. The first one certifies.
SIGNATURE_FIELDS: tuple[str, str, str] = ("gvcn", "hieu_truong", "con_dau")
MAX_XML_BYTES = 2 * 1024 * 1024
_MAX_TREE_DEPTH = 16

CURRENT = "current"
SUPERSEDED = "superseded"
NOT_ISSUED = "not_issued"
UNKNOWN = "unknown"
ISSUED_STATES = (RecordPage.State.SEALED, RecordPage.State.SUBMITTED)
# The signing chain's steps, in the order of SIGNATURE_FIELDS.
SIGNED_STEPS = (RecordFile.Step.HOMEROOM, RecordFile.Step.PRINCIPAL, RecordFile.Step.SEAL)


def status_label(status: str) -> str:
    return {
        CURRENT: _("Bản hiện hành"),
        SUPERSEDED: _("Đã được thay thế"),
        NOT_ISSUED: _("Chưa phát hành"),
        UNKNOWN: _("Không có trong sổ đăng ký"),
    }.get(status, status)


def field_label(name: str) -> str:
    return {
        SIGNATURE_FIELDS[0]: _("Giáo viên chủ nhiệm"),
        SIGNATURE_FIELDS[1]: _("Hiệu trưởng"),
        SIGNATURE_FIELDS[2]: _("Con dấu của trường"),
    }.get(name, name)


def current_trust_roots() -> list[x509.Certificate]:
    """The configured trust roots (`hocbaso.signing.trust.trust_roots`), imported when asked
    for so that this module does not depend on it at import time."""
    from hocbaso.signing.trust import trust_roots

    return trust_roots()


# ---- report ---------------------------------------------------------------------------------


@dataclass
class QrLink:
    url: str | None = None
    parses: bool = False
    record_code: str | None = None
    version: int | None = None
    sha256: str | None = None


@dataclass
class EmbeddedXml:
    present: bool = False
    sha256: str | None = None
    schema_valid: bool = False
    errors: list[str] = dc_field(default_factory=list)
    same_as_signed: bool | None = None
    record_code: str | None = None
    version: int | None = None
    school: str | None = None
    school_year: str | None = None
    grade: int | None = None
    class_name: str | None = None
    issued_on: str | None = None


@dataclass
class CurrentVersion:
    record_code: str
    version: int
    verify_url: str
    landing_path: str


@dataclass
class RegisterEntry:
    found: bool = False
    record_code: str | None = None
    version: int | None = None
    state: str | None = None
    state_label: str | None = None
    sha256: str | None = None
    school: str | None = None
    school_year: str | None = None
    grade: int | None = None
    issued_on: str | None = None
    superseded_reason: str = ""
    # when the Kho học bạ số acknowledged this version (D10 submitted), ISO 8601
    submitted_at: str | None = None
    bien_ban_id: int | None = None
    bien_ban_number: str = ""
    current: CurrentVersion | None = None
    # the certificates the register recorded for each signature field (SHA-256 fingerprints)
    signers: dict[str, str] = dc_field(default_factory=dict)
    signers_match: bool | None = None


@dataclass
class HashChecks:
    xml_sha256: str | None = None
    qr_sha256: str | None = None
    register_sha256: str | None = None
    xml_matches_qr: bool = False
    xml_matches_register: bool = False


@dataclass
class RecordReport:
    valid: bool
    status: str
    status_label: str
    verdict: str
    record_code: str | None
    version: int | None
    pdf_valid: bool
    signatures: list[SignatureReport]
    expected_signatures: list[str]
    signature_order_ok: bool
    unsigned_fields: list[str]
    xml: EmbeddedXml
    qr: QrLink
    hashes: HashChecks
    register: RegisterEntry
    revocation_checked: bool = False
    # PAdES level of the file (B-B, B-T, B-LT, B-LTA), whether its own embedded validation
    # data covered every signature, and its document timestamps (signing.verify_pdf)
    pades_level: str = ""
    ltv: bool = False
    document_timestamps: list[Any] = dc_field(default_factory=list)
    problems: list[str] = dc_field(default_factory=list)
    notes: list[str] = dc_field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)


# ---- reading the PDF ------------------------------------------------------------------------


def _first_page(reader: PdfFileReader | HistoricalResolver) -> generic.DictionaryObject:
    node = reader.root["/Pages"]
    for _depth in range(_MAX_TREE_DEPTH):
        if node.get("/Type") == "/Page" or "/Kids" not in node:
            return node
        node = node["/Kids"][0]
    raise ValueError("page tree too deep")


def _link_uris(reader: PdfFileReader | HistoricalResolver) -> list[str]:
    uris = []
    for ref in _first_page(reader).get("/Annots", []):
        annot = ref.get_object()
        if annot.get("/Subtype") != "/Link":
            continue
        action = annot.get("/A")
        if action is not None and action.get("/S") == "/URI" and "/URI" in action:
            uri = action["/URI"]
            uris.append(uri.decode("latin-1") if isinstance(uri, bytes) else str(uri))
    return uris


def _name_tree(node: Any, found: dict[str, Any], depth: int = 0) -> None:
    if depth > _MAX_TREE_DEPTH:
        raise ValueError("name tree too deep")
    names = node.get("/Names")
    if names is not None:
        for index in range(0, len(names) - 1, 2):
            key = names[index]
            name = key.decode("latin-1") if isinstance(key, bytes) else str(key)
            found.setdefault(name, []).append(names[index + 1])
    for kid in node.get("/Kids", []):
        _name_tree(kid.get_object(), found, depth + 1)


def _attachment(reader: PdfFileReader | HistoricalResolver) -> tuple[bytes | None, str | None]:
    """The bytes of the one attachment named ``hocba.xml``, or None with the reason."""
    names = reader.root.get("/Names")
    tree = names.get("/EmbeddedFiles") if names is not None else None
    if tree is None:
        return None, _("Tệp không có dữ liệu XML đính kèm (hocba.xml).")
    found: dict[str, Any] = {}
    _name_tree(tree, found)
    specs = found.get(ATTACHMENT_NAME, [])
    if len(specs) != 1:
        if not specs:
            return None, _("Tệp không có dữ liệu XML đính kèm (hocba.xml).")
        return None, _("Tệp có nhiều hơn một tệp đính kèm tên hocba.xml.")
    stream = specs[0].get_object()["/EF"]["/F"].get_object()
    data = _bounded_data(stream)
    if data is None:
        return None, _("Dữ liệu XML đính kèm quá lớn hoặc được nén theo cách không hỗ trợ.")
    return data, None


def _bounded_data(stream: generic.StreamObject) -> bytes | None:
    """The stream's decoded bytes, never more than `MAX_XML_BYTES` of them (an uploaded file
    may hold a compression bomb): unfiltered or FlateDecode without predictor only."""
    encoded = stream.encoded_data
    if len(encoded) > MAX_XML_BYTES:
        return None
    filters = stream.get("/Filter")
    if filters is None:
        return bytes(encoded)
    if isinstance(filters, generic.ArrayObject):
        filters = filters[0] if len(filters) == 1 else None
    if filters != "/FlateDecode" or stream.get("/DecodeParms"):
        return None
    inflater = zlib.decompressobj()
    try:
        data = inflater.decompress(encoded, MAX_XML_BYTES + 1)
    except zlib.error:
        return None
    if len(data) > MAX_XML_BYTES or inflater.unconsumed_tail:
        return None
    return data


@dataclass
class _Contents:
    xml: bytes | None = None
    xml_problem: str | None = None
    signed_xml: bytes | None = None
    uris: list[str] = dc_field(default_factory=list)
    signer_fingerprints: dict[str, str] = dc_field(default_factory=dict)
    problems: list[str] = dc_field(default_factory=list)


def _read(pdf: bytes, parsed: PdfFileReader | None = None) -> _Contents:
    """The attachment (now and as certified) and the links of page 1 (as certified);
    ``parsed``: the file as `verify_pdf_and_reader` parsed it (not parsed again)."""
    contents = _Contents()
    try:
        reader = parsed if parsed is not None else PdfFileReader(BytesIO(pdf), strict=False)
        contents.xml, contents.xml_problem = _attachment(reader)
        signatures = reader.embedded_regular_signatures
        certified: PdfFileReader | HistoricalResolver = reader
        if signatures:  # the objects as the first signature signed them
            certified = reader.get_historical_resolver(signatures[0].signed_revision)
            contents.signed_xml, _problem = _attachment(certified)
        contents.uris = _link_uris(certified)
        for sig in signatures:
            contents.signer_fingerprints[sig.field_name] = sig.signer_cert.sha256.hex()
    except Exception:  # noqa: BLE001 - any malformed structure is a failed check, never a crash
        contents.problems.append(_("Không đọc được nội dung tệp PDF (dữ liệu đính kèm, mã QR)."))
    return contents


# ---- checks ---------------------------------------------------------------------------------


def _check_xml(contents: _Contents, has_signatures: bool) -> tuple[EmbeddedXml, list[str]]:
    report = EmbeddedXml()
    problems: list[str] = []
    data = contents.xml
    if data is None:
        if contents.xml_problem:
            problems.append(contents.xml_problem)
        return report, problems
    report.present = True
    report.sha256 = sha256_of(data)
    if has_signatures:
        report.same_as_signed = contents.signed_xml == data
        if not report.same_as_signed:
            problems.append(_("Dữ liệu XML đính kèm đã bị thay thế sau khi kí."))
    try:
        snapshot = parse_xml(data)
    except InvalidRecordXml as exc:
        report.errors = list(exc.errors)
        problems.append(_("Dữ liệu XML đính kèm không đúng lược đồ hocba-1.xsd."))
        return report, problems
    report.schema_valid = True
    report.record_code = snapshot.record_code
    report.version = snapshot.version
    report.school = snapshot.unit.school_name
    report.school_year = snapshot.school_year
    report.grade = snapshot.grade
    report.class_name = snapshot.class_name
    report.issued_on = snapshot.issued_on.isoformat()
    return report, problems


def _check_qr(uris: list[str]) -> tuple[QrLink, list[str]]:
    parsed = [(uri, parse_verify_url(uri)) for uri in uris]
    links = [(uri, p) for uri, p in parsed if p is not None]
    if not uris:
        return QrLink(), [_("Không tìm thấy liên kết của mã QR trong phần đã kí của tệp.")]
    if not links:
        return QrLink(url=uris[0]), [_("Liên kết của mã QR không phải liên kết xác minh học bạ.")]
    if len({p for _uri, p in links}) > 1:
        return QrLink(url=links[0][0]), [_("Trang 1 có nhiều liên kết xác minh khác nhau.")]
    uri, (code, version, digest) = links[0]
    return QrLink(url=uri, parses=True, record_code=code, version=version, sha256=digest), []


def _signature_order(signatures: list[SignatureReport]) -> tuple[bool, list[str]]:
    fields = [s.field for s in signatures]
    expected = list(SIGNATURE_FIELDS)
    if fields == expected:
        return True, []
    if not fields:  # the PDF report already says there is no (readable) signature
        return False, []
    problems = []
    unknown = [name for name in fields if name not in expected]
    missing = [field_label(name) for name in expected if name not in fields]
    if unknown:
        problems.append(_("Có chữ kí ở ô không thuộc mẫu học bạ: %s.") % ", ".join(unknown))
    if missing:
        problems.append(_("Thiếu chữ kí: %s.") % ", ".join(missing))
    known = [name for name in fields if name in expected]
    if known != [name for name in expected if name in known]:
        problems.append(
            _(
                "Thứ tự chữ kí không đúng quy định: giáo viên chủ nhiệm, rồi hiệu trưởng, "
                "rồi con dấu của trường."
            )
        )
    return False, problems


def _bien_ban_of(page: RecordPage) -> tuple[int | None, str]:
    """The biên bản of the correction that replaced ``page``: the one named by the first later
    version that was issued (`supersede.supersede_older_versions` uses that version's), its id
    and printed number."""
    later = RecordPage.objects.filter(
        record_code=page.record_code, version__gt=page.version, bien_ban__isnull=False
    ).only("version", "state", "bien_ban_id")
    issued = [p for p in later if p.state in ISSUED_STATES]
    chosen = min(issued or list(later), key=lambda p: p.version, default=None)
    bien_ban_id = chosen.bien_ban_id if chosen is not None else page.bien_ban_id
    if bien_ban_id is None:
        return None, ""
    bien_ban = BienBan.objects.select_related("request").filter(pk=bien_ban_id).first()
    return bien_ban_id, bien_ban.request.number if bien_ban is not None else ""


def _registered_signers(page: RecordPage) -> dict[str, str]:
    """Signature field → SHA-256 fingerprint of the certificate the signing chain recorded
    (`RecordFile.certificate` of each step); empty when nothing was recorded."""
    fields = {str(step): name for step, name in zip(SIGNED_STEPS, SIGNATURE_FIELDS, strict=True)}
    rows = RecordFile.objects.filter(
        page=page, step__in=SIGNED_STEPS, certificate__isnull=False
    ).values_list("step", "certificate__fingerprint_sha256")
    return {fields[step]: fingerprint.lower() for step, fingerprint in rows}


def lookup_register(record_code: str, version: int) -> tuple[RegisterEntry, str]:
    """The register's entry of one record version and its status (`CURRENT`, `SUPERSEDED`,
    `NOT_ISSUED` or `UNKNOWN`). The school, school year, grade and date come from the stored
    XML (the names as issued); no personal data."""
    entry = RegisterEntry(record_code=record_code, version=version)
    page = (
        RecordPage.objects.filter(record_code=record_code, version=version)
        .only(
            "pk",
            "record_code",
            "version",
            "state",
            "sha256",
            "xml",
            "superseded_reason",
            "bien_ban_id",
            "submitted_at",
        )
        .first()
    )
    if page is None:
        return entry, UNKNOWN
    entry.found = True
    entry.state = page.state
    entry.state_label = str(RecordPage.State(page.state).label)
    entry.submitted_at = page.submitted_at.isoformat() if page.submitted_at else None
    entry.sha256 = page.sha256
    try:
        snapshot = parse_xml(bytes(page.xml))
    except InvalidRecordXml:  # pragma: no cover - every stored version was validated
        snapshot = None
    if snapshot is not None:
        entry.school = snapshot.unit.school_name
        entry.school_year = snapshot.school_year
        entry.grade = snapshot.grade
        entry.issued_on = snapshot.issued_on.isoformat()
    newest = (
        RecordPage.objects.filter(record_code=record_code, state__in=ISSUED_STATES)
        .order_by("-version")
        .only("record_code", "version", "sha256")
        .first()
    )
    entry.signers = _registered_signers(page)
    if newest is not None and newest.version != version:
        entry.current = CurrentVersion(
            record_code=newest.record_code,
            version=newest.version,
            verify_url=verify_url(newest.record_code, newest.version, newest.sha256),
            landing_path=landing_path(newest.record_code, newest.version, newest.sha256),
        )
    if page.state == RecordPage.State.SUPERSEDED or (
        page.state in ISSUED_STATES and newest is not None and newest.version > version
    ):
        entry.superseded_reason = page.superseded_reason or _(
            "Đã có phiên bản mới hơn được phát hành."
        )
        entry.bien_ban_id, entry.bien_ban_number = _bien_ban_of(page)
        return entry, SUPERSEDED
    if page.state in ISSUED_STATES:
        return entry, CURRENT
    return entry, NOT_ISSUED


def status_problem(status: str, entry: RegisterEntry) -> str | None:
    if status == UNKNOWN:
        return _("Học bạ này không có trong sổ đăng ký phát hành.")
    if status == NOT_ISSUED:
        return _("Phiên bản này chưa được phát hành (trạng thái: %s).") % (entry.state_label or "")
    if status == SUPERSEDED:
        text = _("Phiên bản này đã được thay thế, không còn hiệu lực. Lí do: %s.") % (
            entry.superseded_reason.rstrip(".")
        )
        if entry.bien_ban_number and entry.bien_ban_number not in text:
            text += " " + _("Biên bản số %s.") % entry.bien_ban_number
        if entry.current is not None:
            text += " " + _("Bản hiện hành: phiên bản %(version)s (%(url)s).") % {
                "version": entry.current.version,
                "url": entry.current.verify_url,
            }
        else:
            text += " " + _("Phiên bản thay thế chưa được phát hành.")
        return text
    return None


def verdict_for(valid: bool, status: str) -> str:
    if valid:
        return _("Hợp lệ — bản hiện hành")
    if status == SUPERSEDED:
        return _("Không còn hiệu lực — đã được thay thế")
    if status == NOT_ISSUED:
        return _("Không hợp lệ — chưa phát hành")
    if status == UNKNOWN:
        return _("Không hợp lệ — không có trong sổ đăng ký")
    return _("Không hợp lệ")


def verify_record_pdf(
    pdf: bytes,
    *,
    trust_roots: Sequence[x509.Certificate],
    at: dt.datetime | None = None,
    revocation: RevocationData | None = None,
) -> RecordReport:
    """The full verification report of a year page's PDF (see the module's docstring).
    ``revocation``: CRLs / OCSP responses to check the signers against, besides those the
    file embeds (`signing.revocation.revocation_source`)."""
    pdf_report, parsed = verify_pdf_and_reader(
        pdf, trust_roots=trust_roots, at=at, revocation=revocation
    )
    problems = list(pdf_report.problems)
    for sig in pdf_report.signatures:
        label = field_label(sig.field)
        problems.extend(f"{label}: {problem}" for problem in sig.problems)
    order_ok, order_problems = _signature_order(pdf_report.signatures)
    problems.extend(order_problems)

    contents = _read(pdf, parsed)
    problems.extend(contents.problems)
    xml, xml_problems = _check_xml(contents, bool(pdf_report.signatures))
    problems.extend(xml_problems)
    qr, qr_problems = _check_qr(contents.uris)
    if not contents.problems:  # an unreadable file has no link to look for
        problems.extend(qr_problems)

    # The record is named by its data; the QR link must name the same version.
    record_code = xml.record_code or qr.record_code
    version = xml.version or qr.version
    if (
        xml.record_code
        and qr.parses
        and (xml.record_code, xml.version)
        != (
            qr.record_code,
            qr.version,
        )
    ):
        problems.append(_("Mã QR và dữ liệu XML chỉ hai học bạ hoặc hai phiên bản khác nhau."))

    if record_code and version:
        register, status = lookup_register(record_code, version)
    else:
        register, status = RegisterEntry(), UNKNOWN
    hashes = HashChecks(
        xml_sha256=xml.sha256,
        qr_sha256=qr.sha256,
        register_sha256=register.sha256,
        xml_matches_qr=xml.sha256 is not None and xml.sha256 == qr.sha256,
        xml_matches_register=xml.sha256 is not None and xml.sha256 == register.sha256,
    )
    if xml.sha256 and qr.sha256 and not hashes.xml_matches_qr:
        problems.append(_("Mã băm của dữ liệu XML không khớp mã băm trong mã QR."))
    if xml.sha256 and register.sha256 and not hashes.xml_matches_register:
        problems.append(_("Mã băm của dữ liệu XML không khớp sổ đăng ký phát hành."))
    if register.signers:
        mismatched = [
            field_label(name)
            for name, fingerprint in register.signers.items()
            if contents.signer_fingerprints.get(name) not in (None, fingerprint)
        ]
        register.signers_match = not mismatched and all(
            contents.signer_fingerprints.get(name) == fingerprint
            for name, fingerprint in register.signers.items()
        )
        if mismatched:
            problems.append(
                _("Chứng thư của người kí khác chứng thư đã ghi trong sổ phát hành: %s.")
                % ", ".join(mismatched)
            )
    found_problem = status_problem(status, register)
    if found_problem:
        problems.append(found_problem)

    valid = (
        pdf_report.valid
        and order_ok
        and xml.schema_valid
        and qr.parses
        and hashes.xml_matches_qr
        and hashes.xml_matches_register
        and status == CURRENT
        and not problems
    )
    if not valid and not problems:  # pragma: no cover - every failed check above says why
        problems.append(_("Tệp không đạt kiểm tra tổng thể."))
    notes = (
        []
        if pdf_report.revocation_checked
        else [_("Chưa kiểm tra thu hồi chứng thư số (không có dữ liệu thu hồi).")]
    )
    # the verifier's own notes after its revocation line (e.g. "revoked after signing")
    notes.extend(pdf_report.notes[1:])
    base = str(settings.HOCBASO_PUBLIC_URL).rstrip("/") + "/"
    if qr.parses and qr.url and not qr.url.startswith(base):
        notes.append(
            _("Mã QR dẫn tới một địa chỉ khác địa chỉ công khai hiện nay của hệ thống (%s).") % base
        )
    return RecordReport(
        valid=valid,
        status=status,
        status_label=status_label(status),
        verdict=verdict_for(valid, status),
        record_code=record_code,
        version=version,
        pdf_valid=pdf_report.valid,
        signatures=pdf_report.signatures,
        expected_signatures=list(SIGNATURE_FIELDS),
        signature_order_ok=order_ok,
        unsigned_fields=pdf_report.unsigned_fields,
        xml=xml,
        qr=qr,
        hashes=hashes,
        register=register,
        revocation_checked=pdf_report.revocation_checked,
        pades_level=pdf_report.pades_level or "",
        ltv=pdf_report.ltv,
        document_timestamps=list(pdf_report.document_timestamps),
        problems=problems,
        notes=notes,
    )

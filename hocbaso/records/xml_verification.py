"""Verification of the XAdES-signed XML of an issued year page (the separately exported file,
``RecordFile.Step.SEAL_XML``; docs/signing.md).

`verify_record_xml(data, trust_roots=...)` builds an `XmlRecordReport` from

* `records.xades.verify_xml`: one enveloped XAdES-BES signature covering the whole page,
  every digest matching, the signing certificate chaining to the trust roots (valid at ``at``),
  the signed content a valid page (hocba-1.xsd);
* the register (`verification.lookup_register` by the XML's record code and version): the
  SHA-256 of the signed page must be the registered hash of that version; the signature must
  be made with the certificate the seal step recorded (a genuine page re-signed by another
  holder of a trusted certificate is not the record); the version's status decides — current,
  superseded (reason, biên bản, pointer to the current version), not issued, unknown;
* revocation, when data is at hand (`signing.revocation.revocation_source`): the signing
  certificate at the moment the register recorded the seal (a XAdES-BES signature carries no
  trusted time of its own; without a register entry, at ``at``). Revoked before → invalid;
  revoked later → a note.

`XmlRecordReport.valid` is true only for a fully valid current record. Problems are explained
in Vietnamese. No network.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from dataclasses import field as dc_field
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.utils import timezone
from django.utils.translation import gettext as _

from hocbaso.records.models import RecordFile
from hocbaso.records.verification import (
    CURRENT,
    SIGNATURE_FIELDS,
    UNKNOWN,
    EmbeddedXml,
    RegisterEntry,
    lookup_register,
    status_label,
    status_problem,
    verdict_for,
)
from hocbaso.records.xades import verify_xml
from hocbaso.records.xml_record import InvalidRecordXml, parse_xml, sha256_of
from hocbaso.signing.revocation_status import RevocationData, check_revocation
from hocbaso.signing.signers import to_asn1

SEAL_FIELD = SIGNATURE_FIELDS[2]
FORMAT = "xades_xml"


@dataclass
class XmlSignature:
    valid: bool = False
    signer_common_name: str = ""
    signer_fingerprint: str = ""
    problems: list[str] = dc_field(default_factory=list)


@dataclass
class XmlRecordReport:
    valid: bool
    status: str
    status_label: str
    verdict: str
    record_code: str | None
    version: int | None
    signature: XmlSignature
    xml: EmbeddedXml
    register: RegisterEntry
    xml_sha256: str | None = None
    xml_matches_register: bool = False
    signer_matches_register: bool | None = None
    revocation_checked: bool = False
    format: str = FORMAT
    problems: list[str] = dc_field(default_factory=list)
    notes: list[str] = dc_field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)


def looks_like_xml(data: bytes) -> bool:
    """The upload or file is XML (not a PDF): it starts with ``<`` after a BOM or blanks."""
    head = data[:1024].lstrip(b"\xef\xbb\xbf").lstrip()
    return head.startswith(b"<") and b"%PDF-" not in data[:1024]


def _pem(roots: Sequence[x509.Certificate]) -> bytes:
    return b"".join(root.public_bytes(serialization.Encoding.PEM) for root in roots)


def _page_facts(page: bytes) -> EmbeddedXml:
    report = EmbeddedXml(present=True, sha256=sha256_of(page))
    try:
        snapshot = parse_xml(page)
    except InvalidRecordXml as exc:  # pragma: no cover - verify_xml validated the page
        report.errors = list(exc.errors)
        return report
    report.schema_valid = True
    report.record_code = snapshot.record_code
    report.version = snapshot.version
    report.school = snapshot.unit.school_name
    report.school_year = snapshot.school_year
    report.grade = snapshot.grade
    report.class_name = snapshot.class_name
    report.issued_on = snapshot.issued_on.isoformat()
    return report


def _sealed_at(record_code: str, version: int) -> dt.datetime | None:
    found = RecordFile.objects.filter(
        page__record_code=record_code,
        page__version=version,
        step__in=(RecordFile.Step.SEAL_XML, RecordFile.Step.SEAL),
    ).order_by("created_at")
    first = found.first()
    return first.created_at if first is not None else None


def _revocation(
    signer_der: bytes,
    roots: Sequence[x509.Certificate],
    revocation: RevocationData | None,
    moment: dt.datetime,
) -> tuple[bool, list[str], list[str]]:
    """(checked, problems, notes) of the signing certificate's revocation at ``moment``."""
    if not revocation:
        return False, [], [_("Chưa kiểm tra thu hồi chứng thư số (không có dữ liệu thu hồi).")]
    status = check_revocation(
        to_asn1(x509.load_der_x509_certificate(signer_der)),
        trust_roots=[to_asn1(root) for root in roots],
        crls=revocation.crls,
        ocsps=revocation.ocsps,
        at=moment,
    )
    if not status.checked:
        return False, [], [_("Chưa kiểm tra được thu hồi chứng thư số của con dấu.")]
    if status.revoked_before:
        return True, [_("Chứng thư số của con dấu đã bị thu hồi trước khi kí tệp.")], []
    if status.revoked_at is not None:
        note = _("Chứng thư số của con dấu bị thu hồi sau khi kí (lúc %s); chữ ký vẫn hợp lệ.")
        return True, [], [note % status.revoked_at.isoformat()]
    return True, [], []


def verify_record_xml(
    data: bytes,
    *,
    trust_roots: Sequence[x509.Certificate],
    at: dt.datetime | None = None,
    revocation: RevocationData | None = None,
) -> XmlRecordReport:
    """The full verification report of a XAdES-signed year page (see the module docstring)."""
    checked = verify_xml(data, trust_roots_pem=_pem(trust_roots), at=at)
    signature = XmlSignature(
        valid=checked.valid,
        signer_common_name=checked.signer_common_name,
        signer_fingerprint=checked.signer_fingerprint,
        problems=list(checked.problems),
    )
    problems = [_("Chữ ký số XAdES: %s") % problem for problem in checked.problems]
    xml = _page_facts(checked.signed_xml) if checked.valid else EmbeddedXml()
    record_code, version = xml.record_code, xml.version
    if record_code and version:
        register, status = lookup_register(record_code, version)
    else:
        register, status = RegisterEntry(), UNKNOWN
    matches = xml.sha256 is not None and xml.sha256 == register.sha256
    if xml.sha256 and register.sha256 and not matches:
        problems.append(_("Mã băm của dữ liệu XML không khớp sổ đăng ký phát hành."))
    signer_matches: bool | None = None
    registered = register.signers.get(SEAL_FIELD)
    if checked.valid and registered:
        signer_matches = registered == checked.signer_fingerprint
        if not signer_matches:
            problems.append(
                _("Chứng thư của người kí khác chứng thư con dấu đã ghi trong sổ phát hành.")
            )
    if checked.valid:
        found_problem = status_problem(status, register)
        if found_problem:
            problems.append(found_problem)
    revocation_checked, notes = False, list[str]()
    if checked.valid:
        sealed_at = _sealed_at(record_code, version) if record_code and version else None
        moment = sealed_at or at or timezone.now()
        revocation_checked, revoked, notes = _revocation(
            checked.signer_der, trust_roots, revocation, moment
        )
        problems.extend(revoked)
    valid = checked.valid and matches and status == CURRENT and not problems
    return XmlRecordReport(
        valid=valid,
        status=status,
        status_label=status_label(status),
        verdict=verdict_for(valid, status),
        record_code=record_code,
        version=version,
        signature=signature,
        xml=xml,
        register=register,
        xml_sha256=xml.sha256,
        xml_matches_register=matches,
        signer_matches_register=signer_matches,
        revocation_checked=revocation_checked,
        problems=problems,
        notes=notes,
    )

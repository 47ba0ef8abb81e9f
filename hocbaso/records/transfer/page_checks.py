"""The checks of one year page in a transfer package (`checks` runs them for every page).

A page passes only when

* its XML in the package has the SHA-256 the manifest lists, is a valid page
  (hocba-1.xsd), names the record code and version the manifest lists, the pupil of the
  package (personal ID) and the school the manifest says issued it;
* its PDF verifies fully with the record verifier (`records.verification.verify_record_pdf`:
  every signature intact, valid, trusted, timestamped, covering its revision; the D8 order;
  no field left empty; the embedded ``hocba.xml`` unchanged since the certification and
  identical to the package's XML; the QR link naming the same hash);
* the school seal on the page is the issuing school's (its certificate names the school);
* where this installation knows the record (the same installation: the pupil's old school is
  here), the register's entry is the current version with that hash, signed with the
  certificates the register recorded. A record unknown here is expected (another
  installation): only that line of the verifier's report is set aside.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509

from hocbaso.records.verification import (
    CURRENT,
    SIGNATURE_FIELDS,
    UNKNOWN,
    status_problem,
    verify_record_pdf,
)
from hocbaso.records.xml_record import InvalidRecordXml, RecordSnapshot, parse_xml, sha256_of


def same_name(a: str, b: str) -> bool:
    def fold(text: str) -> str:
        return " ".join(unicodedata.normalize("NFC", text).casefold().split())

    return bool(a.strip()) and fold(a) == fold(b)


@dataclass
class PageCheck:
    record_code: str
    version: int
    school_name: str
    school_year: str
    class_name: str
    ok: bool = False
    in_register: bool = False
    local_page_id: int | None = None
    problems: list[str] = field(default_factory=list)


def _str(entry: dict[str, Any], key: str) -> str:
    value = entry.get(key)
    return value if isinstance(value, str) else ""


def _xml_problems(
    entry: dict[str, Any], xml: bytes, personal_id: str
) -> tuple[RecordSnapshot | None, list[str]]:
    label = f"{_str(entry, 'record_code')} v{entry.get('version')}"
    if sha256_of(xml) != _str(entry, "xml_sha256"):
        return None, [f"Dữ liệu XML của trang {label} không khớp mã băm trong bản kê khai."]
    try:
        snapshot = parse_xml(xml)
    except InvalidRecordXml:
        return None, [f"Dữ liệu XML của trang {label} không đúng lược đồ hocba-1.xsd."]
    problems = []
    if (snapshot.record_code, snapshot.version) != (entry.get("record_code"), entry.get("version")):
        problems.append(f"Dữ liệu XML của trang {label} là của một trang khác.")
    if snapshot.pupil.personal_id != personal_id:
        problems.append(f"Trang {label} là học bạ của một học sinh khác.")
    if snapshot.unit.school_code != _str(entry, "school_code"):
        problems.append(f"Trang {label}: trường phát hành khác với bản kê khai.")
    return snapshot, problems


def _seal_name(pdf_signatures: list[Any]) -> str:
    seal = next((s for s in pdf_signatures if s.field == SIGNATURE_FIELDS[2]), None)
    return seal.signer_common_name if seal is not None else ""


def check_page(
    entry: dict[str, Any],
    *,
    pdf: bytes,
    xml: bytes,
    personal_id: str,
    trust_roots: list[x509.Certificate],
) -> PageCheck:
    """Every check of one listed page (see the module's docstring)."""
    version = entry.get("version")
    result = PageCheck(
        record_code=_str(entry, "record_code"),
        version=version if isinstance(version, int) else 0,
        school_name=_str(entry, "school_name"),
        school_year=_str(entry, "school_year"),
        class_name=_str(entry, "class"),
    )
    label = f"{result.record_code} v{result.version}"
    snapshot, problems = _xml_problems(entry, xml, personal_id)
    result.problems.extend(problems)
    if sha256_of(pdf) != _str(entry, "pdf_sha256"):
        result.problems.append(f"Tệp PDF của trang {label} không khớp mã băm trong bản kê khai.")
        return result
    report = verify_record_pdf(pdf, trust_roots=trust_roots)
    set_aside = status_problem(UNKNOWN, report.register) if report.status == UNKNOWN else None
    result.problems.extend(
        f"Trang {label}: {problem}" for problem in report.problems if problem != set_aside
    )
    result.in_register = report.register.found
    if report.xml.sha256 != sha256_of(xml):
        result.problems.append(
            f"Trang {label}: dữ liệu XML trong tệp PDF khác dữ liệu XML trong hồ sơ."
        )
    if report.status not in (CURRENT, UNKNOWN):
        result.problems.append(f"Trang {label} không phải bản hiện hành trong sổ đăng ký.")
    if snapshot is not None and not same_name(
        _seal_name(report.signatures), snapshot.unit.school_name
    ):
        result.problems.append(
            f"Trang {label}: con dấu trên trang không phải của trường phát hành "
            f"({snapshot.unit.school_name})."
        )
    valid_core = (
        report.pdf_valid
        and report.signature_order_ok
        and report.xml.schema_valid
        and report.xml.same_as_signed is True
        and report.hashes.xml_matches_qr
    )
    if not valid_core and not result.problems:  # pragma: no cover - the verifier says why
        result.problems.append(f"Trang {label} không đạt kiểm tra chữ kí số.")
    result.ok = valid_core and not result.problems
    return result

"""Everything a receiving school verifies in a transfer package, without writing anything.

`verify_package(data, school=None)` returns a `TransferReport`: the pupil, the source school,
the pages and one line per check, in Vietnamese, in this order (the first failure of the
archive or the manifest stops there; the pages are all checked):

1. the archive is safe and has the package's layout (`layout.read_archive`);
2. the manifest is a package manifest of a known format version;
3. the manifest's signature is valid and chains to the configured trust roots
   (`manifest_signature`), made with **the seal of the school the manifest names**: where the
   school is known here, the seal certificate registered for it; otherwise a seal certificate
   (an organisation's: its subject's O and CN both the school's name);
4. the files are exactly those the manifest lists, each with its SHA-256 and size;
5. the profile names the same pupil as the manifest;
6. every page (`page_checks.check_page`);
7. with ``school`` (the receiving school): the package is not its own, and the pupil can be
   received (`pupil_match`).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from typing import Any

from django.utils import timezone

from hocbaso.org.models import School
from hocbaso.records.transfer import layout
from hocbaso.records.transfer.manifest_signature import ManifestSignature, verify_manifest
from hocbaso.records.transfer.page_checks import PageCheck, check_page, same_name
from hocbaso.records.transfer.pupil_match import PupilMatch, match_pupil
from hocbaso.records.xml_record import sha256_of
from hocbaso.signing.certificates import check_certificate
from hocbaso.signing.models import CertificateKind, SigningCertificate
from hocbaso.signing.trust import trust_roots


@dataclass
class Check:
    label: str
    ok: bool
    detail: str = ""


@dataclass
class TransferReport:
    ok: bool = False
    package_sha256: str = ""
    pupil: dict[str, str] = field(default_factory=dict)
    source_school: dict[str, str] = field(default_factory=dict)
    destination: str = ""
    decided_on: str = ""
    signer: dict[str, Any] = field(default_factory=dict)
    pages: list[PageCheck] = field(default_factory=list)
    summaries: int = 0
    checks: list[Check] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    match: PupilMatch | None = None
    # what the action applies, not reported
    members: dict[str, bytes] = field(default_factory=dict, repr=False)
    manifest: dict[str, Any] = field(default_factory=dict, repr=False)
    profile: dict[str, str] = field(default_factory=dict, repr=False)

    def add(self, label: str, problems: list[str], detail: str = "") -> bool:
        self.checks.append(Check(label, not problems, "; ".join(problems) or detail))
        self.problems.extend(problems)
        return not problems

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("members", "manifest", "profile"):
            data.pop(key)
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2, default=str)


def _seal_problems(
    signature: ManifestSignature, source: dict[str, Any], at: dt.datetime
) -> list[str]:
    cert = signature.certificate
    if cert is None:
        return []
    code, name = str(source.get("code", "")), str(source.get("name", ""))
    school = School.objects.filter(code=code).first()
    if school is not None:
        row = SigningCertificate.objects.filter(fingerprint_sha256=signature.fingerprint).first()
        if row is None:
            return [
                "Chứng thư số kí bản kê khai không phải chứng thư số con dấu đã đăng kí của "
                f"trường chuyển đi ({school.name})."
            ]
        if row.kind != CertificateKind.SEAL:
            return ["Bản kê khai được kí bằng chứng thư số cá nhân, không phải con dấu của trường."]
        if row.school_id != school.pk:
            return [
                f"Bản kê khai được kí bằng con dấu của trường khác ({row.school}), không phải "
                f"của trường chuyển đi ({school.name})."
            ]
        if row.revoked_at is not None and row.revoked_at <= at:
            return ["Chứng thư số con dấu của trường chuyển đi đã bị thu hồi."]
        return []
    problems = check_certificate(cert, trust_roots=None, at=at, kind=CertificateKind.SEAL)
    if not (same_name(signature.organisation, name) and same_name(signature.common_name, name)):
        problems.append(
            f"Bản kê khai không được kí bằng con dấu của trường chuyển đi ({name}): chứng thư số "
            f"kí là của «{signature.common_name}»."
        )
    return problems


def _file_problems(manifest: dict[str, Any], members: dict[str, bytes]) -> list[str]:
    listed = manifest.get("files")
    if not isinstance(listed, list) or not all(isinstance(f, dict) for f in listed):
        return ["Bản kê khai không có danh sách tệp hợp lệ."]
    problems = []
    names = {str(f.get("name")) for f in listed}
    for name in members:
        if name not in names and name not in (layout.MANIFEST, layout.SIGNATURE):
            problems.append(f"Hồ sơ có tệp «{name}» không có trong bản kê khai.")
    for entry in listed:
        name = str(entry.get("name"))
        data = members.get(name)
        if data is None:
            problems.append(f"Hồ sơ thiếu tệp «{name}» đã kê trong bản kê khai.")
        elif sha256_of(data) != entry.get("sha256") or len(data) != entry.get("size"):
            problems.append(f"Tệp «{name}» không khớp mã băm trong bản kê khai.")
    return problems


def _profile_problems(report: TransferReport) -> list[str]:
    try:
        data = layout.parse_json(report.members[layout.PROFILE], layout.PROFILE)
    except layout.PackageRefused as exc:
        return [exc.reason]
    profile = data.get("profile")
    if not isinstance(profile, dict) or not all(isinstance(v, str) for v in profile.values()):
        return ["Tệp profile.json không đúng cấu trúc."]
    report.profile = profile
    pupil = report.pupil
    if profile.get("personal_id", "") != pupil.get("sodinhdanhcanhan", "") or not same_name(
        profile.get("full_name", ""), pupil.get("hovaten", "")
    ):
        return ["Hồ sơ cá nhân (profile.json) không phải của học sinh trong bản kê khai."]
    return []


def _manifest_problems(manifest: dict[str, Any]) -> list[str]:
    if manifest.get("format") != layout.FORMAT:
        return ["Bản kê khai không phải của hồ sơ chuyển trường."]
    if manifest.get("format_version") != layout.FORMAT_VERSION:
        return [f"Phiên bản định dạng hồ sơ «{manifest.get('format_version')}» không được hỗ trợ."]
    for key, kind in (("source_school", dict), ("hocsinh", dict), ("records", list)):
        if not isinstance(manifest.get(key), kind):
            return ["Bản kê khai thiếu thông tin bắt buộc."]
    try:
        dt.date.fromisoformat(str(manifest.get("decided_on")))
    except ValueError:
        return ["Bản kê khai không có ngày chuyển trường hợp lệ."]
    return []


def _check_pages(report: TransferReport) -> None:
    roots = trust_roots()
    personal_id = report.pupil.get("sodinhdanhcanhan", "")
    for entry in report.manifest["records"]:
        if not isinstance(entry, dict):
            report.add("Trang học bạ", ["Bản kê khai có mục trang học bạ không hợp lệ."])
            continue
        pdf = report.members.get(str(entry.get("pdf")), b"")
        xml = report.members.get(str(entry.get("xml")), b"")
        page = check_page(entry, pdf=pdf, xml=xml, personal_id=personal_id, trust_roots=roots)
        report.pages.append(page)
        label = f"Trang học bạ {page.record_code} v{page.version} ({page.school_name})"
        report.add(label, page.problems, detail="Chữ kí số, mã băm và dữ liệu XML hợp lệ.")


def verify_package(
    data: bytes, *, school: School | None = None, at: dt.datetime | None = None
) -> TransferReport:
    """The full report on ``data`` (see the module's docstring). Writes nothing."""
    moment = at or timezone.now()
    report = TransferReport(package_sha256=sha256_of(data))
    try:
        archive = layout.read_archive(data)
    except layout.PackageRefused as exc:
        report.add("Tệp hồ sơ an toàn, đúng cấu trúc", [exc.reason])
        return report
    report.members = archive.members
    report.add("Tệp hồ sơ an toàn, đúng cấu trúc", [])
    try:
        manifest = layout.parse_json(archive.members[layout.MANIFEST], layout.MANIFEST)
    except layout.PackageRefused as exc:
        report.add("Bản kê khai", [exc.reason])
        return report
    if not report.add("Bản kê khai", _manifest_problems(manifest)):
        return report
    report.manifest = manifest
    report.pupil = {k: str(v) for k, v in manifest["hocsinh"].items()}
    report.source_school = {k: str(v) for k, v in manifest["source_school"].items()}
    report.destination = str(manifest.get("destination", ""))
    report.decided_on = str(manifest.get("decided_on", ""))
    summaries = manifest.get("summaries")
    report.summaries = len(summaries) if isinstance(summaries, list) else 0
    signature = verify_manifest(
        archive.members[layout.MANIFEST],
        archive.members[layout.SIGNATURE],
        trust_roots=trust_roots(),
        at=moment,
    )
    report.signer = {
        "common_name": signature.common_name,
        "organisation": signature.organisation,
        "fingerprint_sha256": signature.fingerprint,
        "signed_at": signature.signed_at,
        "timestamped": signature.timestamped,
    }
    if not report.add("Chữ kí số trên bản kê khai", signature.problems):
        return report
    seal = _seal_problems(signature, manifest["source_school"], moment)
    if not report.add("Con dấu của trường chuyển đi", seal):
        return report
    if not report.add(
        "Các tệp khớp mã băm trong bản kê khai", _file_problems(manifest, archive.members)
    ):
        return report
    report.add("Hồ sơ cá nhân của học sinh", _profile_problems(report))
    _check_pages(report)
    if school is not None:
        report.match = match_pupil(report, school)
        report.add("Tiếp nhận tại trường", report.match.problems, detail=report.match.summary)
    report.ok = not report.problems
    return report

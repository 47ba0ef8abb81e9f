"""Transfer out: the school makes one signed package for a pupil leaving (docs/transfers.md).

`export_transfer_package` is an action (one transaction, audited): it checks that the acting
user leads the pupil's school, unlocks the school seal's key with the PIN (as the seal step of
the signing chain does: `signing.keystore.signer_for`, the certificate re-checked), builds the
archive (`contents`, `layout`), signs the manifest (`manifest_signature`), stores the archive
by SHA-256, registers it (`TransferPackage`), records the transfer out on the enrolment
(`people.actions.enrolments.record_transfer_out`), and logs every page sent in the issuance
log as an issuance to the destination school. Nothing is signed again: the PDFs are the
sealed files, byte for byte.

`open_package` serves a package made here to the school's leaders, logged.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from pyhanko.sign.general import SigningError

from hocbaso.audit.log import log
from hocbaso.people.actions.enrolments import record_transfer_out
from hocbaso.people.errors import ActionError
from hocbaso.people.models import Student
from hocbaso.people.profile_validation import nfc
from hocbaso.records.certificate_checks import certificate_problems
from hocbaso.records.issuance_log import log_access
from hocbaso.records.models import RecordAccess
from hocbaso.records.transfer import layout
from hocbaso.records.transfer.access import current_enrolment, is_school_leader
from hocbaso.records.transfer.contents import (
    identity_as_in_xml,
    profile_values,
    pupil_pages,
    summary_rows,
)
from hocbaso.records.transfer.manifest_signature import sign_manifest
from hocbaso.records.transfer.models import TransferPackage
from hocbaso.records.xml_record import sha256_of
from hocbaso.signing.keystore import RemoteKeyRequired, current_certificate, signer_for
from hocbaso.signing.models import SigningCertificate
from hocbaso.signing.signers import DocumentSigner
from hocbaso.signing.trust import configured_timestamper, trust_roots

PURPOSE = "Hồ sơ chuyển trường"
DESTINATION_MAX = 200


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _seal_signer(school_id: int, pin: str) -> tuple[SigningCertificate, DocumentSigner]:
    row = current_certificate(school_id=school_id)
    if row is None:
        raise ActionError(
            "Trường chưa có chứng thư số con dấu còn hiệu lực, có khóa kí số: chưa thể lập hồ "
            "sơ chuyển trường."
        )
    problems = certificate_problems(row, timezone.now())
    if problems:
        raise ActionError(["Không kí được bằng chứng thư số con dấu:", *problems])
    try:
        return row, signer_for(row, pin)
    except RemoteKeyRequired as exc:
        raise ActionError(
            "Con dấu của trường kí qua dịch vụ kí từ xa: hồ sơ chuyển trường chưa hỗ trợ cách "
            "kí này."
        ) from exc
    except SigningError as exc:
        raise ActionError(str(exc)) from exc


@dataclass(frozen=True)
class Built:
    archive: bytes
    manifest: bytes
    pages: list[Any]


def build_package(
    student: Student,
    *,
    signer: DocumentSigner,
    destination: str,
    decided_on: dt.date,
) -> Built:
    """The archive's bytes for ``student`` (nothing written)."""
    school = student.school
    pages = pupil_pages(student)
    members: list[tuple[str, bytes]] = [(layout.PROFILE, layout.canonical_json(
        {"format": layout.FORMAT, "format_version": layout.FORMAT_VERSION,
         "profile": profile_values(student)}
    ))]  # fmt: skip
    records = []
    for page in pages:
        pdf_name = layout.record_member(page.record_code, page.version, "pdf")
        xml_name = layout.record_member(page.record_code, page.version, "xml")
        members += [(pdf_name, page.pdf), (xml_name, page.xml)]
        records.append(page.entry(pdf_name, xml_name))
    manifest = layout.canonical_json(
        {
            "format": layout.FORMAT,
            "format_version": layout.FORMAT_VERSION,
            "created_at": timezone.now().replace(microsecond=0).isoformat(),
            "source_school": {
                "code": school.code,
                "name": school.name_on(decided_on),
                "commune": school.commune.name,
                "province_code": school.commune.province.code,
                "province": school.commune.province.name,
            },
            "destination": destination,
            "decided_on": decided_on.isoformat(),
            "hocsinh": identity_as_in_xml(student),
            "records": records,
            "summaries": summary_rows(student, school),
            "files": [
                {"name": name, "sha256": sha256_of(data), "size": len(data)}
                for name, data in members
            ],
        }
    )
    p7s = sign_manifest(
        manifest, signer=signer, timestamper=configured_timestamper(), trust_roots=trust_roots()
    )
    archive = layout.write_archive([(layout.MANIFEST, manifest), (layout.SIGNATURE, p7s), *members])
    return Built(archive=archive, manifest=manifest, pages=pages)


@transaction.atomic
def export_transfer_package(
    student: Student,
    *,
    acting_user: Any,
    pin: str,
    destination: str,
    decided_on: dt.date | None = None,
) -> TransferPackage:
    """Make, sign and register the transfer package of ``student`` and record the transfer
    out. ActionError (Vietnamese, nothing written) when the user may not, the pupil is not
    enrolled here, the destination is missing, or the seal cannot sign (PIN, certificate)."""
    student = (
        Student.objects.select_for_update()
        .select_related("school__commune__province")
        .get(pk=student.pk)
    )
    school = student.school
    if not is_school_leader(acting_user, school.pk):
        raise ActionError("Chỉ Hiệu trưởng hoặc Phó hiệu trưởng được lập hồ sơ chuyển trường.")
    destination = nfc(destination)[:DESTINATION_MAX]
    if not destination:
        raise ActionError("Cần ghi rõ trường chuyển đến.")
    enrolment = current_enrolment(student)
    if enrolment is None:
        raise ActionError("Học sinh không còn đang học tại trường: không lập được hồ sơ chuyển đi.")
    day = decided_on or timezone.localdate()
    if day < enrolment.enrolled_on:
        raise ActionError("Ngày chuyển đi không thể trước ngày nhập học.")
    certificate, signer = _seal_signer(school.pk, pin)
    try:
        built = build_package(student, signer=signer, destination=destination, decided_on=day)
    finally:
        close = getattr(signer, "close", None)
        if close is not None:
            close()
    digest = layout.PACKAGES.store(built.archive)
    package = TransferPackage.objects.create(
        direction=TransferPackage.Direction.OUT,
        student=student,
        school=school,
        enrolment=enrolment,
        source_school_code=school.code,
        source_school_name=school.name_on(day),
        destination=destination,
        decided_on=day,
        sha256=digest,
        size=len(built.archive),
        manifest_sha256=sha256_of(built.manifest),
        seal_fingerprint=certificate.fingerprint_sha256,
        pages=len(built.pages),
        created_by=_user(acting_user),
    )
    record_transfer_out(
        enrolment.pk, transfer_out_on=day, destination=destination, acting_user=acting_user
    )
    for page in built.pages:
        if page.local_page is not None:
            log_access(
                page.local_page,
                kind=RecordAccess.Kind.ISSUE,
                acting_user=acting_user,
                purpose=PURPOSE,
                recipient=destination,
                sha256=sha256_of(page.pdf),
                data={"transfer_package": digest},
            )
    log(
        "transfer.package_created",
        actor=acting_user,
        subject=student,
        school_id=school.pk,
        data={
            "new": {
                "package": digest,
                "destination": destination,
                "decided_on": day.isoformat(),
                "pages": [f"{p.record_code} v{p.version}" for p in built.pages],
                "seal": certificate.fingerprint_sha256,
            }
        },
    )
    return package


@dataclass(frozen=True)
class ServedPackage:
    package: TransferPackage
    data: bytes


@transaction.atomic
def open_package(package_id: int, *, acting_user: Any) -> ServedPackage:
    """A package made here, for the leaders of the school that made it; logged
    ("transfer.package_downloaded") before a byte is served. None when not theirs."""
    package = (
        TransferPackage.objects.select_related("student")
        .filter(pk=package_id, direction=TransferPackage.Direction.OUT)
        .first()
    )
    if package is None or not is_school_leader(acting_user, package.school_id):
        raise TransferPackage.DoesNotExist
    data = layout.PACKAGES.read(package.sha256)
    log(
        "transfer.package_downloaded",
        actor=acting_user,
        subject=package.student,
        school_id=package.school_id,
        data={"new": {"package": package.sha256, "destination": package.destination}},
    )
    return ServedPackage(package=package, data=data)

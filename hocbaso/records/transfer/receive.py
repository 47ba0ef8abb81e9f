"""Transfer in: the receiving school verifies a package, then applies it — all or nothing.

`import_transfer_package(file, school=, class_group=, acting_user=, dry_run=)`:

* the dry run verifies everything (`checks.verify_package`) and returns the report; nothing is
  written, not even an audit event;
* the apply verifies again, inside the transaction, and refuses (ActionError with the reasons,
  in Vietnamese; nothing changed) unless every check passed. Then: the pupil (created from the
  profile, moved from the old school of this installation, or returning — `pupil_match`) and
  an enrolment in ``class_group`` with the transfer-in date and the old school, both by the
  people action `admit_transferred_student` (with its own events), the archive kept as
  received, one
  `ImportedPage` per page — the PDF byte-identical in the record store, or, when the page is
  already in this installation's register, a link to it and no copy — and the
  ``transfer.received`` event.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import IO, Any

from django.db import transaction
from django.utils import timezone

from hocbaso.audit.log import log
from hocbaso.org.models import ClassGroup, School
from hocbaso.people.actions.students import admit_transferred_student
from hocbaso.people.errors import ActionError
from hocbaso.people.models import Student
from hocbaso.records.models import RecordPage
from hocbaso.records.storage import store_pdf
from hocbaso.records.transfer import layout
from hocbaso.records.transfer.access import is_school_leader
from hocbaso.records.transfer.checks import TransferReport, verify_package
from hocbaso.records.transfer.models import ImportedPage, TransferPackage
from hocbaso.records.transfer.pupil_match import CREATE, MOVE
from hocbaso.records.xml_record import parse_xml, sha256_of


@dataclass
class ReceiveResult:
    report: TransferReport
    package: TransferPackage | None = None
    student: Student | None = None


def _read(file: bytes | IO[bytes]) -> bytes:
    if isinstance(file, bytes):
        return file
    data = file.read(layout.MAX_PACKAGE_BYTES + 1)
    return data if isinstance(data, bytes) else bytes(data)


def _store_pages(report: TransferReport, package: TransferPackage, student: Student) -> list[str]:
    kept = []
    for entry in report.manifest["records"]:
        xml = report.members[entry["xml"]]
        pdf = report.members[entry["pdf"]]
        snapshot = parse_xml(xml)
        local = RecordPage.objects.filter(
            record_code=snapshot.record_code, version=snapshot.version, sha256=sha256_of(xml)
        ).first()
        pdf_sha256 = sha256_of(pdf) if local is not None else store_pdf(pdf)
        exists = ImportedPage.objects.filter(
            student=student, record_code=snapshot.record_code, version=snapshot.version
        )
        if exists.exists():  # a pupil coming back brings pages received before
            continue
        ImportedPage.objects.create(
            package=package,
            student=student,
            record_code=snapshot.record_code,
            version=snapshot.version,
            issuing_school_code=snapshot.unit.school_code,
            issuing_school_name=snapshot.unit.school_name,
            school_year=snapshot.school_year,
            grade=snapshot.grade,
            class_name=snapshot.class_name,
            issued_on=snapshot.issued_on,
            xml=xml,
            xml_sha256=sha256_of(xml),
            pdf_sha256=pdf_sha256,
            pdf_size=len(pdf),
            local_page=local,
        )
        kept.append(
            f"{snapshot.record_code} v{snapshot.version}" + (" (liên kết)" if local else "")
        )
    return kept


@transaction.atomic
def import_transfer_package(
    file: bytes | IO[bytes],
    *,
    school: School,
    class_group: ClassGroup,
    acting_user: Any,
    dry_run: bool,
    enrolled_on: dt.date | None = None,
) -> ReceiveResult:
    """Verify (``dry_run``) or receive a transfer package at ``school`` into ``class_group``."""
    school = School.objects.select_for_update().get(pk=school.pk)
    if not is_school_leader(acting_user, school.pk):
        raise ActionError(
            "Chỉ Hiệu trưởng hoặc Phó hiệu trưởng được tiếp nhận học sinh chuyển đến."
        )
    if class_group.school_id != school.pk:
        raise ActionError("Lớp đã chọn không thuộc trường tiếp nhận.")
    data = _read(file)
    report = verify_package(data, school=school)
    if dry_run:
        return ReceiveResult(report=report)
    if not report.ok or report.match is None:
        raise ActionError(["Không tiếp nhận được hồ sơ chuyển trường:", *report.problems])
    day = enrolled_on or timezone.localdate()
    source_name = report.source_school.get("name", "")
    match = report.match
    enrolment = admit_transferred_student(
        class_group.pk,
        transfer_in_from=source_name or report.source_school.get("code", ""),
        enrolled_on=day,
        acting_user=acting_user,
        student_id=None if match.mode == CREATE else match.student_id,
        profile=match.profile if match.mode == CREATE else None,
        moet_code=match.moet_code,
    )
    student = enrolment.student
    how = {CREATE: "created", MOVE: "moved"}.get(match.mode, "returning")
    digest = layout.PACKAGES.store(data)
    package = TransferPackage.objects.create(
        direction=TransferPackage.Direction.IN,
        student=student,
        school=school,
        enrolment=enrolment,
        source_school_code=report.source_school.get("code", ""),
        source_school_name=source_name,
        destination=school.name,
        decided_on=dt.date.fromisoformat(report.decided_on),
        sha256=digest,
        size=len(data),
        manifest_sha256=sha256_of(report.members[layout.MANIFEST]),
        seal_fingerprint=str(report.signer.get("fingerprint_sha256", "")),
        pages=len(report.pages),
        created_by=acting_user if getattr(acting_user, "is_authenticated", False) else None,
    )
    kept = _store_pages(report, package, student)
    log(
        "transfer.received",
        actor=acting_user,
        subject=student,
        school_id=school.pk,
        data={
            "new": {
                "package": digest,
                "from": source_name,
                "from_code": package.source_school_code,
                "class": class_group.name,
                "pupil": how,
                "pages": kept,
                "seal": package.seal_fingerprint,
            }
        },
    )
    return ReceiveResult(report=report, package=package, student=student)

"""What a transfer package holds about a pupil (read-only; `export` writes the archive).

* the pages: every issued, current version of the pupil's year pages (sealed or submitted;
  superseded versions are no longer valid and are left out) with the sealed PDF exactly as
  stored, and the pages other schools issued that this school received (`ImportedPage`
  without a local copy), so that the history keeps moving with the pupil;
* the pupil's rows of the class summary tables (Bảng tổng hợp, spec §6.3) of every class of
  this school the pupil was in, per period that has results;
* the profile: the identity fields, as the profile form writes them (`profile.json`) and as
  the record XML names them (the manifest's ``hocsinh``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hocbaso.assessment.summary import ColumnKind, build_summary
from hocbaso.org.models import Period, School
from hocbaso.people.code_lists import ETHNICITIES, NATIONALITIES
from hocbaso.people.models import Enrolment, Student
from hocbaso.records.models import RecordFile, RecordPage
from hocbaso.records.storage import read_pdf
from hocbaso.records.transfer.models import ImportedPage
from hocbaso.records.xml_record import parse_xml, sha256_of

ISSUED_STATES = (RecordPage.State.SEALED, RecordPage.State.SUBMITTED)
PROFILE_FIELDS = (
    "full_name", "gender", "birth_date", "ethnicity", "nationality", "birth_place", "hometown",
    "current_address", "father_name", "mother_name", "guardian_name", "policy_group",
    "personal_id", "moet_code",
)  # fmt: skip


@dataclass(frozen=True)
class PackedPage:
    record_code: str
    version: int
    xml: bytes
    pdf: bytes
    school_code: str
    school_name: str
    school_year: str
    grade: int
    class_name: str
    issued_on: str
    local_page: RecordPage | None

    def entry(self, pdf_name: str, xml_name: str) -> dict[str, Any]:
        return {
            "record_code": self.record_code,
            "version": self.version,
            "school_code": self.school_code,
            "school_name": self.school_name,
            "school_year": self.school_year,
            "grade": self.grade,
            "class": self.class_name,
            "issued_on": self.issued_on,
            "xml_sha256": sha256_of(self.xml),
            "pdf_sha256": sha256_of(self.pdf),
            "pdf": pdf_name,
            "xml": xml_name,
        }


def _packed(xml: bytes, pdf: bytes, local: RecordPage | None) -> PackedPage:
    snapshot = parse_xml(xml)
    return PackedPage(
        record_code=snapshot.record_code,
        version=snapshot.version,
        xml=xml,
        pdf=pdf,
        school_code=snapshot.unit.school_code,
        school_name=snapshot.unit.school_name,
        school_year=snapshot.school_year,
        grade=snapshot.grade,
        class_name=snapshot.class_name,
        issued_on=snapshot.issued_on.isoformat(),
        local_page=local,
    )


def pupil_pages(student: Student) -> list[PackedPage]:
    """The issued current pages of ``student`` (here and received), oldest year first."""
    pages: list[PackedPage] = []
    issued = RecordPage.objects.filter(student=student, state__in=ISSUED_STATES)
    for page in issued.order_by("record_code", "version"):
        sealed = RecordFile.objects.get(page=page, step=RecordFile.Step.SEAL)
        pages.append(_packed(bytes(page.xml), read_pdf(sealed.sha256), page))
    received = ImportedPage.objects.filter(student=student, local_page__isnull=True)
    for row in received.order_by("record_code", "version"):
        pages.append(_packed(bytes(row.xml), read_pdf(row.pdf_sha256), None))
    return sorted(pages, key=lambda p: (p.school_year, p.record_code, p.version))


def _json_cell(value: object) -> str | int | None:
    return value if isinstance(value, str | int) or value is None else str(value)


def summary_rows(student: Student, school: School) -> list[dict[str, Any]]:
    """The pupil's row of each class summary table of ``school``, per period with results."""
    rows: list[dict[str, Any]] = []
    enrolments = (
        Enrolment.objects.filter(student=student, class_group__school=school)
        .select_related("class_group__school_year", "class_group__school__commune")
        .order_by("class_group__school_year__starts_on", "enrolled_on", "pk")
    )
    seen: set[int] = set()
    for enrolment in enrolments:
        class_group = enrolment.class_group
        if class_group.pk in seen:  # left the class and came back: one row per class and period
            continue
        seen.add(class_group.pk)
        for period in Period.objects.filter(school_year=class_group.school_year):
            summary = build_summary(class_group, period)
            row = next((r for r in summary.rows if r.student_id == student.pk), None)
            if row is None:
                continue
            cells = {
                column.key: _json_cell(value)
                for column, value in zip(summary.columns, row.cells, strict=True)
                if column.kind is not ColumnKind.IDENTITY
            }
            if all(value in (None, "") for value in cells.values()):
                continue
            rows.append(
                {
                    "school_year": class_group.school_year.code,
                    "class": class_group.name,
                    "grade": class_group.grade,
                    "period": period.code,
                    "form": summary.form.number,
                    "columns": [
                        {"key": c.key, "label": c.label}
                        for c in summary.columns
                        if c.kind is not ColumnKind.IDENTITY
                    ],
                    "cells": cells,
                }
            )
    return rows


def profile_values(student: Student) -> dict[str, str]:
    """The identity fields as the profile form takes them (`people.profile_validation`)."""
    values: dict[str, str] = {}
    for name in PROFILE_FIELDS:
        value = getattr(student, name)
        if name == "gender":
            value = student.get_gender_display()
        elif name == "birth_date":
            value = student.birth_date.strftime("%d/%m/%Y")
        elif name == "ethnicity":
            value = ETHNICITIES.get(student.ethnicity, student.ethnicity)
        elif name == "nationality":
            value = NATIONALITIES.get(student.nationality, student.nationality)
        values[name] = str(value or "")
    return values


def identity_as_in_xml(student: Student) -> dict[str, str]:
    """The pupil as `<hocsinh>` of the record XML names them (docs/record-xml.md)."""
    return {
        "sodinhdanhcanhan": student.personal_id or "",
        "mahocsinh": student.moet_code or "",
        "hovaten": student.full_name,
        "gioitinh": str(student.get_gender_display()),
        "ngaysinh": student.birth_date.isoformat(),
        "dantoc": ETHNICITIES.get(student.ethnicity, student.ethnicity),
        "quoctich": NATIONALITIES.get(student.nationality, student.nationality),
        "noisinh": student.birth_place,
        "quequan": student.hometown,
        "noiohiennay": student.current_address,
        "hotencha": student.father_name,
        "hotenme": student.mother_name,
        "nguoigiamho": student.guardian_name,
    }

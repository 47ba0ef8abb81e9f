"""API test helpers: a token for a persona, and a client that sends it."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from django.test import Client

from hocbaso.api.actions import issue_token
from hocbaso.assessment.release import release_period
from hocbaso.assessment.tests.test_year_end import Marks, fill
from hocbaso.audit.actors import SEED
from hocbaso.org.models import ClassGroup, Period
from hocbaso.people.actions import students
from hocbaso.people.models import Enrolment, Guardian, Student
from hocbaso.people.tests.world import World
from hocbaso.records.models import RecordFile, RecordPage
from hocbaso.records.storage import store_pdf
from hocbaso.records.transfer.layout import PACKAGES
from hocbaso.records.transfer.models import ImportedPage, TransferPackage


def token_for(user: Any, *, name: str = "Kiểm thử") -> str:
    return issue_token(name=name, lifetime_days=30, acting_user=user).secret


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


class ApiClient:
    """A Django test client that sends ``Authorization: Bearer <token>`` on every request."""

    def __init__(self, secret: str | None) -> None:
        self.client = Client()
        self.headers = bearer(secret) if secret else {}

    def get(self, url: str, **query: Any) -> Any:
        return self.client.get(url, query, headers=self.headers)

    def post(self, url: str, body: dict[str, Any]) -> Any:
        return self.client.post(url, body, content_type="application/json", headers=self.headers)

    def delete(self, url: str) -> Any:
        return self.client.delete(url, headers=self.headers)


def client_for(user: Any) -> ApiClient:
    return ApiClient(token_for(user))


# -- the API's world: parent_b gets a child of their own (pupil_5b), GHKI is released to
# parents with marks for both children, and each child has one issued (sealed) học bạ page and
# one page another school issued, received when the child transferred in.

OLD_SCHOOL_CODE = "TH-CU"
OLD_SCHOOL = "Trường Tiểu học Cũ Xa"


@dataclass(frozen=True)
class ApiWorld:
    world: World
    ghki: Period
    page_a: RecordPage  # pupil_a's sealed page (parent_a's child)
    page_5b: RecordPage  # pupil_5b's sealed page (parent_b's child)
    imported_a: ImportedPage  # pupil_a's page received from the old school
    imported_5b: ImportedPage  # pupil_5b's page received from the old school


def link_parent(user: Any, student: Student) -> None:
    guardian = students.add_guardian(
        student.pk, relation="me", full_name=str(user), acting_user=SEED
    )
    Guardian.objects.filter(pk=guardian.pk).update(user=user)


def sealed_page(student: Student, class_group: ClassGroup, code: str) -> RecordPage:
    xml = f"<hocba ma='{code}'/>".encode()
    page = RecordPage.objects.create(
        record_code=code,
        student=student,
        class_group=class_group,
        version=1,
        state=RecordPage.State.SEALED,
        xml=xml,
        sha256=hashlib.sha256(xml).hexdigest(),
    )
    pdf = f"%PDF-1.7\n%{code}\n%%EOF\n".encode()
    RecordFile.objects.create(
        page=page, step=RecordFile.Step.SEAL, sha256=store_pdf(pdf), size=len(pdf)
    )
    return page


def imported_pdf(code: str) -> bytes:
    return f"%PDF-1.7\n%{code}, issued by the old school\n%%EOF\n".encode()


def received_page(
    student: Student,
    code: str,
    *,
    school_year: str = "2025-2026",
    version: int = 1,
    local: RecordPage | None = None,
) -> ImportedPage:
    """A page of ``student`` another school issued, received in a transfer in (rows written
    directly: the transfer in itself is tested in records)."""
    data = b"PK\x03\x04 package " + code.encode()
    package = TransferPackage.objects.create(
        direction=TransferPackage.Direction.IN, student=student, school=student.school,
        enrolment=Enrolment.objects.filter(student=student).earliest("pk"),
        source_school_code=OLD_SCHOOL_CODE, source_school_name=OLD_SCHOOL,
        destination=student.school.name, decided_on=dt.date(2026, 8, 20),
        sha256=PACKAGES.store(data), size=len(data), manifest_sha256="0" * 64,
        seal_fingerprint="0" * 64, pages=1,
    )  # fmt: skip
    xml = f"<hocba ma='{code}'/>".encode()
    pdf = imported_pdf(code)
    return ImportedPage.objects.create(
        package=package, student=student, record_code=code, version=version,
        issuing_school_code=OLD_SCHOOL_CODE, issuing_school_name=OLD_SCHOOL,
        school_year=school_year, grade=3, class_name="3C", issued_on=dt.date(2026, 5, 28),
        xml=xml, xml_sha256=hashlib.sha256(xml).hexdigest(), pdf_sha256=store_pdf(pdf),
        pdf_size=len(pdf), local_page=local,
    )  # fmt: skip


def build_api_world(world: World) -> ApiWorld:
    link_parent(world.user("parent_b"), world.pupil_5b)
    ghki = Period.objects.select_related("school_year").get(school_year=world.year, code="GHKI")
    fill(world.class_4a, {world.pupil_a: Marks(grade=4, period="GHKI")}, period="GHKI")
    fill(world.class_5b, {world.pupil_5b: Marks(grade=5, period="GHKI")}, period="GHKI")
    release_period(world.school, ghki, acting_user=world.user("principal"))
    return ApiWorld(
        world=world,
        ghki=ghki,
        page_a=sealed_page(world.pupil_a, world.class_4a, "HB-API-A"),
        page_5b=sealed_page(world.pupil_5b, world.class_5b, "HB-API-5B"),
        imported_a=received_page(world.pupil_a, "HB-CU-A"),
        imported_5b=received_page(world.pupil_5b, "HB-CU-5B"),
    )

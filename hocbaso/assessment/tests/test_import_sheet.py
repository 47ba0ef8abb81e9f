"""`import_sheet`: refusals in Vietnamese with nothing written, "empty means no change", XÓA,
conflicts with saves made after the download, and who may upload."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from hocbaso.assessment.actions.import_sheet import export_sheet, import_sheet
from hocbaso.assessment.actions.save_sheet import CellInput, save_sheet
from hocbaso.assessment.models import QC_SHEET, Entry
from hocbaso.assessment.workbook import BAD_MARKER, NO_MARKER, ONLY_XLSX
from hocbaso.audit.actors import SEED
from hocbaso.audit.models import AuditEvent
from hocbaso.people.actions.students import create_student
from hocbaso.people.imports.guards import NOT_XLSX
from hocbaso.people.tests.world import World, pupil_values

pytestmark = pytest.mark.django_db

Snapshot = dict[tuple[int, str], tuple[str, int | None, str]]


def _pupils(world: World) -> list[int]:
    """Pupil A and Bình in 4A, both with maths saved (sheet version 1)."""
    binh = create_student(
        pupil_values("Nguyễn Văn Bình"), world.class_4a.pk, enrolled_on=dt.date(2026, 9, 5),
        acting_user=SEED,
    )  # fmt: skip
    ids = [world.pupil_a.pk, binh.pk]
    _save(world, [CellInput(ids[0], "toan", "H", 6, "Khá"), CellInput(ids[1], "toan", "T", 9)], 0)
    return ids


def _save(world: World, cells: list[CellInput], version: int, key: str = "toan") -> None:
    save_sheet(
        world.class_4a.pk, "CHKI", key, cells, base_version=version,
        idempotency_key=f"grid-{version}-{key}", acting_user=world.user("homeroom_4a"),
    )  # fmt: skip


def _file(world: World, edit: Callable[[openpyxl.worksheet.worksheet.Worksheet], None],
          key: str = "toan", period: str = "CHKI") -> bytes:  # fmt: skip
    export = export_sheet(world.class_4a.pk, period, key, acting_user=world.user("homeroom_4a"))
    workbook = openpyxl.load_workbook(io.BytesIO(export.content))
    edit(workbook.worksheets[0])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _import(
    world: World, data: bytes, *, dry_run: bool = True, name: str = "so.xlsx", key: str = "toan"
):
    return import_sheet(
        world.class_4a.pk, "CHKI", key, data, name,
        acting_user=world.user("homeroom_4a"), dry_run=dry_run,
    )  # fmt: skip


def _snapshot(world: World) -> Snapshot:
    return {
        (e.student_id, e.code): (e.level, e.score, e.comment)
        for e in Entry.objects.current().filter(sheet__class_group=world.class_4a)
    }


def _set(**cells: object) -> Callable[[openpyxl.worksheet.worksheet.Worksheet], None]:
    def edit(sheet: openpyxl.worksheet.worksheet.Worksheet) -> None:
        for coordinate, value in cells.items():
            sheet[coordinate] = value

    return edit


@pytest.mark.parametrize(
    ("_case", "cells", "errors"),
    [
        (
            "TT27 Art. 7 cl. 1a: a level outside T/H/C",
            {"D4": "X"},
            ["Dòng 4: Lê Minh An — Toán: mức đạt được «X» không hợp lệ (chỉ nhận T, H, C)"],
        ),
        (
            "TT27 Art. 7 cl. 1d: a score above 10",
            {"E5": 11},
            [
                "Dòng 5: Nguyễn Văn Bình — Toán: điểm kiểm tra «11» không hợp lệ "
                "(cần số nguyên từ 0 đến 10)"
            ],
        ),
        (
            "TT27 Art. 7 cl. 1d: a decimal score",
            {"E4": 8.5},
            [
                "Dòng 4: Lê Minh An — Toán: điểm kiểm tra «8.5» không hợp lệ "
                "(cần số nguyên, không nhập số thập phân)"
            ],
        ),
        (
            "a pupil who is not in the class",
            {"B5": "999999", "D5": "T"},
            ["Dòng 5: Mã HS «999999» không phải học sinh đang học lớp 4A."],
        ),
        (
            "the same pupil twice",
            {"B5": "{a}", "C5": "Lê Minh An"},
            ["Dòng 5: học sinh Lê Minh An (Mã HS {a}) đã có ở dòng 4."],
        ),
        (
            "names sorted apart from their ids",
            {"C4": "Nguyễn Văn Bình"},
            [
                "Dòng 4: Mã HS {a} là học sinh Lê Minh An, nhưng tệp ghi «Nguyễn Văn Bình»; "
                "không sắp xếp hay sửa riêng cột Mã HS, Họ và tên."
            ],
        ),
        (
            "XÓA in the level with a new score",
            {"D4": "XÓA", "E4": 7},
            ["Dòng 4: Lê Minh An — Toán: vừa ghi XÓA ở mức đạt được vừa nhập điểm KTĐK mới."],
        ),
        (
            "typing outside the template",
            {"H4": "ghi chú"},
            ["Dòng 4: có dữ liệu ở ngoài các cột của mẫu."],
        ),
    ],
)
def test_invalid_cells_are_listed_in_vietnamese_and_nothing_is_written(
    world: World, _case: str, cells: dict[str, object], errors: list[str]
) -> None:
    # given
    ids = _pupils(world)
    cells = {k: (v.format(a=ids[0]) if isinstance(v, str) else v) for k, v in cells.items()}
    data = _file(world, _set(**cells))
    before, events = _snapshot(world), AuditEvent.objects.count()
    # when the file is applied directly
    report = _import(world, data, dry_run=False)
    # then
    assert [str(e) for e in report.errors] == [e.format(a=ids[0]) for e in errors]
    assert report.applied is False
    assert (_snapshot(world), AuditEvent.objects.count()) == (before, events)


@pytest.mark.parametrize(
    ("_case", "key", "period", "message"),
    [
        ("another unit", "tieng_viet", "CHKI",
         "Tệp này là sổ «Tiếng Việt», không phải sổ «Toán». Hãy tải lên đúng tệp của sổ."),
        ("another period", "toan", "GHKI",
         "Tệp này là sổ kì «Giữa học kì I», không phải kì «Cuối học kì I». "
         "Hãy tải lên đúng tệp của sổ."),
    ],
)  # fmt: skip
def test_a_file_of_another_sheet_is_refused(
    world: World, _case: str, key: str, period: str, message: str
) -> None:
    _pupils(world)
    data = _file(world, _set(D4="T"), key=key, period=period)
    before, events = _snapshot(world), AuditEvent.objects.count()
    report = _import(world, data, dry_run=False)
    assert [str(e) for e in report.errors] == [message]
    assert (_snapshot(world), AuditEvent.objects.count()) == (before, events)


def test_a_file_of_another_class_is_refused(world: World) -> None:
    # given the tin học sheet of 5B, downloaded by its teacher
    export = export_sheet(
        world.class_5b.pk, "CHKI", "tin_hoc", acting_user=world.user("subject_teacher_5b")
    )
    # when it is uploaded into 4A's maths sheet
    report = _import(world, export.content, dry_run=False)
    # then
    assert [str(e) for e in report.errors] == [
        "Tệp này là sổ của một lớp khác, không phải lớp 4A. Hãy tải lên đúng tệp của sổ."
    ]


@pytest.mark.parametrize(
    ("_case", "data", "name", "message"),
    [
        ("an edited marker", None, "so.xlsx", BAD_MARKER),
        ("a workbook without a marker", b"blank", "so.xlsx", NO_MARKER),
        ("a CSV", "STT,Mã HS\n".encode(), "so.csv", ONLY_XLSX),
        ("not a zip", b"this is not a workbook", "so.xlsx", NOT_XLSX),
    ],
)
def test_files_that_are_not_this_template_are_refused(
    world: World, _case: str, data: bytes | None, name: str, message: str
) -> None:
    _pupils(world)
    if data is None:
        data = _file(world, lambda s: setattr(s["A1"], "value", s["A1"].value[:-3] + "abc"))
    elif data == b"blank":
        blank = openpyxl.Workbook()
        blank.active.append(["STT", "Mã HS", "Họ và tên"])
        out = io.BytesIO()
        blank.save(out)
        data = out.getvalue()
    report = _import(world, data, name=name)
    assert [str(e) for e in report.errors] == [message]


def test_empty_cells_change_nothing_and_xoa_clears(world: World) -> None:
    # given the teacher empties pupil A's row and writes XÓA in Bình's level
    ids = _pupils(world)
    data = _file(world, _set(D4=None, E4=None, F4=None, D5="xoá"))
    # when
    report = _import(world, data, dry_run=False)
    # then pupil A keeps the values; Bình's level and score are cleared
    assert report.errors == []
    assert [(c.student_name, c.field, c.old, c.new) for c in report.changes] == [
        ("Nguyễn Văn Bình", "Mức đạt được", "T", "trống"),
        ("Nguyễn Văn Bình", "Điểm KTĐK", "9", "trống"),
    ]
    assert _snapshot(world) == {
        (ids[0], "toan"): ("H", 6, "Khá"),
        (ids[1], "toan"): ("", None, ""),
    }


def test_a_colleagues_later_save_of_other_cells_is_kept(world: World) -> None:
    # given the file is downloaded, then pupil A's cell is changed in the web grid
    ids = _pupils(world)
    data = _file(world, _set(E5=10))
    _save(world, [CellInput(ids[0], "toan", "T", 8, "Tiến bộ")], 1)
    # when the file (which still shows pupil A's old values) is applied
    report = _import(world, data, dry_run=False)
    # then only Bình's score changes; the grid's save of pupil A stays
    assert report.applied is True
    assert _snapshot(world) == {
        (ids[0], "toan"): ("T", 8, "Tiến bộ"),
        (ids[1], "toan"): ("T", 10, ""),
    }


def test_a_cell_changed_after_the_download_is_a_conflict(world: World) -> None:
    # given the file changes Bình's score, and the dry run is clean
    ids = _pupils(world)
    data = _file(world, _set(E5=10))
    assert _import(world, data).errors == []
    # when someone saves the same cell before the apply
    _save(world, [CellInput(ids[1], "toan", "T", 7)], 1)
    before, events = _snapshot(world), AuditEvent.objects.count()
    report = _import(world, data, dry_run=False)
    # then the apply is refused with both values and nothing is written
    assert [str(e) for e in report.errors] == [
        "Dòng 5: Nguyễn Văn Bình — Toán: đã được sửa trên hệ thống sau khi bạn tải tệp "
        "(hiện là «T · 7», tệp ghi «T · 10»). Hãy tải lại tệp Excel của sổ rồi nhập lại ô này."
    ]
    assert (_snapshot(world), AuditEvent.objects.count()) == (before, events)


def _upload(client: Client, world: World, data: bytes):
    return client.post(
        f"/lop/{world.class_4a.pk}/so-diem/CHKI/toan/nhap/",
        {"file": SimpleUploadedFile("so.xlsx", data)},
    )


@pytest.mark.parametrize(
    ("persona", "status"),
    [("principal", 403), ("group_head", 403), ("inspector", 403), ("other_principal", 404),
     ("parent_a", 404), ("subject_teacher_5b", 404)],
)  # fmt: skip
def test_only_the_sheets_teacher_may_upload(world: World, persona: str, status: int) -> None:
    # given a valid edited file
    _pupils(world)
    data = _file(world, _set(D4="T"))
    before, events = _snapshot(world), AuditEvent.objects.count()
    client = Client()
    client.force_login(world.user(persona))
    # when someone else uploads it
    response = _upload(client, world, data)
    # then readers get 403, outsiders 404, and nothing changes
    assert response.status_code == status
    assert (_snapshot(world), AuditEvent.objects.count()) == (before, events)


def test_a_reader_may_download_but_an_outsider_may_not(world: World) -> None:
    url = f"/lop/{world.class_4a.pk}/so-diem/CHKI/toan.xlsx"
    statuses = {}
    for persona in ("principal", "group_head", "commune_officer", "other_principal", "parent_a"):
        client = Client()
        client.force_login(world.user(persona))
        statuses[persona] = client.get(url).status_code
    assert statuses == {
        "principal": 200,
        "group_head": 200,
        "commune_officer": 200,
        "other_principal": 404,
        "parent_a": 404,
    }
    assert AuditEvent.objects.filter(action="export.sheet").count() == 3


def test_the_qualities_sheet_reads_d_as_đ_and_refuses_h(world: World) -> None:
    # given the homeroom teacher rates two qualities, one with a subject level by mistake
    _pupils(world)
    bad = _file(world, _set(D4="d", E4="Ngoan", F4="H"), key=QC_SHEET)
    good = _file(world, _set(D4="d", E4="Ngoan"), key=QC_SHEET)
    # when / then
    refused = _import(world, bad, dry_run=False, key=QC_SHEET)
    assert [str(e) for e in refused.errors] == [
        "Dòng 4: Lê Minh An — Nhân ái: mức đạt được «H» không hợp lệ (chỉ nhận T, Đ, C)"
    ]
    applied = _import(world, good, dry_run=False, key=QC_SHEET)
    assert applied.applied is True
    entry = Entry.objects.current().get(student=world.pupil_a, code="yeu_nuoc")
    assert (entry.kind, entry.level, entry.comment) == ("quality", "Đ", "Ngoan")

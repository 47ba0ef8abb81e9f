"""Importing pupils: dry run writes nothing, apply is all or nothing with N+1 audit events,
per-row errors in Vietnamese, duplicates, access."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest
import time_machine
from django.core.management import CommandError, call_command

from hocbaso.audit.actors import COMMAND
from hocbaso.audit.models import AuditEvent
from hocbaso.people.actions.imports import import_students
from hocbaso.people.errors import ActionError
from hocbaso.people.imports.report import RowError, SkippedRow
from hocbaso.people.imports.students import LOST_ZERO
from hocbaso.people.models import Enrolment, Student
from hocbaso.people.tests.corpus import (
    STUDENT_HEADER,
    csv_bytes,
    pupil_row,
    xlsx,
)
from hocbaso.people.tests.test_import_guards import counts
from hocbaso.people.tests.world import CANARY_PERSONAL_ID

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 10, 1)
VALID_ROWS = [
    STUDENT_HEADER,
    pupil_row(1, "Nguyễn Văn An", personal_id="058216000101"),
    pupil_row(2, "Trần Thị Bình", class_name="5B", gender="Nữ", personal_id="058316000102",
              moet_code="MHS0002", birth_date="02/09/2015",
              changes={"Số định danh cá nhân": "058315000102"}),
    pupil_row(3, "Lê Hoàng Chi", class_name="4a"),
]  # fmt: skip


def run(world, data: bytes, filename: str = "danh-sach.xlsx", *, persona: str = "principal",
        dry_run: bool = True):  # fmt: skip
    return import_students(
        world.school.pk,
        data,
        filename,
        acting_user=world.user(persona) if persona else COMMAND,
        dry_run=dry_run,
        today=TODAY,
    )


def test_dry_run_reports_what_would_be_created_and_writes_nothing(world) -> None:
    # given
    before = counts()
    # when
    report = run(world, xlsx(VALID_ROWS))
    # then
    assert report.errors == []
    assert [(p.row, p.full_name, p.class_name) for p in report.to_create] == [
        (2, "Nguyễn Văn An", "4A"),
        (3, "Trần Thị Bình", "5B"),
        (4, "Lê Hoàng Chi", "4A"),
    ]
    assert (report.rows, report.rows_ok, report.rows_with_errors) == (3, 3, 0)
    assert report.applied is False
    assert report.school_year == "2026-2027"
    assert counts() == before


def test_apply_creates_the_rows_and_exactly_n_plus_one_audit_events(world) -> None:
    # given
    data = xlsx(VALID_ROWS)
    last_event = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    before = counts()
    # when
    report = run(world, data, dry_run=False)
    # then
    assert report.errors == []
    assert report.applied is True
    created = Student.objects.filter(pk__in=report.created_ids).order_by("pk")
    assert [(s.full_name, s.personal_id, s.moet_code) for s in created] == [
        ("Nguyễn Văn An", "058216000101", None),
        ("Trần Thị Bình", "058315000102", "MHS0002"),
        ("Lê Hoàng Chi", None, None),
    ]
    enrolments = Enrolment.objects.filter(student__in=created).order_by("student_id")
    assert [(e.class_group.name, e.register_number, e.enrolled_on) for e in enrolments] == [
        ("4A", "DB001", TODAY),
        ("5B", "DB002", TODAY),
        ("4A", "DB003", TODAY),
    ]
    assert counts() == (before[0] + 3, before[1] + 3, before[2] + 4, before[3])
    events = list(AuditEvent.objects.filter(pk__gt=last_event).order_by("seq"))
    assert [e.action for e in events] == ["student.created"] * 3 + ["import.students_applied"]
    assert {e.chain for e in events} == {f"school:{world.school.pk}"}
    assert events[0].data["new"]["personal_id"] == "(đã nhập)"  # never the number itself
    assert events[3].data["new"] == {
        "file_name": "danh-sach.xlsx",
        "sha256": report.sha256,
        "rows": 3,
        "created": 3,
        "skipped": 0,
        "school_year": "2026-2027",
    }


def test_apply_from_a_utf8_bom_csv_with_semicolons(world) -> None:
    # given
    data = csv_bytes(VALID_ROWS, delimiter=";", bom=True)
    # when
    report = run(world, data, "danh-sach.csv", dry_run=False)
    # then
    assert report.errors == []
    assert Student.objects.filter(pk__in=report.created_ids).count() == 3


def test_a_second_apply_of_the_same_file_reports_duplicates_and_writes_nothing(world) -> None:
    # given
    data = xlsx(VALID_ROWS)
    run(world, data, dry_run=False)
    before = counts()
    # when
    report = run(world, data, dry_run=False)
    # then
    assert report.errors == []
    assert report.to_create == []
    assert report.applied is False
    assert [str(s) for s in report.skipped] == [
        "Dòng 2: Nguyễn Văn An — đã có trong trường (cùng số định danh cá nhân), bỏ qua.",
        "Dòng 3: Trần Thị Bình — đã có trong trường (cùng số định danh cá nhân), bỏ qua.",
        "Dòng 4: Lê Hoàng Chi — đã có trong lớp (cùng họ tên và ngày sinh), bỏ qua.",
    ]
    assert counts() == before


@pytest.mark.parametrize(
    "persona",
    [
        "other_principal",
        "homeroom_4a",
        "subject_teacher_5b",
        "group_head",
        "parent_a",
        "commune_officer",
        "province_officer",
        "inspector",
        "sysadmin",
    ],
)
def test_refused_for_anyone_but_the_schools_managers(world, persona: str) -> None:
    # given
    before = counts()
    # when
    with pytest.raises(ActionError) as refused:
        run(world, xlsx(VALID_ROWS), persona=persona, dry_run=False)
    # then
    assert refused.value.messages == [
        "Chỉ Ban giám hiệu hoặc quản trị nhà trường của trường này được nhập danh sách."
    ]
    assert counts() == before


@pytest.mark.parametrize("persona", ["principal", "vice_principal", "school_admin", ""])
def test_the_schools_managers_and_commands_may_import(world, persona: str) -> None:
    # when
    report = run(world, xlsx(VALID_ROWS), persona=persona, dry_run=False)
    # then
    assert report.applied is True
    assert len(report.created_ids) == 3


def test_each_field_error_is_reported_on_its_row_and_nothing_is_written(world) -> None:
    # given: one valid row, then one row per kind of error
    rows = [
        STUDENT_HEADER,
        pupil_row(1, "Hợp Lệ"),
        pupil_row(2, "Sai Giới Tính", gender="Trai"),
        pupil_row(3, "Sai Ngày", birth_date="31/02/2016"),
        pupil_row(4, "Quá Tuổi", birth_date="01/01/2000"),
        pupil_row(5, "Sai Dân Tộc", changes={"Dân tộc": "Kinhh"}),
        pupil_row(6, "Sai Quốc Tịch", changes={"Quốc tịch": "Atlantis"}),
        pupil_row(7, "Thiếu Cha", changes={"Họ tên cha": ""}),
        pupil_row(8, ""),
        pupil_row(9, "Định Danh Ngắn", personal_id="12345"),
        pupil_row(10, "Định Danh Sai Năm", personal_id="058215000103"),
        pupil_row(11, "Mất Số Không", personal_id="58216000104"),
        pupil_row(12, "Lớp Không Có", class_name="4C"),
        pupil_row(13, "Lớp Trường Khác", class_name="1A"),
        pupil_row(14, "Thiếu Lớp", class_name=""),
        pupil_row(15, "Mã Dài", moet_code="M" * 21),
        pupil_row(16, "Định Danh Của Trường Khác", personal_id=CANARY_PERSONAL_ID),
        pupil_row(17, "Trùng Một", personal_id="058216000105", moet_code="MHS9"),
        pupil_row(18, "Trùng Hai", personal_id="058216000105", moet_code="MHS9"),
        pupil_row(19, "Trùng Một", personal_id="", class_name="4A"),
        [*pupil_row(20, "Cột Thừa"), "ghi chú"],
    ]
    before = counts()
    # when
    report = run(world, xlsx(rows), dry_run=False)
    # then
    assert [str(e) for e in report.errors] == [
        "Dòng 3: Giới tính: chỉ nhận «Nam» hoặc «Nữ», không nhận «Trai».",
        "Dòng 4: Ngày sinh: «31/02/2016» không phải ngày hợp lệ (dd/mm/yyyy).",
        "Dòng 5: Ngày sinh: năm sinh 2000 không phù hợp học sinh tiểu học.",
        "Dòng 6: Dân tộc: «Kinhh» không có trong danh mục dân tộc.",
        "Dòng 7: Quốc tịch: «Atlantis» không có trong danh mục quốc tịch.",
        "Dòng 8: Họ tên cha: không được để trống. Ghi «không» nếu không có.",
        "Dòng 9: Họ và tên: không được để trống.",
        "Dòng 10: Số định danh cá nhân phải gồm đúng 12 chữ số.",
        "Dòng 11: Số định danh cá nhân mã hóa năm sinh 2015, khác năm sinh trong hồ sơ (2016).",
        "Dòng 12: Số định danh cá nhân phải gồm đúng 12 chữ số.",
        f"Dòng 12: {LOST_ZERO}",
        "Dòng 13: Lớp: «4C» không có trong năm học 2026-2027 của trường.",
        "Dòng 14: Lớp: «1A» không có trong năm học 2026-2027 của trường.",
        "Dòng 15: Lớp: không được để trống.",
        "Dòng 16: Mã học sinh: dài quá 20 kí tự.",
        "Dòng 17: Số định danh cá nhân đã thuộc về một học sinh khác.",
        "Dòng 19: Số định danh cá nhân trùng với dòng 18.",
        "Dòng 19: Mã học sinh «MHS9» trùng với dòng 18.",
        "Dòng 20: Trùng họ tên, ngày sinh và lớp với dòng 18.",
        "Dòng 21: Có dữ liệu ở cột R không có tiêu đề.",
    ]
    assert (report.rows, report.rows_ok, report.rows_with_errors) == (20, 2, 18)
    assert [p.row for p in report.to_create] == [2, 18]
    assert report.applied is False
    assert counts() == before


def test_unknown_and_missing_columns_are_reported_on_the_header(world) -> None:
    # given: no diacritics on one title, "Lớp" missing
    header = ["Ho va ten" if h == "Họ và tên" else h for h in STUDENT_HEADER if h != "Lớp"]
    before = counts()
    # when
    report = run(world, xlsx([header, ["x"] * len(header)]), dry_run=False)
    # then
    assert [str(e) for e in report.errors] == [
        "Dòng 1: Cột «Ho va ten» không có trong mẫu nhập. Các cột hợp lệ: "
        + ", ".join(STUDENT_HEADER)
        + ".",
        "Dòng 1: Thiếu cột bắt buộc «Họ và tên».",
        "Dòng 1: Thiếu cột bắt buộc «Lớp».",
    ]
    assert (report.rows, report.rows_ok) == (1, 0)
    assert counts() == before


def test_headers_match_after_nfc_and_whitespace_normalisation(world) -> None:
    # given: decomposed Unicode (some keyboards) and stray spaces
    header = [f"  {unicodedata.normalize('NFD', h)}\u00a0 " for h in STUDENT_HEADER]
    # when
    report = run(world, xlsx([header, VALID_ROWS[1]]))
    # then
    assert report.errors == []
    assert len(report.to_create) == 1


@pytest.mark.parametrize("filename", ["a.xlsx", "a.csv"])
def test_header_only_file_is_an_error(world, filename: str) -> None:
    # given
    data = xlsx([STUDENT_HEADER]) if filename.endswith("xlsx") else csv_bytes([STUDENT_HEADER])
    before = counts()
    # when
    report = run(world, data, filename, dry_run=False)
    # then
    assert report.errors == [RowError(None, "Tệp chỉ có dòng tiêu đề, không có dòng dữ liệu nào.")]
    assert counts() == before


def test_a_pupil_already_in_the_class_is_skipped(world) -> None:
    # given: the world's pupil A (Lê Minh An, 15/03/2016, 4A), and a namesake in 5B
    rows = [
        STUDENT_HEADER,
        pupil_row(1, "Lê Minh An"),
        pupil_row(2, "Lê Minh An", class_name="5B"),
    ]
    # when
    report = run(world, xlsx(rows))
    # then
    assert report.skipped == [
        SkippedRow(2, "Lê Minh An", "đã có trong lớp (cùng họ tên và ngày sinh), bỏ qua.")
    ]
    assert [(p.row, p.class_name) for p in report.to_create] == [(3, "5B")]


def test_exactly_the_row_cap_is_applied_in_full(world, settings) -> None:
    # given
    settings.IMPORT_MAX_ROWS = 5
    rows = [STUDENT_HEADER] + [pupil_row(n, f"Học Sinh Số {n}") for n in range(1, 6)]
    # when
    report = run(world, xlsx(rows), dry_run=False)
    # then
    assert report.errors == []
    assert Student.objects.filter(pk__in=report.created_ids).count() == 5


def test_without_a_current_school_year_nothing_is_planned(world) -> None:
    # when
    report = import_students(
        world.school.pk,
        xlsx(VALID_ROWS),
        "a.xlsx",
        acting_user=world.user("principal"),
        today=dt.date(2031, 1, 1),
    )
    # then
    assert report.errors == [RowError(None, "Chưa có năm học hiện tại để xếp lớp học sinh.")]


def test_command_dry_run_prints_errors_and_exits_1(world, tmp_path, capsys) -> None:
    # given
    path = tmp_path / "loi.xlsx"
    path.write_bytes(xlsx([STUDENT_HEADER, pupil_row(1, "Sai Ngày", birth_date="31/02/2016")]))
    before = counts()
    # when
    with (
        time_machine.travel(dt.datetime(2026, 10, 1, 9, tzinfo=dt.UTC)),
        pytest.raises(CommandError) as failed,
    ):
        call_command("import_students", "--school", "TH-DV", str(path))
    # then
    assert failed.value.returncode == 1
    out = capsys.readouterr().out
    assert "Dòng 2: Ngày sinh: «31/02/2016» không phải ngày hợp lệ (dd/mm/yyyy)." in out
    assert counts() == before


def test_command_dry_run_then_apply(world, tmp_path, capsys) -> None:
    # given
    path = tmp_path / "danh-sach.csv"
    path.write_bytes(csv_bytes(VALID_ROWS))
    before = counts()
    with time_machine.travel(dt.datetime(2026, 10, 1, 9, tzinfo=dt.UTC)):
        # when: the default is a dry run
        call_command("import_students", "--school", "TH-DV", str(path))
        # then
        assert "Sẽ tạo 3 mục khi nhập thật (--apply)." in capsys.readouterr().out
        assert counts() == before
        # when
        call_command("import_students", "--school", "TH-DV", str(path), "--apply")
    # then
    assert "Đã tạo 3 mục." in capsys.readouterr().out
    assert counts() == (before[0] + 3, before[1] + 3, before[2] + 4, before[3])

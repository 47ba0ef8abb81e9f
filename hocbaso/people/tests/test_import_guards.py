"""The hostile-file corpus (security.md finding 4, target E1): every file is refused with its
Vietnamese message, even on apply, and nothing at all is written."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest

from hocbaso.audit.models import AuditEvent
from hocbaso.people.actions.imports import import_students
from hocbaso.people.imports import guards, reader
from hocbaso.people.imports.report import ImportRejected, RowError
from hocbaso.people.imports.worker import cell_text, count_row_elements
from hocbaso.people.models import Enrolment, Student, User
from hocbaso.people.tests import corpus

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 10, 1)
UNSAFE_PATH = guards.UNSAFE.format(reason="có đường dẫn không an toàn bên trong")
NESTED = guards.UNSAFE.format(reason="có tệp nén hoặc đối tượng nhúng bên trong")


def counts() -> tuple[int, int, int, int]:
    return (
        Student.objects.count(),
        Enrolment.objects.count(),
        AuditEvent.objects.count(),
        User.objects.count(),
    )


def apply_file(world, data: bytes, filename: str) -> list[RowError]:
    report = import_students(
        world.school.pk,
        data,
        filename,
        acting_user=world.user("principal"),
        dry_run=False,
        today=TODAY,
    )
    assert report.applied is False
    assert report.created_ids == []
    return report.errors


HOSTILE = [
    ("zip bomb: one member at ratio ~1000", corpus.ratio_bomb, "bom.xlsx",
     guards.UNSAFE.format(reason="tỉ lệ nén bất thường (nghi là bom nén)")),
    ("central directory lying about a member's size", corpus.lying_sizes, "a.xlsx",
     guards.NOT_XLSX),
    ("billion laughs in the sheet XML", corpus.entity_bomb, "a.xlsx", guards.NOT_XLSX),
    ("a text file renamed .xlsx", corpus.not_a_zip, "danh-sach.xlsx", guards.NOT_XLSX),
    ("macros: vbaProject.bin in an .xlsx", corpus.macro_workbook, "a.xlsx", guards.MACRO),
    ("macros: an .xlsm by name", corpus.macro_workbook, "a.xlsm", guards.MACRO),
    ("macros: a macro-enabled content type", corpus.macro_content_type_only, "a.xlsx",
     guards.MACRO),
    ("a legacy .xls", lambda: corpus.ole_file(encrypted=False), "a.xls", guards.OLD_XLS),
    ("a legacy .xls renamed .xlsx", lambda: corpus.ole_file(encrypted=False), "a.xlsx",
     guards.OLD_XLS),
    ("a password-protected workbook (OLE)", lambda: corpus.ole_file(encrypted=True), "a.xlsx",
     guards.ENCRYPTED),
    ("a zip member flagged encrypted", corpus.zip_encrypted_flag, "a.xlsx", guards.ENCRYPTED),
    ("traversal: ../", lambda: corpus.traversal("../../evil.xml"), "a.xlsx", UNSAFE_PATH),
    ("traversal: absolute path", lambda: corpus.traversal("/etc/cron.d/x"), "a.xlsx",
     UNSAFE_PATH),
    ("traversal: drive letter", lambda: corpus.traversal("C:/x.xml"), "a.xlsx", UNSAFE_PATH),
    ("traversal: backslashes", lambda: corpus.traversal("xl\\..\\..\\x.xml"), "a.xlsx",
     UNSAFE_PATH),
    ("a symlink member", corpus.symlink_member, "a.xlsx",
     guards.UNSAFE.format(reason="có liên kết tượng trưng (symlink)")),
    ("a nested workbook", lambda: corpus.nested_zip(disguised=False), "a.xlsx", NESTED),
    ("a nested zip named .png", lambda: corpus.nested_zip(disguised=True), "a.xlsx", NESTED),
    ("too many members", lambda: corpus.too_many_members(201), "a.xlsx",
     guards.UNSAFE.format(reason="có 206 thành phần (tối đa 200)")),
    ("a repeated row number", corpus.repeated_row_number, "a.xlsx",
     reader.ROW_ORDER.format(row=2)),
    ("an empty .xlsx", lambda: b"", "a.xlsx", guards.EMPTY),
    ("an empty .csv", lambda: b"", "a.csv", guards.EMPTY),
    ("an OpenDocument sheet", lambda: b"PK\x03\x04rest", "a.ods", guards.WRONG_TYPE),
    ("no extension", lambda: b"Ho va ten\n", "danh-sach", guards.WRONG_TYPE),
    ("CSV in Windows-1258", lambda: corpus.csv_legacy("cp1258"), "a.csv", guards.CSV_ENCODING),
    ("CSV in Latin-1", lambda: corpus.csv_legacy("latin-1"), "a.csv", guards.CSV_ENCODING),
    ("CSV in UTF-16", lambda: "Họ và tên\r\n".encode("utf-16"), "a.csv", guards.CSV_ENCODING),
    ("a workbook renamed .csv", corpus.macro_workbook, "a.csv", guards.CSV_NOT_TEXT),
    ("CSV with an unclosed quote", lambda: b'STT,"Ho\r\n1,2\r\n', "a.csv",
     reader.CSV_BROKEN.format(row=1)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("_case", "build", "filename", "message"), HOSTILE, ids=[case[0] for case in HOSTILE]
)
def test_hostile_file_is_refused_and_nothing_is_written(
    world, _case: str, build, filename: str, message: str
) -> None:
    # given
    data = build()
    before = counts()
    # when
    errors = apply_file(world, data, filename)
    # then
    assert errors == [RowError(None, message)]
    assert counts() == before


def test_size_bomb_beyond_the_unpacked_limit_is_refused(world, settings) -> None:
    # given: members that compress only ~2:1 (so the ratio passes) and unpack past 1 MB
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 1024 * 1024
    data = corpus.size_bomb(3 * 1024 * 1024 // 2)
    total = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist())
    before = counts()
    # when
    errors = apply_file(world, data, "bom.xlsx")
    # then
    expected = guards.UNPACKED_TOO_LARGE.format(
        size=guards.human_size(total), limit=guards.human_size(1024 * 1024)
    )
    assert errors == [RowError(None, expected)]
    assert counts() == before


def test_upload_over_the_size_limit_is_refused(world, settings) -> None:
    # given
    settings.IMPORT_MAX_UPLOAD_BYTES = 1000
    data = corpus.csv_bytes([corpus.STUDENT_HEADER] * 40)
    before = counts()
    # when
    errors = apply_file(world, data, "a.csv")
    # then
    expected = guards.TOO_LARGE.format(size=guards.human_size(len(data)), limit="1000 byte")
    assert errors == [RowError(None, expected)]
    assert counts() == before


def test_lying_dimension_over_the_cap_is_refused_with_the_real_count(world, settings) -> None:
    # given: <dimension ref="A1:A1"> over 200 real rows, with a cap of 50
    settings.IMPORT_MAX_ROWS = 50
    data = corpus.lying_dimension(200)
    before = counts()
    # when
    errors = apply_file(world, data, "a.xlsx")
    # then
    assert errors == [RowError(None, reader.TOO_MANY_ROWS.format(rows=200, limit=50))]
    assert counts() == before


def test_lying_dimension_under_the_cap_reads_every_row() -> None:
    # given: <dimension ref="A1:A1"> over 30 real rows
    data = corpus.lying_dimension(30)
    # when
    rows = reader.read_upload(data, "a.xlsx")
    # then: no silent truncation to the declared single row
    assert [r.number for r in rows] == list(range(1, 32))
    assert rows[-1].cells == ("Học sinh 31",)


@pytest.mark.parametrize(
    ("_case", "build", "filename"),
    [
        ("xlsx", lambda rows: corpus.xlsx(rows), "a.xlsx"),
        ("csv", lambda rows: corpus.csv_bytes(rows), "a.csv"),
    ],
)
def test_one_row_over_the_cap_is_refused(world, settings, _case: str, build, filename) -> None:
    # given
    settings.IMPORT_MAX_ROWS = 10
    data = build([corpus.STUDENT_HEADER] + [["x"] * 17] * 11)
    before = counts()
    # when
    errors = apply_file(world, data, filename)
    # then
    assert errors == [RowError(None, reader.TOO_MANY_ROWS.format(rows=11, limit=10))]
    assert counts() == before


def test_worker_memory_limit_refuses_the_file(world, settings) -> None:
    # given: an address-space limit too small for the parser itself
    settings.IMPORT_MAX_MEMORY_BYTES = 16 * 1024 * 1024
    before = counts()
    # when
    errors = apply_file(world, corpus.xlsx([corpus.STUDENT_HEADER]), "a.xlsx")
    # then
    assert errors == [RowError(None, reader.TOO_COMPLEX)]
    assert counts() == before


def test_worker_time_limit_refuses_the_file(world, settings, monkeypatch) -> None:
    # given: a million rows, no row cap to stop early, one second to read them
    monkeypatch.setattr(guards, "MAX_RATIO", 10**6)
    settings.IMPORT_MAX_ROWS = 10**7
    settings.IMPORT_MAX_SECONDS = 1
    sheet = corpus.sheet_xml([(1, ["Họ và tên"])]).replace(
        b"</sheetData>", b"<row><c><v>1</v></c></row>" * 1_000_000 + b"</sheetData>"
    )
    before = counts()
    # when
    errors = apply_file(world, corpus.package(sheet), "a.xlsx")
    # then
    assert errors == [RowError(None, reader.TIMEOUT.format(seconds=1))]
    assert counts() == before


@pytest.mark.parametrize(
    ("_case", "cells", "message"),
    [
        ("a cell too long", ["x" * 1001], reader.CELL_TOO_LONG.format(row=2, limit=1000)),
        ("data beyond column 60", [""] * 60 + ["x"], reader.TOO_WIDE.format(row=2, limit=60)),
    ],
)
@pytest.mark.parametrize("filename", ["a.xlsx", "a.csv"])
def test_oversized_cells_are_refused(world, _case: str, cells, message, filename) -> None:
    # given
    rows = [corpus.STUDENT_HEADER, cells]
    data = corpus.xlsx(rows) if filename.endswith("xlsx") else corpus.csv_bytes(rows)
    before = counts()
    # when
    errors = apply_file(world, data, filename)
    # then
    assert errors == [RowError(None, message)]
    assert counts() == before


def test_csv_accepts_utf8_with_bom_and_semicolons() -> None:
    # given
    data = corpus.csv_bytes([["Họ và tên", "Lớp"], ["Lê Thị Hà", "4A"]], delimiter=";", bom=True)
    # when
    rows = reader.read_upload(data, "a.csv")
    # then
    assert [r.cells for r in rows] == [("Họ và tên", "Lớp"), ("Lê Thị Hà", "4A")]


def test_check_upload_raises_import_rejected_before_parsing() -> None:
    # when / then
    with pytest.raises(ImportRejected) as refused:
        guards.check_upload(corpus.ratio_bomb(), "a.xlsx")
    assert "bom nén" in refused.value.message


def test_row_count_handles_prefixed_sheets_and_chunk_edges() -> None:
    # given: 3 prefixed rows, then plain rows straddling the 1 MB chunk edge
    prefixed = b"<x:sheetData><x:row r='1'/><x:row r='2'><x:c/></x:row><x:row/></x:sheetData>"
    plain = b" " * (1024 * 1024 - 2) + b"<row/><row r='2'></row>"
    # when / then
    assert count_row_elements(io.BytesIO(prefixed)) == 3
    assert count_row_elements(io.BytesIO(plain)) == 2


@pytest.mark.parametrize(
    ("_case", "value", "text"),
    [
        ("whole float", 58216000777.0, "58216000777"),
        ("fraction", 2.5, "2.5"),
        ("date", dt.datetime(2016, 3, 15), "15/03/2016"),  # noqa: DTZ001 - as openpyxl gives
        ("date and time", dt.datetime(2016, 3, 15, 8, 30), "15/03/2016 08:30:00"),  # noqa: DTZ001
        ("boolean", True, "TRUE"),
        ("empty", None, ""),
    ],
)
def test_cell_text(_case: str, value, text: str) -> None:
    assert cell_text(value) == text

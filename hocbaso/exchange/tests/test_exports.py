"""Exchange exports: XML valid against the published XSD and deterministic, .xlsx in the CSDL
layout and formula-safe, personal IDs only for who may read them, size guards, audit."""

from __future__ import annotations

import io
import random
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from lxml import etree
from openpyxl import load_workbook

from hocbaso.assessment.demo_entries import fill_class_period
from hocbaso.audit.actors import SystemActor
from hocbaso.audit.models import AuditEvent
from hocbaso.exchange.exports.actions import ExportRequest, export_exchange
from hocbaso.exchange.exports.xml_writer import NS, schema_errors
from hocbaso.exchange.tests.fixtures import issue_page
from hocbaso.people.actions.students import update_student_profile
from hocbaso.people.errors import ActionError
from hocbaso.people.tests.world import CANARY_PERSONAL_ID, World

pytestmark = pytest.mark.django_db
SYSTEM = SystemActor("test")
PUPIL_A_ID = "058216000123"
Q = f"{{{NS}}}"


def _export(world: World, kind: str, fmt: str, actor: object = SYSTEM, **kw: object) -> bytes:
    request = ExportRequest(kind=kind, fmt=fmt, year="2026-2027", **kw)  # type: ignore[arg-type]
    if "province_id" not in kw:
        request = ExportRequest(
            kind=kind,
            fmt=fmt,
            year="2026-2027",
            school_id=world.school.pk,
            **kw,  # type: ignore[arg-type]
        )
    return export_exchange(request, acting_user=actor).content


def _with_personal_id(world: World) -> None:
    update_student_profile(
        world.pupil_a.pk, {"personal_id": PUPIL_A_ID}, acting_user=world.user("principal")
    )


def test_pupils_xml_is_valid_deterministic_and_nfc(world: World) -> None:
    # given pupil A with a decomposed (NFD) place of birth and a personal ID
    _with_personal_id(world)
    nfd = unicodedata.normalize("NFD", "Phan Rang - Tháp Chàm")
    type(world.pupil_a).objects.filter(pk=world.pupil_a.pk).update(birth_place=nfd)
    # when the school's pupils are exported twice
    first = _export(world, "pupils", "xml")
    second = _export(world, "pupils", "xml")
    # then the bytes are identical, valid, NFC, and in the dictionary's names
    assert first == second
    assert schema_errors(first) == []
    assert first.decode() == unicodedata.normalize("NFC", first.decode())
    root = etree.fromstring(first)
    assert (root.get("loai"), root.get("phamvi"), root.get("ma")) == ("hocsinh", "truong", "TH-DV")
    pupils = root.findall(Q + "hocsinh")
    assert [p.findtext(Q + "hovaten") for p in pupils] == ["Lê Minh An", "Phạm Thu Hà"]
    a = pupils[0]
    assert (a.findtext(Q + "malop"), a.findtext(Q + "gioitinh")) == ("4A", "1")
    assert a.findtext(Q + "sodinhdanhcanhan") == PUPIL_A_ID
    dantoc = a.find(Q + "dantoc")
    assert dantoc is not None
    assert dantoc.get("ma") == "01"
    assert a.findtext(Q + "noisinh") == "Phan Rang - Tháp Chàm"


def test_personal_ids_only_for_who_may_read_them_and_audited(world: World) -> None:
    _with_personal_id(world)
    # the principal may read it, the Sở's officer too; both exports are audited with the ids
    for persona in ("principal", "province_officer"):
        content = _export(world, "pupils", "xml", world.user(persona))
        assert PUPIL_A_ID.encode() in content
    events = AuditEvent.objects.filter(action="exchange.exported").order_by("pk")
    assert [e.data["personal_id_shown_for"] for e in events] == [[world.pupil_a.pk]] * 2
    assert all(PUPIL_A_ID not in str(e.data) for e in events)


def test_province_export_by_the_sở_covers_every_school(world: World) -> None:
    content = _export(world, "pupils", "xml", world.user("province_officer"),
                      province_id=world.province.pk)  # fmt: skip
    root = etree.fromstring(content)
    assert root.get("phamvi") == "tinh"
    assert sorted(p.findtext(Q + "matruong") for p in root.findall(Q + "hocsinh")) == [
        "TH-DV", "TH-DV", "TH-PD",
    ]  # fmt: skip
    assert CANARY_PERSONAL_ID.encode() in content  # the Sở reads personal IDs


def test_who_may_not_export_is_refused_and_nothing_is_logged(world: World) -> None:
    for persona, kw in (
        ("homeroom_4a", {}), ("inspector", {}), ("other_principal", {}),
        ("principal", {"province_id": world.province.pk}), ("inspector",
         {"province_id": world.province.pk}),
    ):  # fmt: skip
        with pytest.raises(ActionError):
            _export(world, "pupils", "xml", world.user(persona), **kw)
    assert AuditEvent.objects.filter(action="exchange.exported").count() == 0


def test_results_use_machine_codes_and_validate(world: World) -> None:
    fill_class_period(world.class_4a, "GHKI", random.Random(3))
    content = _export(world, "results", "xml", period="GHKI")
    assert schema_errors(content) == []
    root = etree.fromstring(content)
    a = next(
        r for r in root.findall(Q + "ketquahocsinh") if r.findtext(Q + "hovaten") == "Lê Minh An"
    )
    [period] = a.findall(Q + "kydanhgia")
    assert (period.get("ma"), period.get("hocKy"), period.get("giaiDoan")) == ("GHKI", "1", "GK")
    codes = [m.get("ma") for m in period.findall(Q + "mon")]
    assert codes[:2] == ["tieng_viet", "toan"]
    toan = period.find(Q + "mon[@ma='toan']")
    assert toan is not None
    assert toan.get("diemktdk") is not None
    dao_duc = period.find(Q + "mon[@ma='dao_duc']")
    assert dao_duc is not None
    assert dao_duc.get("diemktdk") is None
    assert len(period.findall(Q + "phamchat")) == 5
    assert len(period.findall(Q + "nangluc")) == 10
    assert a.find(Q + "cuoinam") is None


def test_records_list_versions_hashes_and_status(world: World) -> None:
    v1 = issue_page(world)
    v1.state = "superseded"
    v1.save(update_fields=["state"])
    v2 = issue_page(world, version=2)
    content = _export(world, "records", "xml")
    assert schema_errors(content) == []
    rows = etree.fromstring(content).findall(Q + "hocba")
    assert [(r.findtext(Q + "phienban"), r.findtext(Q + "trangthaithongtinhocba"),
             r.findtext(Q + "bam_sha256")) for r in rows] == [
        ("1", "da_thay_the", v1.sha256), ("2", "hien_hanh", v2.sha256),
    ]  # fmt: skip


def test_xlsx_is_in_the_csdl_layout_and_formula_safe(world: World) -> None:
    # given a pupil whose name would be a formula in a naive export
    type(world.pupil_a).objects.filter(pk=world.pupil_a.pk).update(
        full_name='=HYPERLINK("http://x.invalid","An")'
    )
    content = _export(world, "pupils", "xlsx")
    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["C1-HocSinh", "Hướng dẫn"]
    sheet = book["C1-HocSinh"]
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["STT", "Mã lớp", "Mã học sinh", "Họ tên"]
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row]
    assert all(c.data_type == "s" for c in cells if c.value)
    assert any(c.value == '=HYPERLINK("http://x.invalid","An")' for c in cells)
    notes = " ".join(str(c.value) for row in book["Hướng dẫn"].iter_rows() for c in row)
    assert "TẠM THỜI" in notes


def test_results_xlsx_has_a_row_per_pupil_and_period(world: World) -> None:
    fill_class_period(world.class_4a, "GHKI", random.Random(3))
    book = load_workbook(io.BytesIO(_export(world, "results", "xlsx", period="GHKI")))
    sheet = book["KetQuaHocTap"]
    header = [c.value for c in sheet[1]]
    assert header[:9] == ["STT", "maTruong", "maLop", "maHocSinh", "hoTen", "namHoc", "hocKy",
                          "giaiDoan", "kyDanhGia"]  # fmt: skip
    assert sheet.max_row == 3  # header + two pupils of the school


def test_size_guard_refuses_before_reading(world: World, settings: Any) -> None:
    settings.HOCBASO_EXCHANGE_EXPORT_MAX_ROWS = 1
    with pytest.raises(ActionError, match="quá lớn"):
        _export(world, "pupils", "xml")
    assert AuditEvent.objects.filter(action="exchange.exported").count() == 0


def test_the_command_writes_the_file_and_audits(world: World, tmp_path: Path) -> None:
    out = tmp_path / "hs.xml"
    call_command("export_exchange", "--school", "TH-DV", "--year", "2026-2027",
                 "--kind", "pupils", "--format", "xml", "--out", str(out))  # fmt: skip
    assert schema_errors(out.read_bytes()) == []
    event = AuditEvent.objects.get(action="exchange.exported")
    assert (event.data["kind"], event.data["rows"]) == ("pupils", 2)


def test_results_of_the_whole_year_carry_the_year_end(world: World) -> None:
    rng = random.Random(3)  # pupil A: Hoàn thành (HT) at CN with this seed (records tests)
    for code in ("GHKI", "CHKI", "GHKII", "CN"):
        fill_class_period(world.class_4a, code, rng)
    content = _export(world, "results", "xml")
    assert schema_errors(content) == []
    root = etree.fromstring(content)
    a = next(
        r for r in root.findall(Q + "ketquahocsinh") if r.findtext(Q + "hovaten") == "Lê Minh An"
    )
    assert [p.get("ma") for p in a.findall(Q + "kydanhgia")] == ["GHKI", "CHKI", "GHKII", "CN"]
    end = a.find(Q + "cuoinam")
    assert end is not None
    assert end.get("ketQuaGiaoDuc") in {"HTXS", "HTT", "HT"}
    assert (end.get("hthanhCtrinhLhoc"), end.get("hoanThanhChuongTrinhTieuHoc")) == ("1", "0")
    assert end.get("lenLop") == "1"


@pytest.mark.parametrize("kind", ["pupils", "results"])
def test_queries_do_not_grow_with_the_pupils(world: World, kind: str) -> None:
    import datetime as dt

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from hocbaso.audit.actors import SEED
    from hocbaso.people.actions.students import create_student
    from hocbaso.people.tests.world import pupil_values

    officer = world.user("province_officer")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            _export(world, kind, "xml", officer, province_id=world.province.pk)
        return len(queries)

    few = count()
    for n in range(6):
        create_student(pupil_values(f"Học Sinh Thêm {n}"), world.class_4a.pk,
                       enrolled_on=dt.date(2026, 9, 5), acting_user=SEED)  # fmt: skip
    assert count() == few

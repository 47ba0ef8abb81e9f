"""Bảng tổng hợp of a class: columns per form, exact counts, the .xlsx and the PDF (spec §6.3)."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
import time
from collections.abc import Iterator

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from hocbaso.assessment.actions.year_end import (
    CommendationInput,
    SupplementaryValue,
    decide_promotion,
    record_commendation,
    record_supplementary,
)
from hocbaso.assessment.summary import FORMS, build_summary, form_for
from hocbaso.assessment.summary_pdf import render_pdf
from hocbaso.assessment.summary_xlsx import write_workbook
from hocbaso.assessment.tests.test_year_end import Marks, add_pupil, fill, four_pupils
from hocbaso.audit.actors import SEED
from hocbaso.audit.models import AuditEvent
from hocbaso.org.models import Period
from hocbaso.regulation.types import Period as PeriodCode

pytestmark = pytest.mark.django_db
TITLE = "BẢNG TỔNG HỢP KẾT QUẢ ĐÁNH GIÁ GIÁO DỤC CỦA LỚP 4A"
T, HD, C = (
    "Hoàn thành tốt / Tốt (T)",
    "Hoàn thành / Đạt (H, Đ)",
    "Chưa hoàn thành / Cần cố gắng (C)",
)


@pytest.fixture(autouse=True)
def _end_of_year() -> Iterator[None]:
    with time_machine.travel(dt.datetime(2027, 5, 25, 9, tzinfo=dt.UTC), tick=False):
        yield


def _period(world, code: str) -> Period:
    return Period.objects.get(school_year=world.year, code=code)


@pytest.mark.parametrize(
    ("grade", "period", "form", "scores"),
    [
        (1, "GHKI", 1, ()),
        (2, "CHKI", 2, ("tieng_viet", "toan")),
        (2, "CN", 3, ("tieng_viet", "toan")),
        (3, "GHKII", 4, ()),
        (3, "CN", 6, ("tieng_viet", "toan", "ngoai_ngu_1", "tin_hoc", "cong_nghe")),
        (4, "GHKI", 7, ("tieng_viet", "toan")),
        (5, "CHKI", 8, ("tieng_viet", "toan", "ngoai_ngu_1", "lich_su_dia_li", "khoa_hoc",
                        "tin_hoc", "cong_nghe")),
    ],
)  # fmt: skip
def test_each_grade_group_and_period_has_its_form(world, grade, period, form, scores) -> None:
    # given a class of the grade
    world.class_4a.grade = grade
    world.class_4a.save(update_fields=["grade"])
    # when
    summary = build_summary(world.class_4a, _period(world, period))
    # then
    assert summary.form == form_for(grade, PeriodCode(period)) == FORMS[form - 1]
    assert tuple(c.key[6:] for c in summary.columns if c.key.startswith("score:")) == scores
    assert any(c.key == "result" for c in summary.columns) is (period == "CN")


def test_the_cn_table_counts_levels_scores_and_results_exactly(world) -> None:
    # given An HTXS, Bình HTT (8 in Toán), Chi HT, Dũng CHT (C and 4 in Toán)
    four_pupils(world)
    # when
    summary = build_summary(world.class_4a, _period(world, "CN"))
    # then one row per pupil, numbered in roster order, with its identity
    assert [r.cells[0] for r in summary.rows] == [1, 2, 3, 4]
    assert {r.cells[1]: r.cells[2:5] for r in summary.rows} == {
        "Đỗ Thị Chi": ("15/03/2016", "x", "Kinh"),
        "Lê Minh An": ("15/03/2016", "", "Kinh"),
        "Trần Thị Bình": ("15/03/2016", "x", "Kinh"),
        "Vũ Văn Dũng": ("15/03/2016", "", "Kinh"),
    }
    counts = {
        key: tuple(summary.count(label, key) for label in (T, HD, C))
        for key in ("level:toan", "level:am_nhac", "level:tieng_dan_toc", "quality:cham_chi",
                    "quality:trung_thuc", "competency:tinh_toan")
    }  # fmt: skip
    assert counts == {
        "level:toan": (3, 0, 1),
        "level:am_nhac": (3, 1, 0),
        "level:tieng_dan_toc": (1, 0, 0),
        "quality:cham_chi": (3, 1, 0),
        "quality:trung_thuc": (3, 0, 1),
        "competency:tinh_toan": (4, 0, 0),
    }
    bands = ("Điểm 9–10", "Điểm 7–8", "Điểm 5–6", "Điểm dưới 5")
    assert [summary.count(b, "score:toan") for b in bands] == [2, 1, 0, 1]
    assert [summary.count(b, "score:tieng_viet") for b in bands] == [3, 0, 1, 0]
    assert summary.count(T, "score:toan") is None  # levels are not counted in score columns
    assert dict(summary.totals) == {
        "Tổng số học sinh": 4,
        "Học sinh nữ": 2,
        "Hoàn thành xuất sắc": 1,
        "Hoàn thành tốt": 1,
        "Hoàn thành": 1,
        "Chưa hoàn thành": 1,
        "Chưa đủ kết quả cuối năm": 0,
        "Học sinh Xuất sắc": 1,
        "Học sinh Tiêu biểu hoàn thành tốt trong học tập và rèn luyện": 0,
        "Khen thưởng đột xuất": 0,
        "Hoàn thành chương trình": 3,
        "Lên lớp": 3,
        "Ở lại lớp": 0,
        "Chờ đánh giá bổ sung": 1,
        "Chờ quyết định của Hiệu trưởng": 0,
    }
    year_end = {r.cells[1]: r.cells[-5:] for r in summary.rows}
    assert year_end["Lê Minh An"] == ("HTXS", "Học sinh Xuất sắc", "x", "x", None)
    assert year_end["Vũ Văn Dũng"] == ("CHT", None, None, None, None)


def test_a_mid_term_table_counts_only_what_was_entered(world) -> None:
    # given GHKI levels for An and a new pupil, who has no Toán yet
    minh = add_pupil(world, "Hồ Văn Minh")
    fill(
        world.class_4a,
        {world.pupil_a: Marks(4, "GHKI", score=9), minh: Marks(4, "GHKI", skip=("toan",))},
        period="GHKI",
    )
    # when
    summary = build_summary(world.class_4a, _period(world, "GHKI"))
    # then
    assert summary.form.number == 7
    assert [summary.count(T, "level:toan"), summary.count(T, "level:tieng_viet")] == [1, 2]
    assert summary.count("Điểm 9–10", "score:tieng_viet") == 2
    assert dict(summary.totals) == {"Tổng số học sinh": 2, "Học sinh nữ": 0}


def _decided_world(world) -> None:
    """Dũng stays CHT after the supplementary assessment; the principal retains him with a note
    that starts like a formula."""
    *_others, dung = four_pupils(world)
    record_supplementary(
        world.class_4a.pk, dung.pk, [SupplementaryValue("quality", "trung_thuc", "Đ")],
        assessed_on=dt.date(2027, 5, 20), acting_user=SEED,
    )  # fmt: skip
    decide_promotion(
        world.class_4a.pk, dung.pk, "o_lai_lop", decided_on=dt.date(2027, 5, 22),
        note='=HYPERLINK("http://x.invalid","bấm")', acting_user=SEED,
    )  # fmt: skip


def test_the_xlsx_has_no_formula_and_the_same_counts(world) -> None:
    _decided_world(world)
    summary = build_summary(world.class_4a, _period(world, "CN"))
    # when
    sheet = load_workbook(io.BytesIO(write_workbook(summary))).active
    assert sheet is not None
    # then no cell is a formula, the note stays text
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    dung = next(row for row in sheet.iter_rows() if row[1].value == "Vũ Văn Dũng")
    assert [c.value for c in dung[-4:]] == [
        None,
        None,
        "Ở lại",
        'Đánh giá bổ sung 20/05/2027: CHT; Ở lại lớp =HYPERLINK("http://x.invalid","bấm")',
    ]
    # and the count rows hold the same numbers as the summary
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    by_label = {row[0]: row[5:] for row in values if row[0] in {T, HD, C, "Điểm 9–10"}}
    nid = summary.identity_width
    for count_row in summary.count_rows[:4]:
        assert tuple(by_label[count_row.label]) == count_row.cells[nid:]
    totals = {row[1]: row[2] for row in values if isinstance(row[2], int)}
    assert (totals["Ở lại lớp"], totals["Chưa hoàn thành"], totals["Hoàn thành"]) == (1, 1, 1)
    assert values[2][0] == TITLE


def test_a_cell_starting_with_a_formula_trigger_stays_text(world) -> None:
    # given an ad-hoc award whose text starts with "="
    _an, _binh, chi, _dung = four_pupils(world)
    text = '=HYPERLINK("http://x.invalid","Khen")'
    proposal = CommendationInput("dot_xuat", text, dt.date(2027, 5, 2))
    record_commendation(world.class_4a.pk, chi.pk, proposal, acting_user=SEED)
    summary = build_summary(world.class_4a, _period(world, "CN"))
    # when
    sheet = load_workbook(io.BytesIO(write_workbook(summary))).active
    assert sheet is not None
    # then the award cell is quote-prefixed text
    row = next(row for row in sheet.iter_rows() if row[1].value == "Đỗ Thị Chi")
    award = row[-4]
    assert (award.value, award.data_type, award.quotePrefix) == (text, "s", True)


def test_the_pdf_is_produced_with_the_vietnamese_title(world) -> None:
    _decided_world(world)
    summary = build_summary(world.class_4a, _period(world, "CN"))
    # when
    started = time.perf_counter()
    pdf = render_pdf(summary)
    elapsed = time.perf_counter() - started
    # then
    assert pdf.startswith(b"%PDF")
    assert elapsed < 5  # about 0.1 s here; generous for slow CI machines
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed: text of the PDF not checked")
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    assert TITLE in text
    for expected in ("TRƯỜNG TIỂU HỌC ĐÔ VINH", "Cuối năm học — Năm học 2026-2027", "Vũ Văn Dũng",
                     "GIÁO VIÊN CHỦ NHIỆM", "HIỆU TRƯỞNG", "Persona homeroom_4a"):  # fmt: skip
        assert expected in text


def test_the_page_and_downloads_for_a_class_reader(world) -> None:
    four_pupils(world)
    client = Client()
    client.force_login(world.user("group_head"))
    base = f"/lop/{world.class_4a.pk}/tong-hop/"
    # the page
    page = client.get(f"{base}CN/")
    assert page.status_code == 200
    assert TITLE in page.content.decode()
    # the downloads, each with its audit event
    xlsx = client.get(f"{base}CN.xlsx")
    pdf = client.get(f"{base}CN.pdf")
    assert xlsx["Content-Disposition"] == (
        'attachment; filename="bang-tong-hop-4a-cn-2026-2027.xlsx"'
    )
    assert pdf.content.startswith(b"%PDF")
    events = AuditEvent.objects.filter(action="export.class_summary").order_by("pk")
    assert [e.data["format"] for e in events] == ["xlsx", "pdf"]
    # an unknown period is a 404 and writes nothing
    assert client.get(f"{base}XX/").status_code == 404
    assert client.get(f"{base}XX.pdf").status_code == 404
    assert events.count() == 2


def test_the_table_costs_the_same_queries_for_4_and_12_pupils(world) -> None:
    four_pupils(world)
    period = _period(world, "CN")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            build_summary(world.class_4a, period)
        return len(captured)

    small = queries()
    fill(world.class_4a, {add_pupil(world, f"Học Sinh {i}"): Marks(4, score=7) for i in range(8)})
    assert (small, queries()) == (9, 9)

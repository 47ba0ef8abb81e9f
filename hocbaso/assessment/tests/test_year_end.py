"""Year end of a class from its CN entries: results with reasons, commendations, supplementary
assessment, the principal's decision, and the year's closing conditions (TT27 Arts. 9, 11, 13;
D5)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import Client

from hocbaso.assessment.actions.save_sheet import CellInput, save_sheet
from hocbaso.assessment.actions.year_end import (
    CommendationInput,
    SupplementaryValue,
    decide_promotion,
    record_commendation,
    record_supplementary,
    void_commendation,
)
from hocbaso.assessment.models import (
    QC_SHEET,
    Commendation,
    PromotionDecision,
    Sheet,
    SupplementaryAssessment,
)
from hocbaso.assessment.year_end import class_year_end, year_can_close
from hocbaso.audit.actors import SEED
from hocbaso.audit.models import AuditEvent
from hocbaso.org.models import ClassGroup
from hocbaso.people.actions.students import create_student
from hocbaso.people.errors import ActionError
from hocbaso.people.models import Student
from hocbaso.people.tests.world import World, pupil_values
from hocbaso.regulation.catalogue import COMPETENCIES, QUALITIES, compulsory_subjects, is_tested
from hocbaso.regulation.types import Period as PeriodCode
from hocbaso.regulation.types import YearResult

pytestmark = pytest.mark.django_db
DAY = dt.date(2027, 5, 20)


@pytest.fixture(autouse=True)
def _end_of_year() -> Iterator[None]:
    """The year end happens in late May 2027 (dates after "today" are refused)."""
    with time_machine.travel(dt.datetime(2027, 5, 25, 9, tzinfo=dt.UTC), tick=False):
        yield


@dataclass
class Marks:
    """One pupil's values at one period: every compulsory unit and rating, with changes."""

    grade: int
    period: str = "CN"
    level: str = "T"
    score: int = 10
    rated: str = "T"
    subjects: dict[str, tuple[str, int | None]] = field(default_factory=dict)
    ratings: dict[str, str] = field(default_factory=dict)
    skip: tuple[str, ...] = ()

    def subject_cells(self) -> dict[str, tuple[str, int | None]]:
        period = PeriodCode(self.period)
        cells = {
            code: (self.level, self.score if is_tested(code, self.grade, period) else None)
            for code in compulsory_subjects(self.grade)
        }
        cells |= self.subjects
        return {code: value for code, value in cells.items() if code not in self.skip}

    def rating_cells(self) -> dict[str, str]:
        cells = dict.fromkeys((*QUALITIES, *COMPETENCIES), self.rated) | self.ratings
        return {code: value for code, value in cells.items() if code not in self.skip}


def fill(class_group: ClassGroup, marks: dict[Student, Marks], period: str = "CN") -> None:
    """Save every sheet of the class for ``period`` through `save_sheet`, as the seed."""
    by_key: dict[str, list[CellInput]] = {}
    for pupil, pupil_marks in marks.items():
        for code, (level, score) in pupil_marks.subject_cells().items():
            by_key.setdefault(code, []).append(CellInput(pupil.pk, code, level, score))
        for code, level in pupil_marks.rating_cells().items():
            by_key.setdefault(QC_SHEET, []).append(CellInput(pupil.pk, code, level))
    for key, cells in by_key.items():
        version = (
            Sheet.objects.filter(class_group=class_group, period__code=period, key=key)
            .values_list("version", flat=True)
            .first()
        )
        save_sheet(
            class_group.pk,
            period,
            key,
            cells,
            base_version=version or 0,
            idempotency_key=uuid.uuid4().hex,
            acting_user=SEED,
        )


def add_pupil(world: World, name: str, *, gender: str = "Nam") -> Student:
    return create_student(
        pupil_values(name, gender=gender),
        world.class_4a.pk,
        enrolled_on=dt.date(2026, 9, 5),
        acting_user=SEED,
    )


def four_pupils(world: World) -> tuple[Student, Student, Student, Student]:
    """4A: An HTXS, Bình HTT (an 8 in Toán), Chi HT (H in Âm nhạc, Đ in Chăm chỉ, a 6 in
    Tiếng Việt), Dũng CHT (C and 4 in Toán, C in Trung thực); Bình studies Tiếng dân tộc."""
    an = world.pupil_a
    binh = add_pupil(world, "Trần Thị Bình", gender="Nữ")
    chi = add_pupil(world, "Đỗ Thị Chi", gender="Nữ")
    dung = add_pupil(world, "Vũ Văn Dũng")
    fill(
        world.class_4a,
        {
            an: Marks(4),
            binh: Marks(4, subjects={"toan": ("T", 8), "tieng_dan_toc": ("T", None)}),
            chi: Marks(
                4,
                subjects={"am_nhac": ("H", None), "tieng_viet": ("T", 6)},
                ratings={"cham_chi": "Đ"},
            ),
            dung: Marks(4, subjects={"toan": ("C", 4)}, ratings={"trung_thuc": "C"}),
        },
    )
    return an, binh, chi, dung


def _actions() -> list[str]:
    return list(
        AuditEvent.objects.filter(action__startswith="year_end.")
        .order_by("pk")
        .values_list("action", flat=True)
    )


def test_results_and_reasons_come_from_the_cn_entries(world) -> None:
    # given four pupils of 4A with CN entries
    an, binh, chi, dung = four_pupils(world)
    # when
    year_end = class_year_end(world.class_4a)
    # then each gets the engine's result and reasons, in roster order
    shown = {p.student.full_name: (p.result, p.explanation) for p in year_end.pupils}
    assert {name: (r.value if r else None, reasons) for name, (r, reasons) in shown.items()} == {
        "Lê Minh An": (
            "HTXS",
            (
                "Tất cả các môn học và hoạt động giáo dục đạt Hoàn thành tốt, các phẩm chất và "
                "năng lực đạt Tốt, bài kiểm tra định kì cuối năm học đạt từ 9 điểm trở lên",
            ),
        ),
        "Trần Thị Bình": ("HTT", ("Toán: điểm 8 — cần từ 9 trở lên để đạt HTXS",)),
        "Đỗ Thị Chi": (
            "HT",
            (
                "Tiếng Việt: điểm 6 — cần từ 7 trở lên để đạt HTT",
                "Âm nhạc: Hoàn thành — cần Hoàn thành tốt để đạt HTT",
                "Phẩm chất chăm chỉ: Đạt — cần Tốt để đạt HTT",
            ),
        ),
        "Vũ Văn Dũng": (
            "CHT",
            (
                "Toán: Chưa hoàn thành — cần Hoàn thành trở lên để đạt HT",
                "Toán: điểm 4 — cần từ 5 trở lên để đạt HT",
                "Phẩm chất trung thực: Cần cố gắng — cần Đạt trở lên để đạt HT",
            ),
        ),
    }
    by_name = {p.student.full_name: p for p in year_end.pupils}
    assert by_name["Lê Minh An"].awards == ("Học sinh Xuất sắc",)
    assert by_name["Lê Minh An"].completion == "Hoàn thành chương trình lớp 4"
    assert by_name["Vũ Văn Dũng"].completion == "Chưa hoàn thành chương trình lớp 4"
    assert by_name["Vũ Văn Dũng"].promoted is None


def test_an_incomplete_pupil_lists_what_is_missing_and_keeps_the_year_open(world) -> None:
    # given pupil A with no Lịch sử và Địa lí and no Thể chất rating at CN
    fill(world.class_4a, {world.pupil_a: Marks(4, skip=("lich_su_dia_li", "the_chat"))})
    # when
    (pupil,) = class_year_end(world.class_4a).pupils
    closure = year_can_close(world.class_4a)
    # then
    assert pupil.result is None
    assert pupil.explanation == (
        "Lịch sử và Địa lí: thiếu kết quả đánh giá cuối năm học (bắt buộc ở lớp 4)",
        "Năng lực thể chất: thiếu mức đạt được cuối năm học",
    )
    assert closure.can_close is False
    assert closure.reasons == ("Lê Minh An: chưa đủ kết quả cuối năm học (2 mục).",)


def test_tieu_bieu_is_refused_for_an_ht_pupil_and_nothing_is_written(world) -> None:
    _an, _binh, chi, _dung = four_pupils(world)
    proposal = CommendationInput(
        "hoc_sinh_tieu_bieu",
        "Tiến bộ rõ rệt trong môn Toán",
        DAY,
        basis="subject",
        basis_code="toan",
        class_recognised=True,
    )
    with pytest.raises(ActionError) as excinfo:
        record_commendation(
            world.class_4a.pk, chi.pk, proposal, acting_user=world.user("homeroom_4a")
        )
    assert excinfo.value.messages == [
        "Chỉ học sinh được đánh giá Hoàn thành tốt (HTT) mới được đề nghị khen thưởng "
        "«Học sinh Tiêu biểu hoàn thành tốt trong học tập và rèn luyện»; Đỗ Thị Chi: "
        "Hoàn thành."
    ]
    assert Commendation.objects.count() == 0
    assert _actions() == []


@pytest.mark.parametrize(
    ("_case", "changes", "message"),
    [
        ("needs the class's recognition", {"class_recognised": False},
         "Khen thưởng học sinh tiêu biểu cần được tập thể lớp công nhận."),
        ("needs a basis", {"basis": ""},
         "Chọn căn cứ: môn học, phẩm chất hoặc năng lực nổi bật, tiến bộ."),
        ("a unit of the grade", {"basis_code": "tu_nhien_xa_hoi"},
         "Mã «tu_nhien_xa_hoi» không có trong chương trình lớp 4."),
        ("a justification", {"text": "  "}, "Chưa nhập nội dung khen thưởng."),
        ("a date", {"awarded_on": None}, "Chưa nhập ngày khen thưởng."),
        ("not a future date", {"awarded_on": dt.date(2027, 6, 1)},
         "Ngày khen thưởng không được sau hôm nay."),
    ],
)  # fmt: skip
def test_tieu_bieu_needs_a_justification(world, _case, changes, message) -> None:
    _an, binh, _chi, _dung = four_pupils(world)
    values = {"basis": "subject", "basis_code": "toan", "class_recognised": True}
    values |= {"text": "Nổi bật môn Toán", "awarded_on": DAY} | changes
    proposal = CommendationInput("hoc_sinh_tieu_bieu", **values)  # type: ignore[arg-type]
    with pytest.raises(ActionError) as excinfo:
        record_commendation(
            world.class_4a.pk, binh.pk, proposal, acting_user=world.user("homeroom_4a")
        )
    assert excinfo.value.messages == [message]
    assert Commendation.objects.count() == 0
    assert _actions() == []


def test_tieu_bieu_for_htt_and_ad_hoc_awards_are_recorded_with_their_events(world) -> None:
    _an, binh, chi, _dung = four_pupils(world)
    teacher = world.user("homeroom_4a")
    # when the homeroom teacher proposes Bình (HTT) and an ad-hoc award for Chi (HT)
    record_commendation(
        world.class_4a.pk,
        binh.pk,
        CommendationInput(
            "hoc_sinh_tieu_bieu",
            "Tiến bộ rõ rệt về năng lực giao tiếp",
            DAY,
            basis="competency",
            basis_code="giao_tiep_hop_tac",
            class_recognised=True,
        ),
        acting_user=teacher,
    )
    ad_hoc = record_commendation(
        world.class_4a.pk,
        chi.pk,
        CommendationInput("dot_xuat", "Nhặt được của rơi trả người đánh mất", dt.date(2026, 11, 3)),
        acting_user=teacher,
    )
    # then
    by_name = {p.student.full_name: p for p in class_year_end(world.class_4a).pupils}
    assert by_name["Trần Thị Bình"].awards == (
        "Học sinh Tiêu biểu hoàn thành tốt trong học tập và rèn luyện",
    )
    assert by_name["Đỗ Thị Chi"].awards == ("Nhặt được của rơi trả người đánh mất",)
    event = AuditEvent.objects.filter(action="year_end.commendation_recorded").first()
    assert event is not None
    assert event.data == {
        "student": binh.pk,
        "result": "HTT",
        "replaces": None,
        "new": {
            "kind": "hoc_sinh_tieu_bieu",
            "basis": "competency",
            "basis_code": "giao_tiep_hop_tac",
            "text": "Tiến bộ rõ rệt về năng lực giao tiếp",
            "class_recognised": True,
            "awarded_on": "2027-05-20",
        },
    }
    # when the ad-hoc award is withdrawn
    void_commendation(world.class_4a.pk, ad_hoc.pk, "Nhập nhầm học sinh", acting_user=teacher)
    assert Commendation.objects.current().filter(student=chi).count() == 0
    assert Commendation.objects.get(pk=ad_hoc.pk).void_reason == "Nhập nhầm học sinh"
    assert _actions() == [
        "year_end.commendation_recorded",
        "year_end.commendation_recorded",
        "year_end.commendation_voided",
    ]


def test_a_second_tieu_bieu_replaces_the_first(world) -> None:
    _an, binh, _chi, _dung = four_pupils(world)
    teacher = world.user("homeroom_4a")

    def propose(text: str) -> Commendation:
        return record_commendation(
            world.class_4a.pk,
            binh.pk,
            CommendationInput("hoc_sinh_tieu_bieu", text, DAY, "quality", "nhan_ai", True),
            acting_user=teacher,
        )

    first, second = propose("Giúp đỡ bạn"), propose("Giúp đỡ bạn bè trong lớp")
    first.refresh_from_db()
    assert (first.voided_at is not None, first.replaced_by_id) == (True, second.pk)
    assert Commendation.objects.current().get(student=binh).text == "Giúp đỡ bạn bè trong lớp"


def _supplement(world, pupil, values, *, persona="homeroom_4a"):
    return record_supplementary(
        world.class_4a.pk, pupil.pk, values, assessed_on=DAY, note="Sau rèn luyện hè",
        acting_user=world.user(persona),
    )  # fmt: skip


def test_cht_then_supplementary_reclassifies_and_completes_the_grade(world) -> None:
    _an, _binh, _chi, dung = four_pupils(world)
    assert year_can_close(world.class_4a).reasons == (
        "Vũ Văn Dũng: Chưa hoàn thành, chưa có kết quả đánh giá bổ sung.",
    )
    # when Dũng is re-assessed: Toán H with a 6, Trung thực Đ
    pupil = _supplement(
        world,
        dung,
        [
            SupplementaryValue("subject", "toan", "H", "6"),
            SupplementaryValue("quality", "trung_thuc", "Đ"),
        ],
    )
    # then the CN result is kept and the pupil completes the grade after the supplementary
    assert pupil.result is YearResult.CHT
    assert pupil.after_supplementary is not None
    assert pupil.after_supplementary.result is YearResult.HT
    assert (pupil.completion, pupil.promoted) == ("Hoàn thành chương trình lớp 4", True)
    assert year_can_close(world.class_4a).can_close is True
    record = SupplementaryAssessment.objects.current().get(student=dung)
    assert record.values == {
        "subjects": {"toan": {"level": "H", "score": 6}},
        "qualities": {"trung_thuc": "Đ"},
    }
    event = AuditEvent.objects.get(action="year_end.supplementary_recorded")
    assert (event.data["result_cn"], event.data["result_after"]) == ("CHT", "HT")
    # and no decision is asked of the principal
    with pytest.raises(ActionError):
        decide_promotion(
            world.class_4a.pk, dung.pk, "len_lop", decided_on=DAY,
            acting_user=world.user("principal"),
        )  # fmt: skip


@pytest.mark.parametrize(
    ("_case", "values", "message"),
    [
        ("only shortfall items", [SupplementaryValue("subject", "tieng_viet", "T", 9)],
         "Mã «tieng_viet» không phải nội dung chưa đạt của học sinh này."),
        ("valid levels", [SupplementaryValue("subject", "toan", "X")],
         "Toán: mức đạt được «X» không hợp lệ (chỉ nhận T, H, C)"),
        ("something to record", [SupplementaryValue("subject", "toan")],
         "Chưa nhập kết quả đánh giá bổ sung cho nội dung nào."),
    ],
)  # fmt: skip
def test_a_bad_supplementary_assessment_writes_nothing(world, _case, values, message) -> None:
    _an, _binh, _chi, dung = four_pupils(world)
    with pytest.raises(ActionError) as excinfo:
        _supplement(world, dung, values)
    assert excinfo.value.messages == [message]
    assert SupplementaryAssessment.objects.count() == 0
    assert _actions() == []


def test_only_a_cht_pupil_gets_a_supplementary_assessment(world) -> None:
    _an, binh, _chi, _dung = four_pupils(world)
    with pytest.raises(ActionError) as excinfo:
        _supplement(world, binh, [SupplementaryValue("subject", "toan", "T", 9)])
    assert excinfo.value.messages == [
        "Chỉ đánh giá bổ sung học sinh Chưa hoàn thành; Trần Thị Bình: Hoàn thành tốt."
    ]


def test_still_cht_waits_for_the_principal_who_alone_decides(world) -> None:
    _an, _binh, _chi, dung = four_pupils(world)
    _supplement(world, dung, [SupplementaryValue("quality", "trung_thuc", "Đ")])
    assert year_can_close(world.class_4a).reasons == (
        "Vũ Văn Dũng: vẫn Chưa hoàn thành sau đánh giá bổ sung, chưa có quyết định lên lớp "
        "hoặc ở lại lớp của Hiệu trưởng.",
    )
    # when the homeroom teacher or the vice-principal tries to decide: refused, nothing written
    for persona in ("homeroom_4a", "vice_principal", "school_admin"):
        with pytest.raises(PermissionDenied):
            decide_promotion(
                world.class_4a.pk, dung.pk, "len_lop", decided_on=DAY,
                acting_user=world.user(persona),
            )  # fmt: skip
    assert PromotionDecision.objects.count() == 0
    assert _actions() == ["year_end.supplementary_recorded"]
    # when the principal retains him
    decide_promotion(
        world.class_4a.pk, dung.pk, "o_lai_lop", decided_on=DAY,
        note="Chưa đạt yêu cầu môn Toán", acting_user=world.user("principal"),
    )  # fmt: skip
    # then
    (pupil,) = [p for p in class_year_end(world.class_4a).pupils if p.student == dung]
    assert (pupil.promoted, pupil.completion) == (False, "Chưa hoàn thành chương trình lớp 4")
    assert year_can_close(world.class_4a).can_close is True
    event = AuditEvent.objects.get(action="year_end.promotion_decided")
    assert event.data == {
        "student": dung.pk,
        "old": None,
        "new": "o_lai_lop",
        "note": "Chưa đạt yêu cầu môn Toán",
        "decided_on": "2027-05-20",
    }
    assert _actions() == ["year_end.supplementary_recorded", "year_end.promotion_decided"]


def test_a_principal_of_another_school_does_not_see_the_class(world) -> None:
    _an, _binh, _chi, dung = four_pupils(world)
    _supplement(world, dung, [SupplementaryValue("quality", "trung_thuc", "Đ")])
    with pytest.raises(Http404):
        decide_promotion(
            world.class_4a.pk, dung.pk, "len_lop", decided_on=DAY,
            acting_user=world.user("other_principal"),
        )  # fmt: skip
    assert PromotionDecision.objects.count() == 0


def test_the_year_end_page_explains_each_result(world) -> None:
    four_pupils(world)
    client = Client()
    client.force_login(world.user("homeroom_4a"))
    body = client.get(f"/lop/{world.class_4a.pk}/cuoi-nam/").content.decode()
    assert "Toán: điểm 8 — cần từ 9 trở lên để đạt HTXS" in body
    assert "Vũ Văn Dũng: Chưa hoàn thành, chưa có kết quả đánh giá bổ sung." in body
    assert "Đề nghị khen thưởng" in body


def test_the_pages_forms_record_and_refuse(world) -> None:
    _an, binh, chi, dung = four_pupils(world)
    teacher, principal = Client(), Client()
    teacher.force_login(world.user("homeroom_4a"))
    principal.force_login(world.user("principal"))
    base = f"/lop/{world.class_4a.pk}/cuoi-nam/"
    # a tiêu biểu for an HT pupil is refused with the message, nothing written
    proposal = {"kind": "hoc_sinh_tieu_bieu", "text": "Nổi bật môn Toán", "basis": "subject:toan",
                "awarded_on": "2027-05-20", "class_recognised": "on"}  # fmt: skip
    refused = teacher.post(f"{base}khen-thuong/", {"student": chi.pk, **proposal}, follow=True)
    assert "mới được đề nghị khen thưởng" in refused.content.decode()
    assert Commendation.objects.count() == 0
    # the same proposal for Bình (HTT) is recorded
    teacher.post(f"{base}khen-thuong/", {"student": binh.pk, **proposal})
    recorded = Commendation.objects.current().get(student=binh)
    assert (recorded.basis, recorded.basis_code, recorded.awarded_on) == ("subject", "toan", DAY)
    # the supplementary form for Dũng lists his shortfalls only
    form = teacher.get(f"{base}danh-gia-bo-sung/{dung.pk}/").content.decode()
    assert 'name="subject:toan:score"' in form
    assert 'name="quality:trung_thuc:level"' in form
    assert 'name="subject:tieng_viet:level"' not in form
    # a bad score is shown back and nothing is written
    bad = teacher.post(
        f"{base}danh-gia-bo-sung/{dung.pk}/",
        {"subject:toan:level": "H", "subject:toan:score": "5.5", "assessed_on": "20/05/2027"},
    )
    assert "không nhập số thập phân" in bad.content.decode()
    assert SupplementaryAssessment.objects.count() == 0
    teacher.post(
        f"{base}danh-gia-bo-sung/{dung.pk}/",
        {"quality:trung_thuc:level": "Đ", "assessed_on": "20/05/2027"},
    )
    assert SupplementaryAssessment.objects.current().filter(student=dung).count() == 1
    # the principal, and only the principal, decides
    assert teacher.post(f"{base}len-lop/", {"student": dung.pk}).status_code == 403
    principal.post(
        f"{base}len-lop/",
        {"student": dung.pk, "outcome": "len_lop", "decided_on": "20/05/2027", "note": "Xét"},
    )
    assert PromotionDecision.objects.current().get(student=dung).outcome == "len_lop"
    assert year_can_close(world.class_4a).can_close is True

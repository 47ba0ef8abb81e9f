"""Why a year page cannot be issued yet (issue 5): each reason on its own, table-driven, and
none for a ready pupil."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest
import time_machine
from pytest_django import DjangoAssertNumQueries

from hocbaso.assessment.actions.locks import LockScope, lock_entry
from hocbaso.assessment.actions.year_end import (
    SupplementaryValue,
    decide_promotion,
    record_supplementary,
)
from hocbaso.assessment.demo_entries import fill_class_period
from hocbaso.assessment.models import Entry
from hocbaso.people.actions.students import update_student_profile
from hocbaso.people.models import HomeroomAssignment, StaffRole, StudentPhoto
from hocbaso.people.tests.world import World
from hocbaso.records.readiness import issuance_blockers
from hocbaso.records.tests.conftest import CHT_SEED, PERIODS, fill_and_lock, verify_profile

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("after_cn_deadline")]


def _no_personal_id(world: World) -> None:
    type(world.pupil_a).objects.filter(pk=world.pupil_a.pk).update(personal_id=None)


def _unverified_name(world: World) -> None:
    update_student_profile(
        world.pupil_a.pk, {"full_name": "Lê Minh Ân"}, acting_user=world.user("principal")
    )


def _no_photo(world: World) -> None:
    StudentPhoto.objects.filter(student=world.pupil_a).update(voided_at=dt.datetime.now(dt.UTC))


def _missing_cn_value(world: World) -> None:
    Entry.objects.filter(
        student=world.pupil_a, sheet__period__code="CN", code="khoa_hoc", kind="subject"
    ).update(voided_at=dt.datetime.now(dt.UTC))


def _no_homeroom(world: World) -> None:
    HomeroomAssignment.objects.filter(class_group=world.class_4a).update(
        ended_at=dt.datetime.now(dt.UTC)
    )


def _no_principal(world: World) -> None:
    StaffRole.objects.filter(school=world.school, role="principal").update(
        ended_at=dt.datetime.now(dt.UTC)
    )


@pytest.mark.parametrize(
    ("spoil", "expected"),
    [
        pytest.param(
            _no_personal_id,
            ["Chưa có số định danh cá nhân: trang học bạ không được ký khi thiếu số này (D11)."],
            id="personal ID missing",
        ),
        pytest.param(
            _unverified_name,
            ["Hồ sơ học sinh chưa được xác minh: Họ và tên."],
            id="profile unverified",
        ),
        pytest.param(_no_photo, ["Hồ sơ học sinh còn thiếu: Ảnh 3×4."], id="profile incomplete"),
        pytest.param(
            _missing_cn_value,
            [
                "Chưa đủ kết quả cuối năm học: Khoa học: thiếu kết quả đánh giá cuối năm học "
                "(bắt buộc ở lớp 4)."
            ],
            id="CN value missing",
        ),
        pytest.param(_no_homeroom, ["Lớp 4A chưa có giáo viên chủ nhiệm."], id="no homeroom"),
        pytest.param(_no_principal, ["Trường chưa có Hiệu trưởng."], id="no principal"),
    ],
)
def test_each_reason_is_listed(
    ready: World, spoil: Callable[[World], None], expected: list[str]
) -> None:
    # given a ready pupil, then one thing spoilt
    assert issuance_blockers(ready.pupil_a, ready.class_4a) == []
    spoil(ready)
    ready.pupil_a.refresh_from_db()
    # then exactly that reason
    assert issuance_blockers(ready.pupil_a, ready.class_4a) == expected


def test_a_period_still_open_lists_its_sheets(world: World) -> None:
    # given all four periods filled, before the CN deadline and without any lock decision
    rng = random.Random(3)
    for code in PERIODS:
        fill_class_period(world.class_4a, code, rng)
    verify_profile(world)
    before = dt.datetime(2027, 5, 20, 9, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    with time_machine.travel(before, tick=False):
        # then only CN is open (the earlier periods are locked by their deadlines)
        reasons = issuance_blockers(world.pupil_a, world.class_4a)
        assert reasons == [
            "Cuối năm học chưa khóa sổ: Tiếng Việt, Toán, Đạo đức, Ngoại ngữ 1, Lịch sử và Địa lí, "
            "Khoa học, Tin học, Công nghệ, Giáo dục thể chất, Âm nhạc, Mĩ thuật, "
            "Hoạt động trải nghiệm, Tiếng dân tộc thiểu số, Phẩm chất và năng lực."
        ]
        # when the principal locks the class's CN
        scope = LockScope(world.school.pk, "CN", class_id=world.class_4a.pk)
        lock_entry(scope, acting_user=world.user("principal"))
        # then the page is ready
        assert issuance_blockers(world.pupil_a, world.class_4a) == []


def test_a_pupil_of_another_class_is_not_ready(ready: World) -> None:
    assert issuance_blockers(ready.pupil_5b, ready.class_4a) == [
        "Học sinh Phạm Thu Hà không học lớp 4A."
    ]


def test_a_fresh_pupil_lists_everything(world: World) -> None:
    reasons = issuance_blockers(world.pupil_5b, world.class_5b)
    assert reasons[0].startswith("Chưa có số định danh cá nhân")
    assert reasons[1] == "Hồ sơ học sinh còn thiếu: Ảnh 3×4."
    assert reasons[2].startswith("Hồ sơ học sinh chưa được xác minh: Họ và tên, Giới tính")
    assert "Lớp 5B chưa có giáo viên chủ nhiệm." in reasons
    assert any(r.startswith("Chưa đủ kết quả cuối năm học:") for r in reasons)


def test_a_cht_pupil_waits_for_the_supplementary_assessment_and_the_decision(
    world: World,
) -> None:
    # given pupil A Chưa hoàn thành at CN (C in Ngoại ngữ 1 and Công nghệ, C in Năng lực
    # công nghệ), everything else ready
    fill_and_lock(world, seed=CHT_SEED)
    verify_profile(world)
    pupil, class_group = world.pupil_a, world.class_4a
    # then
    assert issuance_blockers(pupil, class_group) == [
        "Học sinh Chưa hoàn thành: chưa có kết quả đánh giá bổ sung."
    ]
    # when a supplementary assessment leaves one shortfall
    record_supplementary(
        class_group.pk,
        pupil.pk,
        [
            SupplementaryValue("subject", "ngoai_ngu_1", "H", 6),
            SupplementaryValue("competency", "cong_nghe", "Đ"),
        ],
        assessed_on=dt.date(2027, 5, 27),
        acting_user=world.user("homeroom_4a"),
    )
    # then the principal's decision is still missing
    assert issuance_blockers(pupil, class_group) == [
        "Học sinh vẫn Chưa hoàn thành sau đánh giá bổ sung: chưa có quyết định lên lớp hoặc "
        "ở lại lớp của Hiệu trưởng."
    ]
    # when the principal decides
    decide_promotion(
        class_group.pk,
        pupil.pk,
        "o_lai_lop",
        decided_on=dt.date(2027, 5, 28),
        acting_user=world.user("principal"),
    )
    # then
    assert issuance_blockers(pupil, class_group) == []


def test_the_query_count_does_not_depend_on_the_data(
    ready: World, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    with django_assert_max_num_queries(16):
        assert issuance_blockers(ready.pupil_a, ready.class_4a) == []

"""Releasing a period's results to parents (issue 6): who may, only once entry is locked for
the whole school, withdrawal by voiding, the periods a pupil's parents see, and the parents'
read model `results_for` with its fixed query budget."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hocbaso.assessment.actions.locks import LOCAL_TZ, LockScope, lock_entry
from hocbaso.assessment.models import Entry, PeriodRelease
from hocbaso.assessment.release import release_period, released_periods, withdraw_release
from hocbaso.assessment.released_results import results_for
from hocbaso.assessment.tests.test_year_end import Marks, add_pupil, fill
from hocbaso.audit.models import AuditEvent
from hocbaso.org.models import Period
from hocbaso.people.errors import ActionError
from hocbaso.people.models import Student
from hocbaso.people.tests.world import World

pytestmark = pytest.mark.django_db


def _period(world: World, code: str) -> Period:
    return Period.objects.select_related("school_year").get(school_year=world.year, code=code)


def _fill_ghki(world: World, pupils: list[Student], comment: str = "") -> None:
    fill(world.class_4a, {p: Marks(grade=4, period="GHKI") for p in pupils}, period="GHKI")
    if comment:
        Entry.objects.current().filter(student__in=pupils, code="toan").update(comment=comment)


def test_principal_releases_a_period_locked_by_its_deadline(world: World) -> None:
    ghki = _period(world, "GHKI")  # today (30/11/2026) is past the GHKI deadline
    release = release_period(world.school, ghki, acting_user=world.user("principal"))
    assert (release.school_id, release.period_id, release.released_by) == (
        world.school.pk,
        ghki.pk,
        world.user("principal"),
    )
    event = AuditEvent.objects.get(action="assessment.period_released")
    assert (event.chain, event.data) == (
        f"school:{world.school.pk}",
        {"period": "GHKI", "school_year": world.year.pk},
    )


def test_vice_principal_may_release(world: World) -> None:
    release_period(world.school, _period(world, "GHKI"), acting_user=world.user("vice_principal"))
    assert PeriodRelease.objects.current().count() == 1


@pytest.mark.parametrize(
    "persona", ["homeroom_4a", "school_admin", "group_head", "other_principal", "parent_a"]
)
def test_others_may_not_release(world: World, persona: str) -> None:
    with pytest.raises(ActionError) as refused:
        release_period(world.school, _period(world, "GHKI"), acting_user=world.user(persona))
    assert refused.value.messages == [
        "Chỉ Hiệu trưởng hoặc Phó hiệu trưởng của trường mới được công bố kết quả."
    ]
    assert PeriodRelease.objects.count() == 0
    assert not AuditEvent.objects.filter(action="assessment.period_released").exists()


def test_an_open_period_is_refused_in_vietnamese(world: World) -> None:
    with pytest.raises(ActionError) as refused:
        release_period(world.school, _period(world, "CHKI"), acting_user=world.user("principal"))
    assert refused.value.messages == [
        "Chưa thể công bố kết quả Cuối học kì I: sổ của lớp 4A, 5B chưa khóa. "
        "Hãy khóa sổ toàn trường trước khi công bố."
    ]
    assert PeriodRelease.objects.count() == 0


def test_a_class_still_open_blocks_the_release(world: World) -> None:
    principal = world.user("principal")
    scope = LockScope(school_id=world.school.pk, period_code="CHKI", class_id=world.class_4a.pk)
    lock_entry(scope, acting_user=principal)
    with pytest.raises(ActionError) as refused:
        release_period(world.school, _period(world, "CHKI"), acting_user=principal)
    assert "sổ của lớp 5B chưa khóa" in refused.value.messages[0]
    lock_entry(LockScope(school_id=world.school.pk, period_code="CHKI"), acting_user=principal)
    assert release_period(world.school, _period(world, "CHKI"), acting_user=principal).pk


def test_released_twice_is_refused(world: World) -> None:
    ghki = _period(world, "GHKI")
    release_period(world.school, ghki, acting_user=world.user("principal"))
    with pytest.raises(ActionError) as refused:
        release_period(world.school, ghki, acting_user=world.user("vice_principal"))
    assert refused.value.messages == ["Kết quả kì này đã được công bố cho cha mẹ học sinh."]


def test_withdrawal_voids_the_release_and_hides_the_period(world: World) -> None:
    ghki = _period(world, "GHKI")
    release = release_period(world.school, ghki, acting_user=world.user("principal"))
    assert released_periods(world.pupil_a) == [ghki]
    with pytest.raises(ActionError) as refused:
        withdraw_release(world.school, ghki, reason=" ", acting_user=world.user("principal"))
    assert refused.value.messages == ["Thu hồi công bố phải ghi rõ lí do."]
    withdraw_release(
        world.school, ghki, reason="Nhầm kết quả lớp 4A", acting_user=world.user("principal")
    )
    release.refresh_from_db()
    assert release.void_reason == "Nhầm kết quả lớp 4A"
    assert release.voided_by == world.user("principal")
    assert released_periods(world.pupil_a) == []
    assert results_for(world.pupil_a, ghki) is None
    assert PeriodRelease.objects.count() == 1  # kept, never deleted
    # released again: a new row
    release_period(world.school, ghki, acting_user=world.user("principal"))
    assert PeriodRelease.objects.count() == 2
    assert released_periods(world.pupil_a) == [ghki]


def test_a_release_reaches_only_the_pupils_of_that_school(world: World) -> None:
    ghki = _period(world, "GHKI")
    release_period(world.school, ghki, acting_user=world.user("principal"))
    assert released_periods(world.pupil_5b) == [ghki]
    assert released_periods(world.canary) == []
    assert results_for(world.canary, ghki) is None


def test_results_are_none_before_the_release(world: World) -> None:
    _fill_ghki(world, [world.pupil_a])
    assert results_for(world.pupil_a, _period(world, "GHKI")) is None


def test_results_for_a_released_period(world: World) -> None:
    _fill_ghki(world, [world.pupil_a], comment="Em tính toán nhanh, cẩn thận.")
    ghki = _period(world, "GHKI")
    release = release_period(world.school, ghki, acting_user=world.user("principal"))
    results = results_for(world.pupil_a, ghki)
    assert results is not None
    assert (results.student_name, results.class_name, results.grade) == ("Lê Minh An", "4A", 4)
    assert (results.period_code, results.period_label, results.school_year) == (
        "GHKI",
        "Giữa học kì I",
        "2026-2027",
    )
    assert results.released_at == release.released_at
    toan = next(u for u in results.units if u.code == "toan")
    assert (toan.name, toan.level, toan.level_label, toan.score, toan.comment) == (
        "Toán",
        "T",
        "Hoàn thành tốt",
        10,
        "Em tính toán nhanh, cẩn thận.",
    )
    assert all(u.code != "tieng_dan_toc" for u in results.units)  # optional, not studied
    assert {q.level for q in results.qualities} == {"T"}
    assert results.qualities[0].level_label == "Tốt"
    assert len(results.qualities) == 5
    assert len(results.competencies) == 10
    assert results.year_end is None


def _query_count(student: Student, period: Period) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert results_for(student, period) is not None
    return len(queries)


def test_query_budget_is_fixed_whatever_the_number_of_rows(world: World) -> None:
    """3 pupils or 30, with or without comments: the same 2 queries at GHKI."""
    pupils = [world.pupil_a, add_pupil(world, "Trần Thị Bình"), add_pupil(world, "Đỗ Văn Chi")]
    _fill_ghki(world, pupils)
    ghki = _period(world, "GHKI")
    release_period(world.school, ghki, acting_user=world.user("principal"))
    few = _query_count(world.pupil_a, ghki)
    pupils += [add_pupil(world, f"Học Sinh Số {i}") for i in range(27)]
    _fill_ghki(world, pupils, comment="Nhận xét")
    assert _query_count(world.pupil_a, ghki) == few == 2


def test_year_end_results_with_award(world: World) -> None:
    may = dt.datetime(2027, 5, 26, 9, tzinfo=LOCAL_TZ)  # after the CN deadline
    with time_machine.travel(may, tick=False):
        pupils = [world.pupil_a, add_pupil(world, "Trần Thị Bình")]
        fill(world.class_4a, {p: Marks(grade=4) for p in pupils})
        fill(world.class_4a, {pupils[1]: Marks(grade=4, level="H", score=7)})
        cn = _period(world, "CN")
        release_period(world.school, cn, acting_user=world.user("principal"))
        with CaptureQueriesContext(connection) as queries:
            results = results_for(world.pupil_a, cn)
        other = results_for(pupils[1], cn)
    assert len(queries) == 5
    assert results is not None
    assert results.year_end is not None
    assert (results.year_end.result, results.year_end.result_label) == (
        "HTXS",
        "Hoàn thành xuất sắc",
    )
    assert results.year_end.awards == ("Học sinh Xuất sắc",)
    assert results.year_end.completion == "Hoàn thành chương trình lớp 4"
    assert other is not None
    assert other.year_end is not None
    assert (other.year_end.result, other.year_end.awards) == ("HT", ())


def test_demo_seed_releases_the_locked_past_periods_once(world: World) -> None:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("seed_demo_releases", "--if-empty", stdout=out)
    assert (
        out.getvalue()
        == "Đã công bố kết quả Giữa học kì I 2026-2027 của Trường Tiểu học Đô Vinh.\n"
    )
    assert released_periods(world.pupil_a) == [_period(world, "GHKI")]
    release = PeriodRelease.objects.get()
    assert release.released_by is None  # the seed
    again = StringIO()
    call_command("seed_demo_releases", "--if-empty", stdout=again)
    assert again.getvalue() == "Đã có kì được công bố: không công bố thêm.\n"


def test_release_page_buttons(world: World) -> None:
    from django.test import Client

    client = Client()
    client.force_login(world.user("principal"))
    url = f"/truong/{world.school.pk}/cong-bo-ket-qua/"
    board = client.get(url).content.decode()
    assert "Chưa công bố; sổ đã khóa" in board  # GHKI, past its deadline
    assert "Chưa công bố; sổ chưa khóa: 4A, 5B" in board  # CHKI
    chki = _period(world, "CHKI")
    refused = client.post(f"{url}{chki.pk}/", {"action": "release"}, follow=True)
    assert "sổ của lớp 4A, 5B chưa khóa" in refused.content.decode()
    ghki = _period(world, "GHKI")
    client.post(f"{url}{ghki.pk}/", {"action": "release"})
    assert released_periods(world.pupil_a) == [ghki]
    assert "Đã công bố lúc" in client.get(url).content.decode()
    client.post(f"{url}{ghki.pk}/", {"action": "withdraw", "reason": "Kiểm tra lại"})
    assert released_periods(world.pupil_a) == []
    school_page = client.get(f"/truong/{world.school.pk}/").content.decode()
    assert f'href="{url}"' in school_page


def test_results_version_changes_with_every_change_the_parents_would_see(world: World) -> None:
    from hocbaso.assessment.released_results import results_version

    _fill_ghki(world, [world.pupil_a])
    ghki = _period(world, "GHKI")
    assert results_version(world.pupil_a, ghki) is None  # not released
    release_period(world.school, ghki, acting_user=world.user("principal"))
    first = results_version(world.pupil_a, ghki)
    assert first is not None
    assert results_version(world.pupil_a, ghki) == first  # stable while nothing changes
    fill(world.class_4a, {world.pupil_a: Marks(grade=4, period="GHKI", level="H")}, "GHKI")
    second = results_version(world.pupil_a, ghki)
    assert second not in (None, first)
    withdraw_release(world.school, ghki, reason="Kiểm tra", acting_user=world.user("principal"))
    assert results_version(world.pupil_a, ghki) is None
    release_period(world.school, ghki, acting_user=world.user("principal"))
    assert results_version(world.pupil_a, ghki) not in (None, first, second)
    with CaptureQueriesContext(connection) as queries:
        results_version(world.pupil_a, ghki)
    assert len(queries) == 1


def test_results_version_at_cn_follows_year_end_decisions(world: World) -> None:
    from hocbaso.assessment.actions.year_end import (
        CommendationInput,
        record_commendation,
        void_commendation,
    )
    from hocbaso.assessment.released_results import results_version

    may = dt.datetime(2027, 5, 26, 9, tzinfo=LOCAL_TZ)
    with time_machine.travel(may, tick=False):
        fill(world.class_4a, {world.pupil_a: Marks(grade=4)})
        cn = _period(world, "CN")
        release_period(world.school, cn, acting_user=world.user("principal"))
        before = results_version(world.pupil_a, cn)
        commendation = record_commendation(
            world.class_4a.pk,
            world.pupil_a.pk,
            CommendationInput(kind="dot_xuat", text="Cứu bạn đuối nước", awarded_on=may.date()),
            acting_user=world.user("homeroom_4a"),
        )
        with_award = results_version(world.pupil_a, cn)
        void_commendation(
            world.class_4a.pk, commendation.pk, "Nhầm", acting_user=world.user("homeroom_4a")
        )
        voided = results_version(world.pupil_a, cn)
        results = results_for(world.pupil_a, cn)
    assert len({before, with_award, voided}) == 3
    assert results is not None
    assert results.year_end is not None
    assert results.year_end.awards == ("Học sinh Xuất sắc",)

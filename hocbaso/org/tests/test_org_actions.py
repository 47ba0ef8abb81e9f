from __future__ import annotations

import datetime as dt

import pytest

from hocbaso.audit.actors import SEED
from hocbaso.audit.models import AuditEvent
from hocbaso.org import actions
from hocbaso.org.models import Period, School, SchoolName

pytestmark = pytest.mark.django_db


def test_a_renamed_school_keeps_its_old_name_for_earlier_dates(world) -> None:
    # given a school named since 2000, renamed on 1 July 2025 (district names removed)
    actions.rename_school(
        world.school.pk,
        new_name="Trường Tiểu học Đô Vinh 2",
        valid_from=dt.date(2025, 7, 1),
        decision="QĐ 123/QĐ-UBND",
        acting_user=SEED,
    )
    # when names are asked for dates around the change
    school = School.objects.get(pk=world.school.pk)
    # then each date gets the name valid on it
    assert school.name_on(dt.date(2025, 6, 30)) == "Trường Tiểu học Đô Vinh"
    assert school.name_on(dt.date(2025, 7, 1)) == "Trường Tiểu học Đô Vinh 2"
    assert school.name == "Trường Tiểu học Đô Vinh 2"
    assert SchoolName.objects.filter(school=school).count() == 2
    event = AuditEvent.objects.get(action="org.school_renamed")
    assert event.data["old"] == {"name": "Trường Tiểu học Đô Vinh"}


def test_a_rename_dated_before_the_current_name_is_refused(world) -> None:
    with pytest.raises(actions.OrgError, match="phải sau ngày bắt đầu"):
        actions.rename_school(
            world.school.pk,
            new_name="X",
            valid_from=dt.date(1999, 1, 1),
            decision="",
            acting_user=SEED,
        )
    assert School.objects.get(pk=world.school.pk).name == "Trường Tiểu học Đô Vinh"


def test_a_school_year_has_four_periods_in_order(world) -> None:
    periods = list(Period.objects.filter(school_year=world.year).order_by("order"))
    assert [p.code for p in periods] == ["GHKI", "CHKI", "GHKII", "CN"]
    assert all(p.entry_opens_on < p.entry_deadline for p in periods)
    assert world.year.code == "2026-2027"


@pytest.mark.parametrize(
    ("_case", "grade", "name", "message"),
    [
        ("grade 0 does not exist", 0, "0A", "Khối lớp phải từ 1 đến 5."),
        ("grade 6 is secondary school", 6, "6A", "Khối lớp phải từ 1 đến 5."),
        ("a class name is unique per year", 4, "4A", "Lớp «4A» đã có trong năm học 2026-2027."),
    ],
)
def test_bad_classes_are_refused_and_nothing_is_written(world, _case, grade, name, message) -> None:
    before = AuditEvent.objects.count()
    with pytest.raises(actions.OrgError) as excinfo:
        actions.create_class(
            school=world.school, school_year=world.year, grade=grade, name=name, acting_user=SEED
        )
    assert str(excinfo.value) == message
    assert AuditEvent.objects.count() == before


def test_only_system_administrators_change_the_organisation(world) -> None:
    with pytest.raises(actions.OrgError, match="Chỉ quản trị hệ thống"):
        actions.create_class(
            school=world.school,
            school_year=world.year,
            grade=3,
            name="3A",
            acting_user=world.user("principal"),
        )

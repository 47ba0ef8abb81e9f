"""Query budgets of the class's «Phản ánh của phụ huynh» list and consent status: the same
with 3 and with 30 pupils (style.md habit 15)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from hocbaso.audit.actors import SEED
from hocbaso.people.actions.students import create_student
from hocbaso.people.models import ConsentRecord, Guardian, ProfileReport, Student
from hocbaso.people.tests.world import World, pupil_values

pytestmark = pytest.mark.django_db

# Session and user, the viewer's scope read twice (the class's access, then the right to edit its
# pupils: 5 queries each), the class, the page's own data (2), the session save (3).
REPORT_LIST = 17  # with the first request's session-limits read
CONSENT_BOARD = (
    14  # a second request within a minute: no session save (- 3); pupils still in the class (+ 1)
)


def _fill(world: World, size: int) -> list[Student]:
    pupils = [world.pupil_a]
    for n in range(1, size):
        pupils.append(
            create_student(
                pupil_values(f"Trần Học Sinh {n:02d}"), world.class_4a.pk,
                enrolled_on=dt.date(2026, 9, 5), acting_user=SEED,
            )
        )  # fmt: skip
    parent = world.user("parent_a")
    now = timezone.now()
    for n, pupil in enumerate(pupils):
        ProfileReport.objects.create(
            student=pupil, field="hometown" if n % 2 else "birth_date", reported_value="x",
            comment="Sai", reporter=parent, reported_at=now,
        )  # fmt: skip
        guardian = Guardian.objects.filter(student=pupil).first()
        ConsentRecord.objects.create(
            student=pupil, purpose="photo_publication", text_version=1, text_sha256="0" * 64,
            subject="parent", decision="granted", guardian=guardian, recorded_by=parent,
        )  # fmt: skip
    return pupils


@pytest.mark.parametrize("size", [3, 30])
def test_report_list_and_consent_board_do_not_grow_with_the_class(
    world: World, django_assert_num_queries: DjangoAssertNumQueries, size: int
) -> None:
    _fill(world, size)
    teacher = Client()
    teacher.force_login(world.user("homeroom_4a"))
    with django_assert_num_queries(REPORT_LIST):
        reports = teacher.get(f"/lop/{world.class_4a.pk}/phan-anh/")
    with django_assert_num_queries(CONSENT_BOARD):
        consent = teacher.get(f"/lop/{world.class_4a.pk}/dong-y/")
    assert reports.content.decode().count('data-testid="report-row"') == size
    assert consent.content.decode().count('data-testid="consent-row"') == size
    assert reports.content.decode().count(">Sửa hồ sơ</a>") == size

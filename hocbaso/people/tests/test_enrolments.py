from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from hocbaso.audit.actors import SEED
from hocbaso.audit.models import AuditEvent
from hocbaso.org import actions as org_actions
from hocbaso.people.actions.enrolments import enrol_student, record_transfer_out
from hocbaso.people.errors import ActionError
from hocbaso.people.models import Enrolment

pytestmark = pytest.mark.django_db


def test_a_transferred_pupil_leaves_the_roster_but_keeps_the_history(world) -> None:
    # given pupil A in 4A
    enrolment = Enrolment.objects.get(student=world.pupil_a, class_group=world.class_4a)
    # when the principal records the transfer out
    record_transfer_out(
        enrolment.pk,
        transfer_out_on=dt.date(2026, 12, 1),
        destination="Trường Tiểu học Phước Dân",
        acting_user=world.user("principal"),
    )
    # then the roster no longer lists the pupil, the homeroom teacher loses access,
    # and the enrolment row is kept with its dates
    client = Client()
    client.force_login(world.user("homeroom_4a"))
    assert "Lê Minh An" not in client.get(f"/lop/{world.class_4a.pk}/").content.decode()
    assert client.get(f"/hoc-sinh/{world.pupil_a.pk}/").status_code == 404
    kept = Enrolment.objects.get(pk=enrolment.pk)
    assert (kept.transfer_out_on, kept.transfer_out_to) == (
        dt.date(2026, 12, 1),
        "Trường Tiểu học Phước Dân",
    )
    event = AuditEvent.objects.get(action="student.transferred_out")
    assert event.data["new"] == {"transfer_out_on": "2026-12-01", "to": "Trường Tiểu học Phước Dân"}


def test_a_transfer_cannot_be_recorded_twice_or_by_a_teacher(world) -> None:
    enrolment = Enrolment.objects.get(student=world.pupil_a, class_group=world.class_4a)
    with pytest.raises(ActionError, match="Chỉ Ban giám hiệu"):
        record_transfer_out(
            enrolment.pk,
            transfer_out_on=dt.date(2026, 12, 1),
            destination="X",
            acting_user=world.user("homeroom_4a"),
        )
    record_transfer_out(
        enrolment.pk, transfer_out_on=dt.date(2026, 12, 1), destination="X", acting_user=SEED
    )
    with pytest.raises(ActionError, match="đã được ghi nhận chuyển đi"):
        record_transfer_out(
            enrolment.pk, transfer_out_on=dt.date(2026, 12, 2), destination="Y", acting_user=SEED
        )
    assert AuditEvent.objects.filter(action="student.transferred_out").count() == 1


def test_a_pupil_is_in_one_class_per_year(world) -> None:
    other = org_actions.create_class(
        school=world.school, school_year=world.year, grade=4, name="4B", acting_user=SEED
    )
    with pytest.raises(ActionError, match="đang học một lớp khác trong năm học 2026-2027"):
        enrol_student(
            world.pupil_a.pk, other.pk, enrolled_on=dt.date(2026, 10, 1), acting_user=SEED
        )
    assert Enrolment.objects.filter(student=world.pupil_a).count() == 1


def test_a_pupil_of_another_school_cannot_be_put_in_a_class(world) -> None:
    with pytest.raises(ActionError, match="chưa thuộc trường của lớp này"):
        enrol_student(
            world.canary.pk, world.class_4a.pk, enrolled_on=dt.date(2026, 10, 1), acting_user=SEED
        )

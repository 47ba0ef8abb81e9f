from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from hocbaso.audit.actors import SEED
from hocbaso.audit.log import chain_for_school
from hocbaso.audit.models import AuditEvent
from hocbaso.org import actions as org_actions
from hocbaso.people.actions.enrolments import enrol_student, record_transfer_out
from hocbaso.people.actions.students import admit_transferred_student
from hocbaso.people.errors import ActionError
from hocbaso.people.models import Enrolment, Student
from hocbaso.people.tests.world import pupil_values

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


DAY_IN = dt.date(2026, 12, 7)


def test_a_pupil_transferred_in_from_outside_is_created_and_enrolled_with_its_events(
    world,
) -> None:
    # when the other school's principal admits a pupil this installation does not know
    enrolment = admit_transferred_student(
        world.class_1a_other.pk,
        transfer_in_from="Trường Tiểu học Xa Lạ",
        enrolled_on=DAY_IN,
        acting_user=world.user("other_principal"),
        profile=pupil_values("Đỗ Văn Mới", personal_id="058216000123"),
        moet_code="5800000123",
    )
    # then a new pupil at that school, enrolled as a transfer in
    pupil = Student.objects.get(pk=enrolment.student_id)
    assert (pupil.school_id, pupil.full_name, pupil.moet_code) == (
        world.other_school.pk,
        "Đỗ Văn Mới",
        "5800000123",
    )
    assert (enrolment.transfer_in_on, enrolment.transfer_in_from) == (
        DAY_IN,
        "Trường Tiểu học Xa Lạ",
    )
    # and the people events of the creation and the enrolment, in the school's chain
    events = AuditEvent.objects.filter(subject_type="people.student", subject_id=str(pupil.pk))
    assert list(events.order_by("pk").values_list("action", "chain")) == [
        ("student.created", chain_for_school(world.other_school.pk)),
        ("student.enrolled", chain_for_school(world.other_school.pk)),
    ]
    created = events.get(action="student.created")
    assert created.data["transfer_in_from"] == "Trường Tiểu học Xa Lạ"
    assert created.data["new"]["personal_id"] == "(đã nhập)"  # never in clear


def test_a_pupil_of_another_school_moves_in_only_once_transferred_out(world) -> None:
    receiver = world.user("other_principal")
    admit = {
        "transfer_in_from": world.school.name,
        "enrolled_on": DAY_IN,
        "acting_user": receiver,
        "student_id": world.pupil_a.pk,
    }
    events = AuditEvent.objects.count()
    # given pupil A still enrolled at Đô Vinh: refused, nothing changed
    with pytest.raises(ActionError, match="chưa ghi nhận học sinh chuyển đi"):
        admit_transferred_student(world.class_1a_other.pk, **admit)
    assert Student.objects.get(pk=world.pupil_a.pk).school_id == world.school.pk
    assert AuditEvent.objects.count() == events
    # when Đô Vinh records the transfer out, then Phước Dân admits the pupil
    enrolment = Enrolment.objects.get(student=world.pupil_a, class_group=world.class_4a)
    record_transfer_out(
        enrolment.pk, transfer_out_on=DAY_IN, destination="Phước Dân", acting_user=SEED
    )
    admitted = admit_transferred_student(world.class_1a_other.pk, **admit)
    # then the same pupil, now of Phước Dân, with the move and the enrolment audited there
    assert admitted.student_id == world.pupil_a.pk
    assert Student.objects.get(pk=world.pupil_a.pk).school_id == world.other_school.pk
    moved = AuditEvent.objects.get(action="student.transferred_in")
    assert (moved.subject_id, moved.chain) == (
        str(world.pupil_a.pk),
        chain_for_school(world.other_school.pk),
    )
    assert (moved.data["old"]["school_code"], moved.data["new"]["school_code"]) == (
        "TH-DV",
        "TH-PD",
    )
    assert list(AuditEvent.objects.order_by("-pk").values_list("action", flat=True)[:2]) == [
        "student.enrolled",
        "student.transferred_in",
    ]


def test_admitting_a_transferred_pupil_is_refused_to_a_teacher_and_without_the_old_school(
    world,
) -> None:
    pupils, events = Student.objects.count(), AuditEvent.objects.count()
    for persona, source, reason in (
        ("homeroom_4a", "Trường Tiểu học Xa Lạ", "Chỉ Ban giám hiệu"),
        ("principal", "Trường Tiểu học Xa Lạ", "Chỉ Ban giám hiệu"),  # not their school
        ("other_principal", "  ", "Cần ghi rõ trường chuyển đi"),
    ):
        with pytest.raises(ActionError, match=reason):
            admit_transferred_student(
                world.class_1a_other.pk,
                transfer_in_from=source,
                enrolled_on=DAY_IN,
                acting_user=world.user(persona),
                profile=pupil_values("Đỗ Văn Mới"),
            )
    assert (Student.objects.count(), AuditEvent.objects.count()) == (pupils, events)


def _last_year_class(world, *, start_year: int = 2025, grade: int = 3, name: str = "3A"):
    year = org_actions.create_school_year(
        province=world.province, start_year=start_year, acting_user=SEED
    )
    return org_actions.create_class(
        school=world.school, school_year=year, grade=grade, name=name, acting_user=SEED
    )


def test_a_pupil_promoted_last_year_moves_in_once_this_years_class_is_left(world) -> None:
    # given pupil A of 3A in 2025-2026 (that enrolment never closed), now of 4A, and Đô Vinh
    # recording the transfer out of 4A
    last_year = enrol_student(
        world.pupil_a.pk,
        _last_year_class(world).pk,
        enrolled_on=dt.date(2025, 9, 5),
        acting_user=SEED,
    )
    this_year = Enrolment.objects.get(student=world.pupil_a, class_group=world.class_4a)
    record_transfer_out(
        this_year.pk, transfer_out_on=DAY_IN, destination="Phước Dân", acting_user=SEED
    )
    # when Phước Dân admits the pupil
    admitted = admit_transferred_student(
        world.class_1a_other.pk,
        transfer_in_from=world.school.name,
        enrolled_on=DAY_IN,
        acting_user=world.user("other_principal"),
        student_id=world.pupil_a.pk,
    )
    # then the pupil moved; last year's enrolment is history, left as it was
    assert admitted.student_id == world.pupil_a.pk
    assert Student.objects.get(pk=world.pupil_a.pk).school_id == world.other_school.pk
    assert Enrolment.objects.get(pk=last_year.pk).transfer_out_on is None

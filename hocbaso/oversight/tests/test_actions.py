"""The plan's records: Quy chế upload (PDF only, size limit, void and replace), training
sessions and attendance, each audited; refusals in Vietnamese change nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from hocbaso.audit.models import AuditEvent
from hocbaso.oversight import actions
from hocbaso.oversight.models import SchoolRegulation, TrainingAttendance, TrainingSession
from hocbaso.oversight.storage import MAX_BYTES, REGULATION_FILES
from hocbaso.people.errors import ActionError
from hocbaso.people.tests.world import World

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% quy che\n"
ADOPTED = dt.date(2026, 9, 1)


def test_principal_uploads_and_replaces_the_quy_che(world: World) -> None:
    principal = world.user("principal")
    first = actions.upload_regulation(
        world.school, title="Quy chế 2026", adopted_on=ADOPTED, data=PDF, acting_user=principal
    )
    second = actions.upload_regulation(
        world.school,
        title=" Quy chế sửa đổi ",
        adopted_on=ADOPTED,
        data=PDF + b"v2",
        acting_user=principal,
    )
    first.refresh_from_db()
    assert first.voided_at is not None
    assert second.supersedes == first
    assert second.title == "Quy chế sửa đổi"
    assert REGULATION_FILES.read(second.sha256) == PDF + b"v2"
    assert list(SchoolRegulation.objects.filter(school=world.school, voided_at__isnull=True)) == [
        second
    ]
    events = AuditEvent.objects.filter(action="oversight.regulation_uploaded")
    assert events.count() == 2


@pytest.mark.parametrize(
    ("data", "title", "adopted_on", "message"),
    [
        (b"PK\x03\x04 not a pdf", "Quy chế", ADOPTED, actions.MSG_NOT_PDF),
        (b"", "Quy chế", ADOPTED, actions.MSG_EMPTY),
        (b"%PDF-" + b"0" * MAX_BYTES, "Quy chế", ADOPTED, actions.MSG_TOO_BIG),
        (PDF, "  ", ADOPTED, actions.MSG_TITLE),
        (PDF, "Quy chế", dt.date(2099, 1, 1), actions.MSG_FUTURE),
    ],
)
def test_a_bad_upload_is_refused_in_vietnamese(
    world: World, data: bytes, title: str, adopted_on: dt.date, message: str
) -> None:
    with pytest.raises(ActionError) as exc:
        actions.upload_regulation(
            world.school,
            title=title,
            adopted_on=adopted_on,
            data=data,
            acting_user=world.user("principal"),
        )
    assert exc.value.messages == [message]
    assert SchoolRegulation.objects.count() == 0
    assert AuditEvent.objects.filter(action="oversight.regulation_uploaded").count() == 0


@pytest.mark.parametrize("persona", ["homeroom_4a", "province_officer", "other_principal"])
def test_only_the_school_management_uploads(world: World, persona: str) -> None:
    with pytest.raises(ActionError) as exc:
        actions.upload_regulation(
            world.school, title="Q", adopted_on=ADOPTED, data=PDF, acting_user=world.user(persona)
        )
    assert exc.value.messages == [actions.MSG_NOT_MANAGER]


def test_commune_officer_records_a_session_and_marks_attendance(world: World) -> None:
    officer = world.user("commune_officer")
    session = actions.create_training_session(
        held_on=ADOPTED, topic="Học bạ số", commune=world.commune, acting_user=officer
    )
    teacher, principal = world.user("homeroom_4a"), world.user("principal")
    changed = actions.mark_attendance(
        session, {teacher.pk: True, principal.pk: False}, acting_user=officer
    )
    again = actions.mark_attendance(
        session, {teacher.pk: True, principal.pk: True}, acting_user=officer
    )
    assert (changed, again) == (2, 1)
    assert set(
        TrainingAttendance.objects.filter(session=session).values_list("user_id", "attended")
    ) == {(teacher.pk, True), (principal.pk, True)}
    last = AuditEvent.objects.filter(action="oversight.attendance_marked").order_by("pk").last()
    assert last is not None
    assert last.data["changes"] == [{"user": principal.pk, "old": False, "new": True}]


def test_attendance_is_only_for_staff_of_the_organiser(world: World) -> None:
    officer = world.user("commune_officer")
    session = actions.create_training_session(
        held_on=ADOPTED, topic="Học bạ số", commune=world.commune, acting_user=officer
    )
    with pytest.raises(ActionError) as exc:  # the other school is in the other commune
        actions.mark_attendance(
            session, {world.user("other_principal").pk: True}, acting_user=officer
        )
    assert exc.value.messages == [actions.MSG_NOT_STAFF]
    assert TrainingAttendance.objects.count() == 0


@pytest.mark.parametrize("persona", ["inspector", "principal", "commune_officer"])
def test_only_the_sos_officers_record_its_sessions(world: World, persona: str) -> None:
    with pytest.raises(ActionError) as exc:
        actions.create_training_session(
            held_on=ADOPTED, topic="T", province=world.province, acting_user=world.user(persona)
        )
    assert exc.value.messages == [actions.MSG_NOT_ORGANISER]
    assert TrainingSession.objects.count() == 0


def test_a_session_needs_a_topic(world: World) -> None:
    with pytest.raises(ActionError) as exc:
        actions.create_training_session(
            held_on=ADOPTED,
            topic=" ",
            province=world.province,
            acting_user=world.user("province_officer"),
        )
    assert exc.value.messages == [actions.MSG_TOPIC]

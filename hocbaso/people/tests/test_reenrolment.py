"""A pupil who left a class and comes back to the same class in the same school year.

The old enrolment is history (it keeps its transfer-out date); the return is a new enrolment.
One pupil has at most one open enrolment per class (a database constraint).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from hocbaso.assessment.actions.save_sheet import CellInput, save_sheet
from hocbaso.audit.actors import SEED
from hocbaso.audit.models import AuditEvent
from hocbaso.people.actions.enrolments import enrol_student, record_transfer_out
from hocbaso.people.actions.parent_feedback import reject_profile_report, report_profile_error
from hocbaso.people.current_enrolment import current_enrolment
from hocbaso.people.errors import ActionError
from hocbaso.people.models import Enrolment
from hocbaso.records.transfer.contents import summary_rows

pytestmark = pytest.mark.django_db

LEFT_ON = dt.date(2026, 11, 2)
BACK_ON = dt.date(2027, 1, 4)


def _leave_4a(world) -> Enrolment:
    enrolment = Enrolment.objects.get(student=world.pupil_a, class_group=world.class_4a)
    Enrolment.objects.filter(pk=enrolment.pk).update(register_number="012/2026")
    return record_transfer_out(
        enrolment.pk,
        transfer_out_on=LEFT_ON,
        destination="Trường Tiểu học Phước Dân",
        acting_user=world.user("principal"),
    )


def _back_to_4a(world) -> Enrolment:
    return enrol_student(
        world.pupil_a.pk,
        world.class_4a.pk,
        enrolled_on=BACK_ON,
        acting_user=world.user("principal"),
        register_number="031/2027",
        transfer_in_from="Trường Tiểu học Phước Dân",
    )


def test_a_pupil_who_left_4a_comes_back_to_4a_the_same_year(world) -> None:
    # given pupil A transferred out of 4A
    old = _leave_4a(world)
    # when the principal enrols the pupil in 4A again
    new = _back_to_4a(world)
    # then a new enrolment, the old one kept as it was (history)
    assert new.pk != old.pk
    kept = Enrolment.objects.get(pk=old.pk)
    assert (kept.transfer_out_on, kept.transfer_out_to, kept.register_number) == (
        LEFT_ON,
        "Trường Tiểu học Phước Dân",
        "012/2026",
    )
    assert (new.transfer_out_on, new.transfer_in_on, new.transfer_in_from) == (
        None,
        BACK_ON,
        "Trường Tiểu học Phước Dân",
    )
    # and the new one is the pupil's current enrolment
    found = current_enrolment(world.pupil_a.pk, world.school.pk)
    assert found is not None
    assert found.pk == new.pk
    # and the return is audited like any enrolment
    event = AuditEvent.objects.filter(action="student.enrolled").latest("pk")
    assert (event.subject_id, event.data["new"]) == (
        str(world.pupil_a.pk),
        {
            "class": "4A",
            "year": "2026-2027",
            "enrolled_on": "2027-01-04",
            "transfer_in_from": "Trường Tiểu học Phước Dân",
        },
    )


def test_a_pupil_still_in_4a_cannot_be_enrolled_in_4a_again(world) -> None:
    events = AuditEvent.objects.count()
    # through the action: refused in Vietnamese, nothing written
    with pytest.raises(ActionError, match="^Học sinh đang học lớp 4A.$"):
        enrol_student(world.pupil_a.pk, world.class_4a.pk, enrolled_on=BACK_ON, acting_user=SEED)
    assert AuditEvent.objects.count() == events
    # and by the database: two open enrolments of one pupil in one class
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrolment.objects.create(
            student=world.pupil_a, class_group=world.class_4a, enrolled_on=BACK_ON
        )
    # once back, the pupil cannot be enrolled a third time either
    _leave_4a(world)
    _back_to_4a(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrolment.objects.create(
            student=world.pupil_a, class_group=world.class_4a, enrolled_on=BACK_ON
        )
    assert Enrolment.objects.filter(student=world.pupil_a, class_group=world.class_4a).count() == 2


def test_the_roster_shows_the_returning_pupil_once_with_the_new_register_number(world) -> None:
    # given pupil A left 4A (register number 012/2026) and came back (031/2027)
    _leave_4a(world)
    _back_to_4a(world)
    client = Client()
    client.force_login(world.user("principal"))
    # when the class roster is read
    roster = client.get(f"/lop/{world.class_4a.pk}/").content.decode()
    # then the pupil once, with the open enrolment's number, never the closed one's
    assert roster.count("Lê Minh An") == 1
    assert "031/2027" in roster
    assert "012/2026" not in roster
    # and the pupil's page lists both enrolments, the return first
    page = client.get(f"/hoc-sinh/{world.pupil_a.pk}/").content.decode()
    assert page.index("031/2027") < page.index("012/2026")


def test_the_returning_pupils_earlier_entries_are_on_the_sheet_again(world) -> None:
    # given a maths level and score entered for pupil A before leaving 4A
    save_sheet(
        world.class_4a.pk, "CHKI", "toan", [CellInput(world.pupil_a.pk, "toan", "T", "9")],
        base_version=0, idempotency_key="truoc-khi-di", acting_user=world.user("homeroom_4a"),
    )  # fmt: skip
    _leave_4a(world)
    client = Client()
    client.force_login(world.user("homeroom_4a"))
    url = f"/lop/{world.class_4a.pk}/so-diem/CHKI/toan/"
    assert f'"{world.pupil_a.pk}|toan"' not in client.get(url).content.decode()
    # when the pupil comes back to 4A
    _back_to_4a(world)
    # then the sheet shows the pupil's row with the values entered before
    grid = client.get(url).content.decode()
    assert f'"{world.pupil_a.pk}|toan": {{"level": "T", "score": 9' in grid


def test_a_decided_report_is_listed_once_for_a_pupil_who_came_back(world) -> None:
    # given a parent's report on pupil A, rejected, then pupil A left 4A and came back
    report = report_profile_error(
        world.pupil_a.pk, "hometown", "Quê ở Ninh Hải", acting_user=world.user("parent_a")
    )
    reject_profile_report(
        report.pk, "Giấy khai sinh ghi đúng như hồ sơ", acting_user=world.user("homeroom_4a")
    )
    _leave_4a(world)
    _back_to_4a(world)
    client = Client()
    client.force_login(world.user("homeroom_4a"))
    # when 4A's reports page is read
    page = client.get(f"/lop/{world.class_4a.pk}/phan-anh/").content.decode()
    # then the decision once, not once per enrolment of the pupil in 4A
    assert page.count("Giấy khai sinh ghi đúng như hồ sơ") == 1


def test_the_transfer_package_summary_has_one_row_per_class_and_period(world) -> None:
    # given a maths result in 4A at mid-term I, then pupil A left 4A and came back
    save_sheet(
        world.class_4a.pk, "CHKI", "toan", [CellInput(world.pupil_a.pk, "toan", "T", "9")],
        base_version=0, idempotency_key="truoc-khi-di", acting_user=world.user("homeroom_4a"),
    )  # fmt: skip
    _leave_4a(world)
    _back_to_4a(world)
    # when the package's summary rows are built
    rows = summary_rows(world.pupil_a, world.school)
    # then each period of 4A with results once (CN lists the year-end columns), not once per
    # enrolment in 4A
    assert [(r["class"], r["period"]) for r in rows] == [("4A", "CHKI"), ("4A", "CN")]

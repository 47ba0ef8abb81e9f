"""Enrolment of a pupil in a class, and transfers out of the school.

A transfer never deletes the enrolment: it records the date and destination, the pupil leaves
the class roster from that day, and the pages already issued stay as they are.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from hocbaso.audit.actors import SystemActor
from hocbaso.audit.log import log
from hocbaso.org.models import ClassGroup
from hocbaso.people import access
from hocbaso.people.errors import ActionError
from hocbaso.people.models import Enrolment, Student
from hocbaso.people.profile_validation import nfc


def _ensure_manages_school(actor: Any, class_group: ClassGroup) -> None:
    if isinstance(actor, SystemActor):
        return
    if not access.can_manage_school(actor, class_group.school):
        raise ActionError("Chỉ Ban giám hiệu hoặc quản trị nhà trường được xếp lớp, chuyển trường.")


@transaction.atomic
def enrol_student(
    student_id: int,
    class_group_id: int,
    *,
    enrolled_on: dt.date,
    acting_user: Any,
    register_number: str = "",
    transfer_in_from: str = "",
) -> Enrolment:
    """Put a pupil of the school in a class (a new year's class, or a transfer in)."""
    student = Student.objects.select_for_update().get(pk=student_id)
    class_group = ClassGroup.objects.select_related("school", "school_year").get(pk=class_group_id)
    _ensure_manages_school(acting_user, class_group)
    if class_group.school_id != student.school_id:
        raise ActionError(
            "Học sinh chưa thuộc trường của lớp này; hãy tiếp nhận chuyển trường trước."
        )
    # One open enrolment per school year. A pupil who left a class (transfer out) may come
    # back to it: a new enrolment; the old one keeps its transfer-out date (history).
    same_year = Enrolment.objects.filter(
        student=student,
        class_group__school_year=class_group.school_year,
        transfer_out_on__isnull=True,
    )
    if same_year.filter(class_group=class_group).exists():
        raise ActionError(f"Học sinh đang học lớp {class_group.name}.")
    if same_year.exists():
        raise ActionError(
            f"Học sinh đang học một lớp khác trong năm học {class_group.school_year.code}."
        )
    enrolment = Enrolment.objects.create(
        student=student,
        class_group=class_group,
        enrolled_on=enrolled_on,
        register_number=nfc(register_number),
        transfer_in_on=enrolled_on if transfer_in_from else None,
        transfer_in_from=nfc(transfer_in_from),
    )
    log(
        "student.enrolled",
        actor=acting_user,
        subject=student,
        school_id=student.school_id,
        data={
            "new": {
                "class": class_group.name,
                "year": class_group.school_year.code,
                "enrolled_on": enrolled_on.isoformat(),
                "transfer_in_from": enrolment.transfer_in_from,
            }
        },
    )
    return enrolment


@transaction.atomic
def record_transfer_out(
    enrolment_id: int, *, transfer_out_on: dt.date, destination: str, acting_user: Any
) -> Enrolment:
    enrolment = (
        Enrolment.objects.select_for_update()
        .select_related("class_group__school", "student")
        .get(pk=enrolment_id)
    )
    _ensure_manages_school(acting_user, enrolment.class_group)
    if enrolment.transfer_out_on is not None:
        raise ActionError("Học sinh đã được ghi nhận chuyển đi.")
    if transfer_out_on < enrolment.enrolled_on:
        raise ActionError("Ngày chuyển đi không thể trước ngày nhập học.")
    destination = nfc(destination)
    if not destination:
        raise ActionError("Cần ghi rõ trường chuyển đến.")
    enrolment.transfer_out_on = transfer_out_on
    enrolment.transfer_out_to = destination
    enrolment.save(update_fields=["transfer_out_on", "transfer_out_to"])
    log(
        "student.transferred_out",
        actor=acting_user,
        subject=enrolment.student,
        school_id=enrolment.class_group.school_id,
        data={
            "old": {"class": enrolment.class_group.name},
            "new": {"transfer_out_on": transfer_out_on.isoformat(), "to": destination},
        },
    )
    return enrolment

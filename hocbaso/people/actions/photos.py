from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from hocbaso.audit.actors import SystemActor
from hocbaso.audit.log import log
from hocbaso.people import access
from hocbaso.people.models import Student, StudentPhoto
from hocbaso.people.photo_storage import normalise_photo, store_photo


@transaction.atomic
def set_student_photo(student_id: int, data: bytes, *, acting_user: Any) -> StudentPhoto:
    """Replace the pupil's photo; the previous one is voided, never deleted."""
    student = Student.objects.select_for_update().get(pk=student_id)
    if not isinstance(acting_user, SystemActor):
        access.access_student_for_user(acting_user, student.pk, write=True)
    jpeg, width, height = normalise_photo(data)
    digest = store_photo(jpeg)
    previous = list(StudentPhoto.objects.filter(student=student, voided_at__isnull=True))
    StudentPhoto.objects.filter(pk__in=[p.pk for p in previous]).update(voided_at=timezone.now())
    photo = StudentPhoto.objects.create(
        student=student,
        sha256=digest,
        width=width,
        height=height,
        created_by=None if isinstance(acting_user, SystemActor) else acting_user,
    )
    log(
        "student.photo_set",
        actor=acting_user,
        subject=student,
        school_id=student.school_id,
        data={"old": {"sha256": [p.sha256 for p in previous]}, "new": {"sha256": digest}},
    )
    return photo


@transaction.atomic
def record_photo_view(student: Student, *, acting_user: Any) -> StudentPhoto | None:
    """A read of a photo is logged (ASVS 16.3.2-L3, security.md B5)."""
    photo = StudentPhoto.objects.filter(student=student, voided_at__isnull=True).first()
    if photo is not None:
        log("student.photo_viewed", actor=acting_user, subject=student, school_id=student.school_id)
    return photo


@transaction.atomic
def record_personal_id_view(student: Student, *, acting_user: Any) -> str | None:
    """A read of the unmasked personal ID is logged; the number itself is never logged."""
    log(
        "student.personal_id_viewed",
        actor=acting_user,
        subject=student,
        school_id=student.school_id,
    )
    return student.personal_id

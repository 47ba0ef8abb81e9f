"""What is still missing or unverified in pupils' profiles (the plan requires 100 % complete,
verified profiles before any signing)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from hocbaso.people.models import FieldVerification, Student, StudentPhoto
from hocbaso.people.profile_fields import PROFILE_FIELDS, VERIFIABLE_FIELDS

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

PHOTO_LABEL = _("Ảnh 3×4")


@dataclass
class StudentCompleteness:
    student: Student
    missing: list[StrPromise] = field(default_factory=list)
    unverified: list[StrPromise] = field(default_factory=list)

    @property
    def is_complete(self) -> bool:
        return not self.missing and not self.unverified


def _is_missing(student: Student, name: str) -> bool:
    value = getattr(student, name)
    return value is None or (isinstance(value, str) and not value.strip())


def completeness_for(students: Iterable[Student]) -> list[StudentCompleteness]:
    """Completeness of each pupil, in three queries whatever the number of pupils."""
    students = list(students)
    ids = [s.pk for s in students]
    with_photo = set(
        StudentPhoto.objects.filter(student_id__in=ids, voided_at__isnull=True).values_list(
            "student_id", flat=True
        )
    )
    verified: dict[int, dict[str, set[str]]] = {}
    for student_id, field_name, value_hash in FieldVerification.objects.filter(
        student_id__in=ids
    ).values_list("student_id", "field", "value_hash"):
        verified.setdefault(student_id, {}).setdefault(field_name, set()).add(value_hash)
    result = []
    for student in students:
        entry = StudentCompleteness(student)
        for pf in PROFILE_FIELDS:
            if _is_missing(student, pf.name):
                entry.missing.append(pf.label)
            elif pf.name in VERIFIABLE_FIELDS:
                current = FieldVerification.hash_value(getattr(student, pf.name))
                if current not in verified.get(student.pk, {}).get(pf.name, set()):
                    entry.unverified.append(pf.label)
        if student.pk not in with_photo:
            entry.missing.append(PHOTO_LABEL)
        result.append(entry)
    return result


def is_field_verified(student: Student, name: str) -> bool:
    current = FieldVerification.hash_value(getattr(student, name))
    return FieldVerification.objects.filter(
        student=student, field=name, value_hash=current
    ).exists()

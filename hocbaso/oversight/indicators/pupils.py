"""Pupils per class: enrolled now, with a complete profile (every identity field filled, a 3×4
photo, a personal ID), with a photo, with a personal ID, with an issued học bạ (a current page
of that class sealed or sent on). One query grouped by class; `pupil_rows` gives one row per
pupil of a class, also in one query."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from django.db import models
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
)

from hocbaso.people.models import Enrolment, Student, StudentPhoto
from hocbaso.people.profile_fields import PROFILE_FIELDS
from hocbaso.records.models import RecordPage

ISSUED_STATES = (RecordPage.State.SEALED, RecordPage.State.SUBMITTED)


@dataclass(frozen=True)
class PupilCounts:
    pupils: int = 0
    complete: int = 0
    photo: int = 0
    personal_id: int = 0
    issued: int = 0


def _filled(prefix: str) -> Q:
    """Every identity field of the pupil filled (the people app's PROFILE_FIELDS)."""
    q = Q()
    for pf in PROFILE_FIELDS:
        field = Student._meta.get_field(pf.name)
        q &= Q(**{f"{prefix}{pf.name}__isnull": False})
        if isinstance(field, models.Field) and field.get_internal_type() in (
            "CharField",
            "TextField",
        ):
            q &= ~Q(**{f"{prefix}{pf.name}": ""})
    return q


def _has_photo(student_ref: str) -> Exists:
    return Exists(
        StudentPhoto.objects.filter(student=OuterRef(student_ref), voided_at__isnull=True)
    )


def _has_id(prefix: str) -> Q:
    return Q(**{f"{prefix}personal_id__isnull": False}) & ~Q(**{f"{prefix}personal_id": ""})


def _issued(student_ref: str, class_ref: str) -> Exists:
    return Exists(
        RecordPage.objects.filter(
            student=OuterRef(student_ref),
            class_group=OuterRef(class_ref),
            state__in=ISSUED_STATES,
        )
    )


def pupil_counts(class_ids: Collection[int]) -> dict[int, PupilCounts]:
    """{class id: counts} over pupils still enrolled (one query)."""
    rows = (
        Enrolment.objects.filter(class_group_id__in=list(class_ids), transfer_out_on__isnull=True)
        .annotate(
            has_photo=_has_photo("student_id"),
            issued=_issued("student_id", "class_group_id"),
        )
        .values("class_group_id")
        .annotate(
            n=Count("pk"),
            n_complete=Count(
                "pk", filter=_filled("student__") & Q(has_photo=True) & _has_id("student__")
            ),
            n_photo=Count("pk", filter=Q(has_photo=True)),
            n_id=Count("pk", filter=_has_id("student__")),
            n_issued=Count("pk", filter=Q(issued=True)),
        )
        .order_by()
    )
    return {
        r["class_group_id"]: PupilCounts(
            r["n"], r["n_complete"], r["n_photo"], r["n_id"], r["n_issued"]
        )
        for r in rows
    }


def pupil_rows(class_id: int) -> QuerySet[Student]:
    """The pupils of a class, each annotated complete / has_photo / has_id / issued."""
    in_class = Enrolment.objects.filter(
        student=OuterRef("pk"), class_group_id=class_id, transfer_out_on__isnull=True
    )
    return (
        Student.objects.filter(Exists(in_class))
        .annotate(
            has_photo=_has_photo("pk"),
            issued=Exists(
                RecordPage.objects.filter(
                    student=OuterRef("pk"), class_group_id=class_id, state__in=ISSUED_STATES
                )
            ),
        )
        .annotate(
            filled=ExpressionWrapper(_filled(""), output_field=BooleanField()),
            has_id=ExpressionWrapper(_has_id(""), output_field=BooleanField()),
        )
        .order_by("full_name", "pk")
    )

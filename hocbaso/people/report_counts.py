"""Open parents' reports per class: the badge on the homeroom teacher's screens.

A report belongs to the class of the pupil's current enrolment (`people.current_enrolment`):
a promoted pupil's report is on this year's list, not on last year's class's."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count

from hocbaso.people.current_enrolment import current_enrolments
from hocbaso.people.models import ProfileReport


def open_reports(class_id: int) -> list[ProfileReport]:
    return list(
        ProfileReport.objects.filter(
            status=ProfileReport.Status.OPEN,
            voided_at__isnull=True,
            student_id__in=current_enrolments()
            .filter(class_group_id=class_id)
            .values("student_id"),
        )
        .select_related("student", "reporter")
        .order_by("reported_at", "pk")
    )


def open_report_counts(class_ids: Iterable[int]) -> dict[int, int]:
    rows = (
        current_enrolments()
        .filter(
            class_group_id__in=list(class_ids),
            student__profile_reports__status=ProfileReport.Status.OPEN,
            student__profile_reports__voided_at__isnull=True,
        )
        .values("class_group_id")
        .annotate(n=Count("student__profile_reports"))
    )
    return {row["class_group_id"]: row["n"] for row in rows}

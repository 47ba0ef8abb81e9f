"""Open parents' reports per class: the badge on the homeroom teacher's screens."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count

from hocbaso.people.models import Enrolment, ProfileReport


def open_reports(class_id: int) -> list[ProfileReport]:
    return list(
        ProfileReport.objects.filter(
            status=ProfileReport.Status.OPEN,
            voided_at__isnull=True,
            student__enrolments__class_group_id=class_id,
            student__enrolments__transfer_out_on__isnull=True,
        )
        .select_related("student", "reporter")
        .order_by("reported_at", "pk")
    )


def open_report_counts(class_ids: Iterable[int]) -> dict[int, int]:
    rows = (
        Enrolment.objects.filter(
            class_group_id__in=list(class_ids),
            transfer_out_on__isnull=True,
            student__profile_reports__status=ProfileReport.Status.OPEN,
            student__profile_reports__voided_at__isnull=True,
        )
        .values("class_group_id")
        .annotate(n=Count("student__profile_reports"))
    )
    return {row["class_group_id"]: row["n"] for row in rows}

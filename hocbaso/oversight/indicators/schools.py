"""Per school: live on học bạ số (a sheet of the school year saved at least once: the school
is entering assessments in the system), and its current Quy chế (uploaded, dated). Two
queries whatever the number of schools."""

from __future__ import annotations

from collections.abc import Collection

from hocbaso.assessment.models import Sheet
from hocbaso.org.models import SchoolYear
from hocbaso.oversight.models import SchoolRegulation


def live_school_ids(school_ids: Collection[int], year: SchoolYear | None) -> set[int]:
    if year is None:
        return set()
    return set(
        Sheet.objects.filter(
            class_group__school_id__in=list(school_ids),
            class_group__school_year=year,
            version__gt=0,
        )
        .values_list("class_group__school_id", flat=True)
        .distinct()
    )


def current_regulations(school_ids: Collection[int]) -> dict[int, SchoolRegulation]:
    return {
        r.school_id: r
        for r in SchoolRegulation.objects.filter(
            school_id__in=list(school_ids), voided_at__isnull=True
        )
    }

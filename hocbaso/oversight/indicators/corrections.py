"""Correction rate per school, an integrity signal: correction requests filed after the lock
(withdrawn ones excluded) per 100 sheets of the school year. A school far above its peers
changes locked results often. Two queries grouped by school."""

from __future__ import annotations

from collections.abc import Collection

from django.db.models import Count

from hocbaso.assessment.models import CorrectionRequest, Sheet
from hocbaso.org.models import SchoolYear


def correction_counts(
    school_ids: Collection[int], year: SchoolYear | None
) -> dict[int, tuple[int, int]]:
    """{school id: (corrections, sheets)} in the school year."""
    if year is None:
        return {}
    ids = list(school_ids)
    sheets = dict(
        Sheet.objects.filter(class_group__school_id__in=ids, period__school_year=year)
        .values_list("class_group__school_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    corrections = dict(
        CorrectionRequest.objects.filter(school_id__in=ids, sheet__period__school_year=year)
        .exclude(status=CorrectionRequest.Status.WITHDRAWN)
        .values_list("school_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {s: (corrections.get(s, 0), sheets.get(s, 0)) for s in ids}

"""The school year and the assessment period the dashboards show: the province's year running
today (else its latest), and in it the last period whose entry has opened (else the first)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from hocbaso.org.models import Period, SchoolYear


@dataclass(frozen=True)
class Current:
    year: SchoolYear | None
    period: Period | None


def current_for(province_id: int, today: dt.date | None = None) -> Current:
    """Two queries."""
    today = today or timezone.localdate()
    years = list(SchoolYear.objects.filter(province_id=province_id).order_by("-starts_on"))
    running = [y for y in years if y.starts_on <= today <= y.ends_on]
    year = running[0] if running else (years[0] if years else None)
    if year is None:
        return Current(None, None)
    periods = list(Period.objects.filter(school_year=year).order_by("order"))
    opened = [p for p in periods if p.entry_opens_on <= today]
    period = opened[-1] if opened else (periods[0] if periods else None)
    if period is not None:
        period.school_year = year  # the board reads it; saves a query
    return Current(year, period)

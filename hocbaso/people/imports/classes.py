"""Which school year an import or export is about, and its classes looked up by name."""

from __future__ import annotations

import datetime as dt

from hocbaso.org.models import ClassGroup, School, SchoolYear
from hocbaso.people.profile_validation import nfc


def current_school_year(school: School, today: dt.date) -> SchoolYear | None:
    """The province's school year running on `today`; between two years (the summer, when
    classes are prepared), the next one to start."""
    years = SchoolYear.objects.filter(province_id=school.commune.province_id)
    running = years.filter(starts_on__lte=today, ends_on__gte=today).order_by("-starts_on").first()
    if running is not None:
        return running
    return years.filter(starts_on__gt=today).order_by("starts_on").first()


def class_key(name: str) -> str:
    return nfc(name).replace(" ", "").casefold()


def classes_by_name(school: School, year: SchoolYear) -> dict[str, ClassGroup]:
    """The school's classes of `year`, keyed by `class_key` ("4a" matches "4A" and "4 A")."""
    return {
        class_key(c.name): c
        for c in ClassGroup.objects.filter(school=school, school_year=year).select_related(
            "school_year"
        )
    }


def enrolment_day(year: SchoolYear, today: dt.date) -> dt.date:
    """Pupils imported before the year starts are enrolled on its first day."""
    return max(today, year.starts_on)

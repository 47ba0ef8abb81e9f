"""The one rule for "the pupil's current enrolment at a school".

A pupil has one enrolment per school year: a new year's class is a new enrolment, and nothing
ends last year's (promotion writes no date on it). So an enrolment without a transfer-out date
is not, by itself, a pupil studying at the school now.

The current enrolment is the enrolment of the **latest school year** the pupil was enrolled at
the school, when it was not ended by a transfer out. Older years' enrolments are history, open
or not; a transfer out in the latest year means the pupil left.

The latest year the pupil was enrolled, not the province's running year
(`people.imports.classes.current_school_year`): between two years that gives the year to come,
where a pupil is not yet placed, and the summer is when most pupils move. A pupil finishing the
year is still the school's until the next year's class or a transfer out says otherwise.
"""

from __future__ import annotations

from django.db.models import Subquery

from hocbaso.people.models import Enrolment


def current_enrolment(student_id: int, school_id: int) -> Enrolment | None:
    """The pupil's current enrolment at the school, or None (left, or never studied there)."""
    at_school = Enrolment.objects.filter(student_id=student_id, class_group__school_id=school_id)
    latest_year = at_school.order_by("-class_group__school_year__starts_on").values(
        "class_group__school_year_id"
    )[:1]
    return (
        at_school.filter(
            class_group__school_year_id=Subquery(latest_year), transfer_out_on__isnull=True
        )
        .select_related("class_group__school", "class_group__school_year")
        .order_by("-enrolled_on", "-pk")
        .first()
    )


def studies_at(student_id: int, school_id: int) -> bool:
    """The pupil has a current enrolment at the school."""
    return current_enrolment(student_id, school_id) is not None

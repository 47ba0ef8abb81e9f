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

The rule is written once, as a filter (`is_current`), so that querysets use it too: who sees a
pupil through a class (`people.access`, `inspection.access`), the parents' current class (API),
where a parent's report goes. `current_enrolment` is that filter for one pupil and one school.
A class's own list (its roster, sheets, counts) is not this rule: it is the class's enrolments
not transferred out, whatever the pupil's later years.

A pupil who left a class and came back to it the same year has two enrolments there: the old
one, closed by its transfer-out date (never edited), and the new one, open. At most one open
enrolment per pupil and class (constraint `enrolment_open_unique_per_class`); a read that may
meet both picks the open one, or the latest (`-enrolled_on`, `-pk`).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from hocbaso.people.models import Enrolment


def is_current() -> Q:
    """The rule as a filter on enrolments: not transferred out, and no enrolment of the same
    pupil at the same school in a later school year (by `starts_on`).

    `Enrolment.objects.filter(is_current())`, or inside a subquery (`students_currently_in`).
    """
    later = Enrolment.objects.filter(
        student_id=OuterRef("student_id"),
        class_group__school_id=OuterRef("class_group__school_id"),
        class_group__school_year__starts_on__gt=OuterRef("class_group__school_year__starts_on"),
    )
    return Q(~Exists(later), transfer_out_on__isnull=True)


def current_enrolments() -> QuerySet[Enrolment]:
    """Every pupil's current enrolment at each school (filter it further)."""
    return Enrolment.objects.filter(is_current())


def students_currently_in(**enrolment_lookups: Any) -> Q:
    """A filter on pupils: their current enrolment matches the lookups, e.g.
    `students_currently_in(class_group_id__in=ids)`. Last year's class, left open by
    promotion, no longer reaches the pupil."""
    return Q(pk__in=current_enrolments().filter(**enrolment_lookups).values("student_id"))


def current_enrolment(student_id: int, school_id: int) -> Enrolment | None:
    """The pupil's current enrolment at the school, or None (left, or never studied there)."""
    return (
        current_enrolments()
        .filter(student_id=student_id, class_group__school_id=school_id)
        .select_related("class_group__school", "class_group__school_year")
        .order_by("-enrolled_on", "-pk")
        .first()
    )


def studies_at(student_id: int, school_id: int) -> bool:
    """The pupil has a current enrolment at the school."""
    return current_enrolment(student_id, school_id) is not None

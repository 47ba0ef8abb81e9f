"""What a class list may offer for each of its pupils.

A past year's class lists pupils who have moved up since (promotion leaves last year's
enrolment open: people/current_enrolment.py). Its teachers still read the class, but a pupil is
reached, and recorded for, through the current class only: the list shows those pupils by name,
without a link that would answer 404 and without forms that belong to the current class.
"""

from __future__ import annotations

from typing import Any

from hocbaso.org.models import ClassGroup
from hocbaso.people import access
from hocbaso.people.current_enrolment import current_enrolments


def still_in_class(class_group: ClassGroup, student_ids: list[int]) -> set[int]:
    """The pupils whose current enrolment is this class (one query)."""
    return set(
        current_enrolments()
        .filter(class_group=class_group, student_id__in=student_ids)
        .values_list("student_id", flat=True)
    )


def openable_pupils(user: Any, class_group: ClassGroup, student_ids: list[int]) -> set[int]:
    """The pupils of the list whose page the user may open: one query for a class whose pupils
    are all still in it; the visibility of the others is asked only when there are any."""
    openable = still_in_class(class_group, student_ids)
    moved_up = [pk for pk in student_ids if pk not in openable]
    if moved_up:
        visible = access.students_visible_to(user).filter(pk__in=moved_up)
        openable.update(visible.values_list("pk", flat=True))
    return openable

"""Who counts as a school's staff for the plan: anyone with an active role in the school
(principal, vice-principal, school admin, group head) or an active homeroom or teaching
assignment in one of its classes. One UNION query gives the (school, user) pairs."""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from django.db.models import F

from hocbaso.org.models import School
from hocbaso.people.models import HomeroomAssignment, StaffRole, TeachingAssignment

if TYPE_CHECKING:
    from hocbaso.oversight.models import TrainingSession


def staff_pairs(school_ids: Collection[int]) -> set[tuple[int, int]]:
    """{(school id, user id)} in one query."""
    ids = list(school_ids)
    roles = (
        StaffRole.objects.active()
        .filter(school_id__in=ids)
        .values_list("school_id", "user_id")
        .order_by()
    )
    homerooms = (
        HomeroomAssignment.objects.active()
        .filter(class_group__school_id__in=ids)
        .annotate(sid=F("class_group__school_id"))
        .values_list("sid", "user_id")
        .order_by()
    )
    teaching = (
        TeachingAssignment.objects.active()
        .filter(class_group__school_id__in=ids)
        .annotate(sid=F("class_group__school_id"))
        .values_list("sid", "user_id")
        .order_by()
    )
    return {(s, u) for s, u in roles.union(homerooms, teaching)}


def session_school_ids(session: TrainingSession) -> list[int]:
    schools = School.objects.all()
    if session.province_id is not None:
        schools = schools.filter(commune__province_id=session.province_id)
    elif session.commune_id is not None:
        schools = schools.filter(commune_id=session.commune_id)
    elif session.school_id is not None:
        schools = schools.filter(pk=session.school_id)
    else:
        return []
    return list(schools.values_list("pk", flat=True))


def staff_ids_of_session(session: TrainingSession) -> set[int]:
    return {user for _, user in staff_pairs(session_school_ids(session))}

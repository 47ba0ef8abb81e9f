"""Who works at a school: any active school role, or an active assignment in its classes."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from hocbaso.org.models import School
from hocbaso.people.models import User


def school_staff(school: School) -> QuerySet[User]:
    return (
        User.objects.filter(
            Q(roles__school=school, roles__ended_at__isnull=True)
            | Q(
                teaching_assignments__class_group__school=school,
                teaching_assignments__ended_at__isnull=True,
            )
            | Q(homerooms__class_group__school=school, homerooms__ended_at__isnull=True)
        )
        .filter(is_active=True)
        .distinct()
        .order_by("full_name", "username")
    )

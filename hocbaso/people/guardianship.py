"""Which pupils a parent's account reaches: the guardians linked to it (`Guardian.user`, not
unlinked). Every parent-facing route reads its child through `access_child_for_parent`, which
answers a pupil that is not linked to the account exactly like a missing one (404)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from hocbaso.people.models import Student


def children_of(user: Any) -> QuerySet[Student]:
    """The pupils linked to ``user``'s account (none for anonymous or inactive accounts)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Student.objects.none()
    return (
        Student.objects.filter(guardians__user=user, guardians__unlinked_at__isnull=True)
        .select_related("school")
        .distinct()
        .order_by("full_name", "pk")
    )


def access_child_for_parent(user: Any, student_id: int) -> Student:
    """The pupil if linked to ``user``; Http404 otherwise, the same as for a missing pupil."""
    try:
        return children_of(user).get(pk=student_id)
    except (Student.DoesNotExist, ValueError, TypeError):
        raise Http404 from None

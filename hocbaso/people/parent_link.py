"""A parent's link to a pupil: the choke point of parents' writes (confirmations, reports,
consent). A pupil the user is not linked to answers 404, exactly like a missing one
(`guardianship.access_child_for_parent`)."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from hocbaso.people.guardianship import access_child_for_parent
from hocbaso.people.models import Guardian


def guardian_link(user: Any, student_id: int) -> Guardian:
    """The user's current (not unlinked) guardian row for the pupil, with the pupil."""
    student = access_child_for_parent(user, student_id)
    link = (
        Guardian.objects.filter(user=user, student=student, unlinked_at__isnull=True)
        .order_by("pk")
        .first()
    )
    if link is None:  # pragma: no cover — access_child_for_parent found one
        raise Http404
    link.student = student
    return link

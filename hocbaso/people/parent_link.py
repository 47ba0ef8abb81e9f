"""A parent's link to a pupil: the choke point of parents' writes (confirmations, reports,
consent). A pupil the user is not linked to answers 404, exactly like a missing one."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from hocbaso.people.models import Guardian


def guardian_link(user: Any, student_id: int) -> Guardian:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        raise Http404
    link = (
        Guardian.objects.filter(user=user, student_id=student_id)
        .select_related("student__school")
        .order_by("pk")
        .first()
    )
    if link is None:
        raise Http404
    return link

from __future__ import annotations

from typing import Any

from django import template

from hocbaso.inspection.access import can_read_school_trail, can_read_student_history

register = template.Library()


@register.filter
def reads_student_history(user: Any, student: Any) -> bool:
    """For a pupil the page already shows: is the history link for this user?"""
    return can_read_student_history(user, student)


@register.filter
def reads_school_trail(user: Any, school: Any) -> bool:
    """For a school the page already shows: is the audit-trail link for this user?"""
    return can_read_school_trail(user, school)

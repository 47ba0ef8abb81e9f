"""Who may export and push (the exchange app's choke point; built on people.access).

- A school's exports: its managers (principal, vice-principals, school admin), the Sở's
  officers of its province, the system administrators; everyone else who can see the school
  gets 403, the rest 404 (people.access).
- A province's exports and every push: the Sở's officers of that province and the system
  administrators (spec §1.2: the Sở sends records to the Kho). Commands act as the system.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from hocbaso.audit.actors import SystemActor
from hocbaso.org.models import Province, School
from hocbaso.people import access as people_access
from hocbaso.people.models import Role, StaffRole


def is_province_officer(user: Any, province_id: int) -> bool:
    if isinstance(user, SystemActor):
        return True
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return (
        StaffRole.objects.active()
        .filter(user=user, role=Role.PROVINCE_OFFICER, province_id=province_id)
        .exists()
    )


def can_export_school(user: Any, school: School) -> bool:
    if isinstance(user, SystemActor):
        return True
    if people_access.can_manage_school(user, school):
        return True
    return is_province_officer(user, school.commune.province_id)


def access_school_export(user: Any, school_id: int) -> School:
    """The school whose exchange exports ``user`` may download; 404 hidden, 403 visible."""
    school = people_access.access_school_for_user(user, school_id)
    if not can_export_school(user, school):
        raise PermissionDenied
    return school


def access_province_exchange(user: Any, province_id: int) -> Province:
    """The province whose exports and pushes ``user`` may run; 404 for everyone else."""
    province = Province.objects.filter(pk=province_id).first()
    if province is None or not is_province_officer(user, province.pk):
        raise Http404
    return province

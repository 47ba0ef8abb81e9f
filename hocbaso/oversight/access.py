"""Who sees which dashboard, and who keeps the plan's records (one condition per line).

Province: the Sở's officers and inspectors of it, system administrators. Commune: those, plus
the commune's officers. School and class: those overseeing the school plus its management
(principal, vice-principals, school admin). Anyone else gets the 404 of a missing object.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from hocbaso.audit.actors import SystemActor
from hocbaso.org.models import ClassGroup, Commune, Province, School
from hocbaso.people.models import Role, StaffRole
from hocbaso.people.scope import Scope, scope_for


def _reads_commune(scope: Scope, commune: Commune) -> bool:
    return bool(
        scope.is_system_admin
        or commune.province_id in scope.province_ids
        or commune.pk in scope.commune_ids
    )


def _reads_school(scope: Scope, school: School) -> bool:
    return bool(_reads_commune(scope, school.commune) or school.pk in scope.managed_school_ids)


def access_province(user: Any, province_id: int) -> Province:
    province = Province.objects.filter(pk=province_id).first()
    if province is None or not reads_province(user, province):
        raise Http404
    return province


def access_commune(user: Any, commune_id: int) -> Commune:
    commune = Commune.objects.select_related("province").filter(pk=commune_id).first()
    if commune is None or not _reads_commune(scope_for(user), commune):
        raise Http404
    return commune


def access_school(user: Any, school_id: int) -> School:
    school = School.objects.select_related("commune__province").filter(pk=school_id).first()
    if school is None or not _reads_school(scope_for(user), school):
        raise Http404
    return school


def access_class(user: Any, class_id: int) -> ClassGroup:
    class_group = (
        ClassGroup.objects.select_related("school__commune__province", "school_year")
        .filter(pk=class_id)
        .first()
    )
    if class_group is None or not _reads_school(scope_for(user), class_group.school):
        raise Http404
    return class_group


def reads_province(user: Any, province: Province) -> bool:
    scope = scope_for(user)
    return bool(scope.is_system_admin or province.pk in scope.province_ids)


def reads_commune(user: Any, commune: Commune) -> bool:
    return _reads_commune(scope_for(user), commune)


def manages_school(user: Any, school: School) -> bool:
    """Uploads the school's Quy chế: its management and system administrators (and the seed)."""
    if isinstance(user, SystemActor):
        return True
    scope = scope_for(user)
    return bool(scope.is_system_admin or school.pk in scope.managed_school_ids)


def _officer_roles(user: Any) -> QuerySet[StaffRole]:
    return StaffRole.objects.active().filter(
        user=user, role__in=(Role.PROVINCE_OFFICER, Role.COMMUNE_OFFICER)
    )


def organises_for_province(user: Any, province: Province) -> bool:
    """Records the Sở's training: its officers (inspectors only read), system admins, the seed."""
    if isinstance(user, SystemActor) or getattr(user, "is_superuser", False):
        return True
    return _officer_roles(user).filter(role=Role.PROVINCE_OFFICER, province=province).exists()


def organises_for_commune(user: Any, commune: Commune) -> bool:
    """Records a commune's training: its officers, the Sở's officers, system admins."""
    if organises_for_province(user, commune.province):
        return True
    return _officer_roles(user).filter(role=Role.COMMUNE_OFFICER, commune=commune).exists()

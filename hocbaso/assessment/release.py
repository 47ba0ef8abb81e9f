"""Releasing a period's results to parents (issue 6).

The principal or a vice-principal of a school releases a period once entry is locked for the
whole school (every sheet of every class of the period's year: `actions.locks.lock_states`);
from then on the pupils' parents see that period's results in the portal
(`released_results.results_for`). A release is withdrawn by voiding it, never deleted; each
decision writes its audit event in the same transaction.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from hocbaso.assessment.actions.locks import lock_states
from hocbaso.assessment.models import PeriodRelease
from hocbaso.assessment.sheets import sheet_keys
from hocbaso.audit.actors import SystemActor
from hocbaso.audit.log import log
from hocbaso.notifications import parent_events
from hocbaso.org.models import ClassGroup, Period, School
from hocbaso.people.errors import ActionError
from hocbaso.people.models import Enrolment, Student
from hocbaso.people.scope import scope_for

REASON_MAX = 300


def can_release(user: Any, school: School) -> bool:
    """The principal and the vice-principals of the school (and the demo seed)."""
    if isinstance(user, SystemActor):
        return True
    scope = scope_for(user)
    return school.pk in scope.principal_school_ids | scope.vice_principal_school_ids


def unlocked_classes(school: School, period: Period) -> list[str]:
    """Names of the school's classes (of the period's year) with a sheet still open (2 queries)."""
    classes = list(
        ClassGroup.objects.filter(school=school, school_year_id=period.school_year_id).order_by(
            "grade", "name"
        )
    )
    pairs = [(c, key) for c in classes for key in sheet_keys(c.grade)]
    states = lock_states(school, period, pairs)
    open_ids = {class_id for (class_id, _key), state in states.items() if not state.locked}
    return [c.name for c in classes if c.pk in open_ids]


def current_release(school: School, period: Period) -> PeriodRelease | None:
    return PeriodRelease.objects.current().filter(school=school, period=period).first()


def _school_for_update(school: School) -> School:
    """The school row locked: two releases of one school cannot race each other."""
    return School.objects.select_for_update().get(pk=school.pk)


@transaction.atomic
def release_period(school: School, period: Period, *, acting_user: Any) -> PeriodRelease:
    """Show ``period``'s results of ``school`` to the pupils' parents. Refused (in Vietnamese)
    unless ``acting_user`` is the school's principal or a vice-principal, the period belongs to
    the school's province, entry is locked for every class, and the period is not yet released."""
    school = _school_for_update(school)
    if not can_release(acting_user, school):
        raise ActionError(
            _("Chỉ Hiệu trưởng hoặc Phó hiệu trưởng của trường mới được công bố kết quả.")
        )
    if period.school_year.province_id != school.commune.province_id:
        raise ActionError(_("Kì đánh giá không thuộc năm học của trường."))
    if current_release(school, period) is not None:
        raise ActionError(_("Kết quả kì này đã được công bố cho cha mẹ học sinh."))
    has_classes = ClassGroup.objects.filter(
        school=school, school_year_id=period.school_year_id
    ).exists()
    if not has_classes:
        raise ActionError(_("Trường chưa có lớp nào trong năm học của kì này."))
    still_open = unlocked_classes(school, period)
    if still_open:
        raise ActionError(
            _(
                "Chưa thể công bố kết quả %(period)s: sổ của lớp %(classes)s chưa khóa. "
                "Hãy khóa sổ toàn trường trước khi công bố."
            )
            % {"period": period.get_code_display(), "classes": ", ".join(still_open)}
        )
    release = PeriodRelease.objects.create(
        school=school,
        period=period,
        released_at=timezone.now(),
        released_by=None if isinstance(acting_user, SystemActor) else acting_user,
    )
    log(
        "assessment.period_released",
        actor=acting_user,
        subject=release,
        school_id=school.pk,
        data={"period": period.code, "school_year": period.school_year_id},
    )
    # parents hear about it once the release is committed (notifications.parent_events)
    transaction.on_commit(
        partial(parent_events.school_period_released, school.pk, period.pk), robust=True
    )
    return release


@transaction.atomic
def withdraw_release(
    school: School, period: Period, *, reason: str, acting_user: Any
) -> PeriodRelease:
    """Stop showing a released period to parents (void, with a reason); the row is kept."""
    school = _school_for_update(school)
    if not can_release(acting_user, school):
        raise ActionError(
            _("Chỉ Hiệu trưởng hoặc Phó hiệu trưởng của trường mới được thu hồi công bố.")
        )
    reason = (reason or "").strip()
    if not reason:
        raise ActionError(_("Thu hồi công bố phải ghi rõ lí do."))
    if len(reason) > REASON_MAX:
        raise ActionError(_("Lí do dài quá %(max)d kí tự.") % {"max": REASON_MAX})
    release = PeriodRelease.objects.current().filter(school=school, period=period).first()
    if release is None:
        raise ActionError(_("Kết quả kì này chưa được công bố."))
    release.voided_at = timezone.now()
    release.voided_by = acting_user
    release.void_reason = reason
    release.save(update_fields=["voided_at", "voided_by", "void_reason"])
    log(
        "assessment.period_release_withdrawn",
        actor=acting_user,
        subject=release,
        school_id=school.pk,
        data={"period": period.code, "school_year": period.school_year_id, "reason": reason},
    )
    return release


def released_periods(student: Student) -> list[Period]:
    """The periods whose results the pupil's parents may see: those released by the school of a
    class the pupil was enrolled in that year, oldest first (2 queries)."""
    pairs = set(
        Enrolment.objects.filter(student=student).values_list(
            "class_group__school_id", "class_group__school_year_id"
        )
    )
    if not pairs:
        return []
    q = Q(pk__in=[])
    for school_id, year_id in sorted(pairs):
        q |= Q(school_id=school_id, period__school_year_id=year_id)
    periods: dict[int, Period] = {}
    for release in (
        PeriodRelease.objects.current()
        .filter(q)
        .select_related("period__school_year")
        .order_by("period__school_year__starts_on", "period__order")
    ):
        periods.setdefault(release.period_id, release.period)
    return list(periods.values())

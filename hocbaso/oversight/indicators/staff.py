"""Per school: staff (see `oversight.staff`), those who attended a training session, and those
holding a registered personal signing certificate valid today (not revoked, within its
validity), with how many of those expire within the warning window. Three queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from django.utils import timezone

from hocbaso.oversight.models import TrainingAttendance
from hocbaso.oversight.staff import staff_pairs
from hocbaso.signing.certificate_status import WARN_DAYS
from hocbaso.signing.models import CertificateKind, SigningCertificate


@dataclass(frozen=True)
class StaffCounts:
    staff: int = 0
    trained: int = 0
    certified: int = 0
    expiring: int = 0


def trained_user_ids(user_ids: Collection[int]) -> set[int]:
    return set(
        TrainingAttendance.objects.filter(user_id__in=list(user_ids), attended=True)
        .values_list("user_id", flat=True)
        .distinct()
    )


def certified_user_ids(user_ids: Collection[int]) -> dict[int, dt.datetime]:
    """{user id: latest expiry} of the valid personal certificates."""
    now = timezone.now()
    latest: dict[int, dt.datetime] = {}
    for user_id, not_after in SigningCertificate.objects.filter(
        user_id__in=list(user_ids),
        kind=CertificateKind.PERSONAL,
        revoked_at__isnull=True,
        not_before__lte=now,
        not_after__gte=now,
    ).values_list("user_id", "not_after"):
        if user_id is not None and (user_id not in latest or not_after > latest[user_id]):
            latest[user_id] = not_after
    return latest


def staff_counts(school_ids: Collection[int]) -> dict[int, StaffCounts]:
    pairs = staff_pairs(school_ids)
    users = {u for _, u in pairs}
    trained = trained_user_ids(users)
    certified = certified_user_ids(users)
    warn_after = timezone.now() + dt.timedelta(days=WARN_DAYS)
    totals: dict[int, list[int]] = {}
    for school_id, user_id in pairs:
        t = totals.setdefault(school_id, [0, 0, 0, 0])
        t[0] += 1
        t[1] += user_id in trained
        if user_id in certified:
            t[2] += 1
            t[3] += certified[user_id] <= warn_after
    return {s: StaffCounts(*t) for s, t in totals.items()}

"""The school's staff with training and certificate registration: each member's latest personal
signing certificate and its standing (the signing app's labels and 30-day warning). Three
queries whatever the number of staff."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from hocbaso.org.models import School
from hocbaso.oversight.indicators.staff import trained_user_ids
from hocbaso.oversight.staff import staff_pairs
from hocbaso.people.models import User
from hocbaso.signing.certificate_status import WARN_DAYS
from hocbaso.signing.models import CertificateKind, SigningCertificate


@dataclass(frozen=True)
class StaffLine:
    name: str
    username: str
    trained: bool
    certificate: str  # the standing, in Vietnamese
    code: str  # none / valid / expiring / expired / not_yet_valid


def _standing(cert: SigningCertificate | None, now: dt.datetime) -> tuple[str, str]:
    if cert is None:
        return "none", "Chưa đăng kí chứng thư số"
    days_left = (cert.not_after - now).days
    if now < cert.not_before:
        return "not_yet_valid", "Chưa có hiệu lực"
    if now > cert.not_after:
        return "expired", f"Đã hết hạn ngày {cert.not_after:%d/%m/%Y}"
    if days_left <= WARN_DAYS:
        return "expiring", f"Sắp hết hạn (còn {days_left} ngày)"
    return "valid", f"Còn hiệu lực đến {cert.not_after:%d/%m/%Y}"


def staff_lines(school: School) -> list[StaffLine]:
    ids = {u for _, u in staff_pairs([school.pk])}
    users = list(User.objects.filter(pk__in=ids).order_by("full_name", "username"))
    trained = trained_user_ids(ids)
    latest: dict[int, SigningCertificate] = {}
    for cert in SigningCertificate.objects.filter(
        user_id__in=ids, kind=CertificateKind.PERSONAL, revoked_at__isnull=True
    ).order_by("not_after"):
        if cert.user_id is not None:
            latest[cert.user_id] = cert  # the one expiring last wins
    now = timezone.now()
    lines = []
    for u in users:
        code, label = _standing(latest.get(u.pk), now)
        lines.append(StaffLine(u.full_name or u.username, u.username, u.pk in trained, label, code))
    return lines

"""How a registered certificate stands today, for the screens: valid, expiring within 30 days
(issue 5: warn before expiry), expired, not yet valid or revoked, and where its key lives."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from hocbaso.signing.models import SigningCertificate, SigningKey

WARN_DAYS = 30


@dataclass(frozen=True)
class CertificateStatus:
    row: SigningCertificate
    code: str  # valid / expiring / expired / not_yet_valid / revoked
    label: str
    days_left: int
    key: SigningKey | None

    @property
    def usable(self) -> bool:
        return self.code in ("valid", "expiring") and self.key is not None


def status_of(row: SigningCertificate, at: dt.datetime | None = None) -> CertificateStatus:
    now = at or timezone.now()
    days_left = (row.not_after - now).days
    key = SigningKey.objects.filter(certificate=row).first()
    if row.revoked_at is not None:
        code, label = "revoked", "Đã thu hồi"
    elif now < row.not_before:
        code, label = "not_yet_valid", "Chưa có hiệu lực"
    elif now > row.not_after:
        code, label = "expired", "Đã hết hạn"
    elif days_left <= WARN_DAYS:
        code, label = "expiring", f"Sắp hết hạn (còn {days_left} ngày)"
    else:
        code, label = "valid", "Còn hiệu lực"
    return CertificateStatus(row=row, code=code, label=label, days_left=days_left, key=key)


def statuses(rows: list[SigningCertificate]) -> list[CertificateStatus]:
    return [status_of(row) for row in rows]

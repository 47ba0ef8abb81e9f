"""Brute-force protection of the login, keyed by username AND address (security.md finding 3).

Three tiers, all counted in the database within LOGIN_WINDOW_SECONDS (15 min by default):

- **pair** (username, IP): LOGIN_PAIR_LIMIT failures lock that pair, LOGIN_LOCK_SECONDS the first
  time, doubling with each new lock (up to a day). This is the tier an attacker guessing one
  account from one address meets; the real user at another address is not affected.
- **username** from any address: LOGIN_USERNAME_LIMIT failures (security.md F1: ≤ 10 per 15 min)
  lock the username for the rest of the window, from everywhere, and the lock is audited
  (`account.login_locked`) so that the Sở's operators see an account under attack.
- **address**: an IP from which LOGIN_IP_USERNAME_LIMIT different usernames failed (password
  spraying) is locked for the window. The limit (100) sits far above a school behind one NAT:
  30 teachers making typos count 30 usernames there and are never locked (security.md F2).

Callers (the login form, the API token endpoint) use `check_allowed` before checking a
password, then `record_failure` or `record_success`. A locked attempt is not counted, so a school
whose teacher keeps retrying does not extend its own lock. Usernames are compared case-folded;
an empty username is never counted (django-axes #261: one empty key locking everyone)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from hocbaso.audit.log import log
from hocbaso.people.auth_models import LoginThrottle

Scope = LoginThrottle.Scope
MAX_LOCK = dt.timedelta(days=1)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after_seconds: int = 0


def _key(username: str) -> str:
    return username.strip().casefold()[:150]


def _rows(username: str, ip: str) -> list[tuple[str, str, str]]:
    user = _key(username)
    return [(Scope.PAIR, user, ip), (Scope.USERNAME, user, ""), (Scope.ADDRESS, "", ip)]


def check_allowed(username: str, ip: str | None, *, now: dt.datetime | None = None) -> Decision:
    """Whether a login attempt for `username` from `ip` may be checked now."""
    now = now or timezone.now()
    ip = ip or ""
    if not _key(username):
        return Decision(True)
    keys = Q()
    for scope, user, address in _rows(username, ip):
        keys |= Q(scope=scope, username=user, ip=address)
    locked = [
        until
        for until in LoginThrottle.objects.filter(keys, locked_until__gt=now).values_list(
            "locked_until", flat=True
        )
        if until is not None
    ]
    if not locked:
        return Decision(True)
    return Decision(False, int((max(locked) - now).total_seconds()) + 1)


def _window() -> dt.timedelta:
    return dt.timedelta(seconds=settings.LOGIN_WINDOW_SECONDS)


def _count(row: LoginThrottle, now: dt.datetime) -> None:
    if now - row.window_started_at > _window():
        row.window_started_at = now
        row.failures = 0
    row.failures += 1
    row.last_failure_at = now


def _row(scope: str, username: str, ip: str, now: dt.datetime) -> LoginThrottle:
    row, _ = LoginThrottle.objects.select_for_update().get_or_create(
        scope=scope,
        username=username,
        ip=ip,
        defaults={"window_started_at": now, "last_failure_at": now},
    )
    return row


@transaction.atomic
def record_failure(username: str, ip: str | None, *, now: dt.datetime | None = None) -> None:
    """Count one failed attempt; lock a tier that reached its limit."""
    now = now or timezone.now()
    ip = ip or ""
    user = _key(username)
    if not user:
        return
    pair = _row(Scope.PAIR, user, ip, now)
    _count(pair, now)
    if pair.failures >= settings.LOGIN_PAIR_LIMIT:
        pair.lockouts += 1
        lock = dt.timedelta(seconds=settings.LOGIN_LOCK_SECONDS) * 2 ** (pair.lockouts - 1)
        pair.locked_until = now + min(lock, MAX_LOCK)
        pair.failures = 0
    pair.save()

    by_name = _row(Scope.USERNAME, user, "", now)
    _count(by_name, now)
    if by_name.failures >= settings.LOGIN_USERNAME_LIMIT and not _locked(by_name, now):
        by_name.locked_until = by_name.window_started_at + _window()
        by_name.lockouts += 1
        _audit_lock(Scope.USERNAME, user, ip, by_name)
    by_name.save()

    address = _row(Scope.ADDRESS, "", ip, now)
    _count(address, now)
    names = LoginThrottle.objects.filter(
        scope=Scope.PAIR, ip=ip, last_failure_at__gte=now - _window()
    ).count()
    if names >= settings.LOGIN_IP_USERNAME_LIMIT and not _locked(address, now):
        address.locked_until = now + _window()
        address.lockouts += 1
        _audit_lock(Scope.ADDRESS, "", ip, address)
    address.save()


@transaction.atomic
def record_success(username: str, ip: str | None) -> None:
    """A successful login clears its own pair only (never the username or address tiers, which
    an attacker could otherwise reset with an account of their own)."""
    LoginThrottle.objects.filter(scope=Scope.PAIR, username=_key(username), ip=ip or "").delete()


def _locked(row: LoginThrottle, now: dt.datetime) -> bool:
    return row.locked_until is not None and row.locked_until > now


def _audit_lock(scope: str, username: str, ip: str, row: LoginThrottle) -> None:
    log(
        "account.login_locked",
        actor=None,
        subject_type="people.user",
        subject_label=username or ip,
        data={
            "new": {
                "scope": scope,
                "username": username,
                "ip": ip,
                "failures": row.failures,
                "locked_until": row.locked_until.isoformat() if row.locked_until else None,
            }
        },
    )


KEEP = dt.timedelta(days=2)


@transaction.atomic
def purge_stale(*, now: dt.datetime | None = None) -> int:
    """Delete counters without a failure for two days and without a running lock (so the
    doubling of a pair's lock restarts after two quiet days). Returns how many were deleted."""
    now = now or timezone.now()
    stale = LoginThrottle.objects.filter(last_failure_at__lt=now - KEEP).filter(
        Q(locked_until__isnull=True) | Q(locked_until__lt=now)
    )
    deleted, _ = stale.delete()
    return deleted

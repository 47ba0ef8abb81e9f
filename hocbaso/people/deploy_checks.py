"""`manage.py check --deploy` checks of our own (security.md G1: Django's are a floor)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register

ONE_YEAR = 365 * 24 * 3600


@register(Tags.security, deploy=True)
def check_production_settings(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    problems: list[CheckMessage] = []
    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" not in engine:
        problems.append(
            Warning(
                "Production runs on PostgreSQL only (audit triggers, roles, row locks).",
                hint="Set DATABASE_URL=postgres://…",
                id="hocbaso.W001",
            )
        )
    if 0 < settings.SECURE_HSTS_SECONDS < ONE_YEAR:
        problems.append(
            Warning(
                "SECURE_HSTS_SECONDS is below one year (security.md G2).",
                id="hocbaso.W002",
            )
        )
    if settings.SECRET_KEY in (settings.FIELD_HASH_KEY, settings.MFA_SECRET_KEY):
        problems.append(
            Warning(
                "SECRET_KEY must differ from FIELD_HASH_KEY and HOCBASO_MFA_KEY.",
                id="hocbaso.W003",
            )
        )
    if "*" in settings.ALLOWED_HOSTS:
        problems.append(Warning("ALLOWED_HOSTS must name the hosts, not '*'.", id="hocbaso.W004"))
    middleware = settings.MIDDLEWARE
    for required in (
        "hocbaso.config.security_headers.SecurityHeadersMiddleware",
        "hocbaso.people.middleware.StaffIdleTimeoutMiddleware",
        "hocbaso.people.middleware.SecondFactorRequiredMiddleware",
    ):
        if required not in middleware:
            problems.append(Warning(f"{required} is not installed.", id="hocbaso.W005"))
    if (
        settings.STAFF_IDLE_TIMEOUT_SECONDS > 30 * 60
        or settings.SESSION_MAX_AGE_SECONDS > 12 * 3600
    ):
        problems.append(
            Warning(
                "Staff sessions longer than security.md F4 allows (idle 30 min, 12 h).",
                id="hocbaso.W006",
            )
        )
    return problems

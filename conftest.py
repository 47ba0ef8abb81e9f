"""Root fixtures: the persona world (style.md habit 5) and the audit request context."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

from hocbaso.audit.context import request_context
from hocbaso.people.tests.world import World, build_world


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:  # type: ignore[no-untyped-def]
    """Argon2 is the production hasher (tested in test_settings); tests hash fast."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _private_media(tmp_path: Path, settings) -> None:  # type: ignore[no-untyped-def]
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture(autouse=True)
def _audit_context() -> Iterator[None]:
    with request_context("test", ip="127.0.0.1"):
        yield


@pytest.fixture
def world(db: None) -> World:
    return build_world()


@pytest.fixture
def postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (run with DATABASE_URL)")


def pytest_report_header() -> str:
    return f"database: {os.environ.get('DATABASE_URL') or 'SQLite (embedded default)'}"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """After the session, end connections other threads left open to the PostgreSQL test
    database (live-server request threads), so that dropping it does not fail."""
    yield
    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )

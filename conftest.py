"""Root fixtures: the persona world (style.md habit 5) and the audit request context."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from hypothesis import HealthCheck, settings

from hocbaso.audit.context import request_context
from hocbaso.people.tests.world import World
from hocbaso.people.tests.world_snapshot import Snapshot, build_snapshot, restore_world

# Property tests judge correctness, not speed: on a loaded CI machine (two cores, two xdist
# workers, browser tests beside them) input generation can be slow, which is not a failure.
settings.register_profile(
    "hocbaso", deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)
settings.load_profile("hocbaso")

# The demo and test school year is 2026-2027. Tests run on a fixed calendar day inside it —
# after the GHKI deadline, before CHKI's — so that deadlines and "the current school year" do
# not turn tests red as the real calendar moves on. The clock keeps ticking from there.
TEST_TODAY = dt.datetime(2026, 11, 30, 10, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


@pytest.fixture(autouse=True)
def _school_calendar_today() -> Iterator[None]:
    with time_machine.travel(TEST_TODAY, tick=True):
        yield


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:  # type: ignore[no-untyped-def]
    """Argon2 is the production hasher (tested in test_settings); tests hash fast."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _private_media(tmp_path: Path, settings) -> None:  # type: ignore[no-untyped-def]
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture(autouse=True)
def _second_factor_enforced(settings) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Tests run as production does: the DEMO waiver of the second factor is off. A test's
    `client.force_login(user)` stands for a whole login and marks the second factor as proved
    (hocbaso/people/testing.py); tests of the login's steps post the real forms."""
    from django.contrib.auth.signals import user_logged_in

    from hocbaso.people.testing import force_login_proves_second_factor

    settings.MFA_DEMO_WAIVER = False
    user_logged_in.connect(force_login_proves_second_factor, dispatch_uid="tests-second-factor")
    yield
    user_logged_in.disconnect(dispatch_uid="tests-second-factor")


@pytest.fixture(autouse=True)
def _audit_context() -> Iterator[None]:
    with request_context("test", ip="127.0.0.1"):
        yield


@pytest.fixture(autouse=True)
def _demo_key_pool() -> None:
    """Each test's given DEMO certificates start again at the first pooled key
    (hocbaso/signing/testing.py)."""
    from hocbaso.people.tests.world_snapshot import PROCESS_STATE
    from hocbaso.signing.testing import key_position, reset_key_pool, set_key_position

    if not PROCESS_STATE:
        PROCESS_STATE.append((key_position, set_key_position))
    reset_key_pool()


@pytest.fixture(scope="session")
def _demo_authority_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("demo-authority")


@pytest.fixture
def demo_authority(_demo_authority_source: Path, settings):  # type: ignore[no-untyped-def]
    """The DEMO CA and TSA (made once per run) installed in this test's private media, trusted
    (SIGNING_DEMO_PKI on) and used as the TSA; `hocbaso.signing.testing.give_certificate`
    issues DEMO certificates with server-held keys (PIN settings.SIGNING_DEMO_PIN)."""
    from hocbaso.signing.testing import install_demo_authority

    settings.SIGNING_DEMO_PKI = True
    settings.SIGNING_TSA = "demo"
    settings.SIGNING_TRUST_ROOTS = []
    return install_demo_authority(_demo_authority_source, TEST_TODAY)


@pytest.fixture(scope="session")
def world_snapshot(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Snapshot | None:
    """The persona world built once per test process (hocbaso/people/tests/world_snapshot.py)."""
    with django_db_blocker.unblock():
        return build_snapshot(TEST_TODAY, tmp_path_factory.mktemp("world-media"))


@pytest.fixture
def world(db: None, world_snapshot: Snapshot | None) -> World:
    """The persona world in this test's database: the same rows `build_world()` writes."""
    return restore_world(world_snapshot)


@pytest.fixture
def postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (run with DATABASE_URL)")


def pytest_report_header() -> str:
    return f"database: {os.environ.get('DATABASE_URL') or 'SQLite (embedded default)'}"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """After the session, end connections other threads left open to the PostgreSQL test
    database (live-server request threads), so that dropping it does not fail.

    Before it, let the flush after transactional tests TRUNCATE the append-only audit table:
    its trigger allows that only to the table owner with this session setting on
    (audit migration 0003); tests of the trigger set it off again."""
    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            name = connection.ops.quote_name(connection.settings_dict["NAME"])
            with connection.cursor() as cursor:
                cursor.execute(f"ALTER DATABASE {name} SET hocbaso.audit_allow_truncate = 'on'")
                cursor.execute("SELECT set_config('hocbaso.audit_allow_truncate', 'on', false)")
    yield
    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )

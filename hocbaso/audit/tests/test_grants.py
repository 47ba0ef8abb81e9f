"""The application role's grants (docs/audit.md, security.md target B3), applied for real.

A fresh role gets exactly `audit.grants.app_role_grants`, then the test acts as it (SET ROLE):
the app's own audit write works; UPDATE, DELETE, TRUNCATE and DISABLE TRIGGER on the events are
refused by PostgreSQL's privilege checks, not merely by the append-only triggers.

Clean-up: everything runs inside the test's transaction, each attempt in its own savepoint, so
the transaction stays usable for RESET ROLE and DROP ROLE in `finally`; and since CREATE ROLE is
transactional in PostgreSQL, the rollback that ends the test removes the role even if the
`finally` could not run. Role names are random, so parallel workers (`pytest -n`) never clash.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from hocbaso.audit.actors import SEED
from hocbaso.audit.grants import app_role_grants
from hocbaso.audit.log import log
from hocbaso.audit.models import AuditEvent
from hocbaso.audit.verify import verify

pytestmark = pytest.mark.django_db

REFUSED = [
    "UPDATE audit_auditevent SET action = 'org.school_renamed'",
    "DELETE FROM audit_auditevent",
    "TRUNCATE audit_auditevent",
    "ALTER TABLE audit_auditevent DISABLE TRIGGER USER",
    "ALTER TABLE audit_auditevent DISABLE TRIGGER audit_auditevent_no_update_delete",
    "ALTER TABLE audit_auditevent DISABLE TRIGGER ALL",
]


def _one(sql: str, params: list[Any] | None = None) -> object:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        row = cursor.fetchone()
        return row[0] if row else None


@pytest.fixture
def app_role(postgres_only: None) -> Iterator[str]:
    role = f"hocbaso_app_test_{uuid.uuid4().hex[:16]}"
    owner = str(_one("SELECT tableowner FROM pg_tables WHERE tablename = 'audit_auditevent'"))
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role}")
    try:
        with connection.cursor() as cursor:
            for statement in app_role_grants(role, owner=owner):
                cursor.execute(statement)
        yield role
    finally:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("RESET ROLE")
            cursor.execute(f"DROP OWNED BY {role}")
            cursor.execute(f"DROP ROLE {role}")
        assert not _one("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])


def _as(role: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {role}")


def test_the_app_role_can_append_but_not_change_the_audit_trail(app_role: str) -> None:
    # given one event written as the owner
    with transaction.atomic():
        log("org.school_renamed", actor=SEED, school_id=None)
    before = AuditEvent.objects.count()
    assert not _one("SELECT pg_has_role(%s, current_user, 'MEMBER')", [app_role])
    # when acting as the app role
    _as(app_role)
    assert _one("SELECT current_user") == app_role
    # then the app's audit write works (INSERT events, lock and move the head)
    with transaction.atomic():
        log("org.school_renamed", actor=SEED, school_id=None)
        log("org.school_renamed", actor=SEED, school_id=424242)  # a new chain: INSERT a head
    assert AuditEvent.objects.count() == before + 2
    # and each change to the events is refused by the privileges
    for sql in REFUSED:
        with pytest.raises(DatabaseError) as exc, transaction.atomic(), connection.cursor() as c:
            c.execute(sql)
        message = str(exc.value)
        assert "permission denied" in message or "must be owner" in message, (sql, message)
        assert "append-only" not in message, sql
        assert getattr(exc.value.__cause__, "sqlstate", None) == "42501", sql
    assert _one("SELECT current_user") == app_role  # the savepoints kept the role
    assert AuditEvent.objects.count() == before + 2
    assert verify().intact


def test_the_owner_is_stopped_only_by_the_trigger(app_role: str) -> None:
    """Control: without SET ROLE the same UPDATE reaches the trigger, so the test above
    really exercises the grants."""
    with transaction.atomic():
        log("org.school_renamed", actor=SEED, school_id=None)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(REFUSED[0])


def test_print_audit_grants(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("print_audit_grants", role="hocbaso_app")
    out = capsys.readouterr().out.splitlines()
    assert out == [f"{s};" for s in app_role_grants("hocbaso_app")]
    assert "REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON audit_auditevent" in out[3]
    assert out[-1] == "REVOKE hocbaso_owner FROM hocbaso_app;"
    with pytest.raises(CommandError) as exc:
        call_command("print_audit_grants", role="app; DROP TABLE x")
    assert exc.value.returncode == 2

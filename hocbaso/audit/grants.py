"""The PostgreSQL grants for the application role (security.md finding 2, target B3).

The append-only triggers (migration 0003) can be disabled by the table owner, so the web app
must connect as a role that owns nothing: it may read and append audit events and move the chain
heads, nothing else. `app_role_grants` is the one place these statements are written;
`manage.py print_audit_grants` prints them for the DBA, docs/audit.md shows them and
`tests/test_grants.py` applies them to a fresh role and checks what it is refused.
"""

from __future__ import annotations

import re

from hocbaso.audit.models import AuditChainHead, AuditEvent

_ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def app_role_grants(role: str, owner: str = "hocbaso_owner") -> list[str]:
    """GRANT/REVOKE statements for the application `role`, given the schema `owner` role.

    Role names must be plain lower-case SQL identifiers (no quoting needed): ValueError else.
    """
    for name in (role, owner):
        if not _ROLE_NAME.fullmatch(name):
            raise ValueError(f"not a plain PostgreSQL role name: {name!r}")
    events = AuditEvent._meta.db_table
    heads = AuditChainHead._meta.db_table
    return [
        f"REVOKE ALL ON {events} FROM {role}",
        f"GRANT SELECT, INSERT ON {events} TO {role}",
        f"GRANT USAGE ON SEQUENCE {events}_id_seq TO {role}",
        f"REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {events} FROM {role}",
        f"GRANT SELECT, INSERT, UPDATE ON {heads} TO {role}",
        f"REVOKE DELETE, TRUNCATE, TRIGGER ON {heads} FROM {role}",
        # ALTER TABLE … DISABLE TRIGGER needs ownership: the app must not be in the owner role
        f"REVOKE {owner} FROM {role}",
    ]

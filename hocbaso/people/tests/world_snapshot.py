"""The persona world built once per test process and restored into each test that asks for it.

`build_world()` goes through the actions (audit events, password hashing, a stored photo):
about a quarter of a second, and more than half of the suite's tests ask for it. The snapshot
runs `build_world()` once in a transaction that is rolled back, keeps the rows it wrote (every
column, as stored) and the private files it stored, and the `World` it returned; a test gets the
same rows inserted into its own database (same primary keys and audit chain; timestamps a
second before the test's calendar time, so that the test's own writes come after them as after
a fresh build), the files copied into its own private media and a deep copy of the `World`.

The snapshot stands in for a fresh build only where a fresh build would give the same thing; a
test gets a real `build_world()` instead when
- the settings differ from those the snapshot was built with (other than the private media
  directory), e.g. a fixture changed a setting before the world was asked for;
- the clock is not on the test calendar day (a fixture travelled elsewhere first);
- its rows cannot go in as they are (a fixture already wrote a row with one of the keys);
- the build touched anything else than rows it added to the project's tables, or left work
  waiting for the commit.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

import time_machine
from django.apps import apps
from django.conf import settings
from django.core.management.color import no_style
from django.db import IntegrityError, connection, transaction
from django.test.utils import override_settings
from django.utils import timezone

from hocbaso.audit.context import request_context
from hocbaso.people.tests.world import World, build_world

T = TypeVar("T")
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
JSON_TYPES = {114: "json", 3802: "jsonb"}  # PostgreSQL type OIDs


@dataclass
class _Table:
    name: str
    columns: list[str]
    rows: list[tuple[Any, ...]]
    json_columns: dict[int, str]
    replaced_keys: tuple[str, list[Any]] | None = None  # (key column, keys): rows rewritten


@dataclass
class Snapshot:
    world: World
    tables: list[_Table]
    sequence_sql: str
    media: Path
    settings_key: str
    built_at: dt.datetime


def _settings_key() -> str:
    names = sorted(n for n in dir(settings) if n.isupper() and n != "PRIVATE_MEDIA_ROOT")
    return repr([(n, getattr(settings, n)) for n in names])


def _project_models() -> list[Any]:
    return [
        m
        for m in apps.get_models(include_auto_created=True)
        if m.__module__.startswith("hocbaso.") and m._meta.managed and not m._meta.proxy
    ]


def _all_tables() -> list[str]:
    return sorted(connection.introspection.table_names(include_views=False))


def _read(table: str) -> tuple[list[str], list[tuple[Any, ...]], dict[int, str]]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
        description = cursor.description
        rows = [tuple(row) for row in cursor.fetchall()]
    columns = [d[0] for d in description]
    json_columns = {
        i: JSON_TYPES[d[1]]
        for i, d in enumerate(description)
        if connection.vendor == "postgresql" and d[1] in JSON_TYPES
    }
    return columns, rows, json_columns


def _hashable(row: tuple[Any, ...]) -> str:
    return repr(row)


def build_snapshot(on_calendar_day: dt.datetime, media_root: Path) -> Snapshot | None:
    """Build the world once (rolled back) and keep what it wrote; None when the world does not
    lend itself to that (then every test builds its own)."""
    project_tables = {m._meta.db_table for m in _project_models()}
    with (
        # a second early: a test's own writes come after the world's, as after a fresh build
        time_machine.travel(on_calendar_day - dt.timedelta(seconds=1), tick=True),
        override_settings(
            PASSWORD_HASHERS=FAST_HASHERS, MFA_DEMO_WAIVER=False, PRIVATE_MEDIA_ROOT=media_root
        ),
        request_context("test", ip="127.0.0.1"),
        transaction.atomic(),
    ):
        before = {t: _read(t) for t in _all_tables()}
        callbacks = len(connection.run_on_commit)
        world = build_world()
        usable = len(connection.run_on_commit) == callbacks  # nothing waits for the commit
        key = _settings_key()
        tables: list[_Table] = []
        for name in _all_tables():
            columns, rows, json_columns = _read(name)
            old_columns, old_rows, _ = before.get(name, (columns, [], {}))
            old = {_hashable(r) for r in old_rows}
            new = {_hashable(r) for r in rows}
            if old - new:  # the build changed or removed a row that was there before
                usable = False
            added = [r for r in rows if _hashable(r) not in old]
            if added and name not in project_tables:
                usable = False
            if added:
                tables.append(_Table(name, columns, added, json_columns))
        transaction.set_rollback(True)
    if not usable:
        return None
    return Snapshot(
        world=world,
        tables=tables,
        sequence_sql=_sequence_sql(tables),
        media=media_root,
        settings_key=key,
        built_at=on_calendar_day,
    )


def _sequence_sql(tables: list[_Table]) -> str:
    names = {t.name for t in tables}
    return "\n".join(
        connection.ops.sequence_reset_sql(
            no_style(), [m for m in _project_models() if m._meta.db_table in names]
        )
    )


def _insert(snapshot: Snapshot) -> None:
    _insert_tables(snapshot.tables, snapshot.sequence_sql)


def _as_stored(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _insert_tables(tables: list[_Table], sequence_sql: str) -> None:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in tables:
            if table.replaced_keys:
                key, keys = table.replaced_keys
                cursor.execute(
                    f"DELETE FROM {quote(table.name)} WHERE {quote(key)} IN "  # noqa: S608
                    f"({', '.join(['%s'] * len(keys))})",
                    keys,
                )
            rows: list[tuple[Any, ...]] = table.rows
            if table.json_columns:
                from psycopg.types.json import Json, Jsonb

                # Django reads JSON columns as their text: written back as that very text
                wrap = {"json": Json, "jsonb": Jsonb}
                rows = [
                    tuple(
                        wrap[table.json_columns[i]](v, dumps=_as_stored)
                        if i in table.json_columns and v is not None
                        else v
                        for i, v in enumerate(row)
                    )
                    for row in rows
                ]
            columns = ", ".join(quote(c) for c in table.columns)
            marks = ", ".join(["%s"] * len(table.columns))
            if not rows:
                continue
            cursor.executemany(
                f"INSERT INTO {quote(table.name)} ({columns}) VALUES ({marks})",  # noqa: S608
                rows,
            )
        if connection.vendor == "postgresql" and sequence_sql:
            cursor.execute(sequence_sql)


def restore_world(snapshot: Snapshot | None) -> World:
    """The snapshot's world in this test's database, or a fresh `build_world()` where the
    snapshot would not be the same (module docstring)."""
    now = timezone.now()
    if (
        snapshot is None
        or not (snapshot.built_at <= now < snapshot.built_at + dt.timedelta(hours=1))
        or _settings_key() != snapshot.settings_key
    ):
        return build_world()
    try:
        with transaction.atomic():
            _insert(snapshot)
    except IntegrityError:
        return build_world()
    target = Path(settings.PRIVATE_MEDIA_ROOT)
    if snapshot.media.exists():
        shutil.copytree(snapshot.media, target, dirs_exist_ok=True)
    return copy.deepcopy(snapshot.world)


# --- Replayed fixtures -----------------------------------------------------------------------
# The same idea for a fixture's further setup on top of the world (pupil A made ready, DEMO
# signers given, a page sealed): the first test that runs it records the rows and private files
# it added, the object it returned, and the exact state it started from; a later test starting
# from exactly the same state (every row of every table, the private files, the settings, the
# frozen clock) gets the recorded rows and files and a deep copy of the object instead of a
# rerun. Anything else — another starting state, a clock that is not frozen, mail sent, work
# waiting for the commit, a test outside a transaction — runs the setup for real.


@dataclass
class _Recording:
    start: str
    process_end: list[Any]
    tables: list[_Table]
    files: dict[str, bytes]
    result: Any
    sequence_sql: str


_RECORDINGS: dict[str, _Recording | None] = {}

# Process state beside the database that a replay must carry on like a real run: (read, write)
# pairs registered by the helpers that keep such state (the DEMO key pool of signing/testing.py).
PROCESS_STATE: list[tuple[Callable[[], Any], Callable[[Any], None]]] = []


def _process_state() -> list[Any]:
    return [read() for read, _ in PROCESS_STATE]


def _media_files() -> dict[str, bytes]:
    root = Path(settings.PRIVATE_MEDIA_ROOT)
    if not root.exists():
        return {}
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def _state() -> tuple[dict[str, tuple[list[str], list[tuple[Any, ...]], dict[int, str]]], str]:
    tables = {t: _read(t) for t in _all_tables()}
    files = _media_files()
    now = timezone.now()
    start = repr(
        (
            _settings_key(),
            _process_state(),
            now,
            sorted(
                (t, c, sorted(_hashable(r) for r in rows)) for t, (c, rows, _) in tables.items()
            ),
            sorted((name, hashlib.sha256(data).hexdigest()) for name, data in files.items()),
        )
    )
    return tables, hashlib.sha256(start.encode()).hexdigest()


def replayed(name: str, build: Callable[[], T]) -> T:
    """``build()``, or its recorded effect when this test starts from the recorded state."""
    from django.core import mail

    frozen = timezone.now() == timezone.now()
    if not frozen or not connection.in_atomic_block:
        return build()
    before, start = _state()
    recording = _RECORDINGS.get(name)
    if recording is not None and recording.start == start:
        with transaction.atomic():
            _insert_tables(recording.tables, recording.sequence_sql)
        root = Path(settings.PRIVATE_MEDIA_ROOT)
        for relative, data in recording.files.items():
            target = root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        for (_, write), value in zip(PROCESS_STATE, recording.process_end, strict=True):
            write(value)
        return cast(T, copy.deepcopy(recording.result))
    if name in _RECORDINGS:  # recorded from another start, or not replayable: run it for real
        return build()
    outbox = len(getattr(mail, "outbox", []))
    callbacks = len(connection.run_on_commit)
    files_before = _media_files()
    result = build()
    usable = (
        len(getattr(mail, "outbox", [])) == outbox
        and len(connection.run_on_commit) == callbacks
        and timezone.now() == timezone.now()
    )
    tables: list[_Table] = []
    key_columns = {m._meta.db_table: m._meta.pk.column for m in _project_models()}
    for table in _all_tables():
        columns, rows, json_columns = _read(table)
        old_columns, old_rows, _ = before.get(table, (columns, [], {}))
        old = {_hashable(r) for r in old_rows}
        new = {_hashable(r) for r in rows}
        if old_columns != columns or (old != new and table not in key_columns):
            usable = False
            continue
        added = [r for r in rows if _hashable(r) not in old]
        replaced = None
        gone = [r for r in old_rows if _hashable(r) not in new]
        if gone:  # rows the setup updated or deleted: their keys are deleted, then re-added
            key = key_columns[table]
            replaced = (key, [r[columns.index(key)] for r in gone])
        if added or replaced:
            tables.append(_Table(table, columns, added, json_columns, replaced))
    files_after = _media_files()
    if any(files_after.get(k) != v for k, v in files_before.items()):
        usable = False
    _RECORDINGS[name] = (
        _Recording(
            start=start,
            process_end=_process_state(),
            tables=tables,
            files={k: v for k, v in files_after.items() if k not in files_before},
            result=copy.deepcopy(result),
            sequence_sql=_sequence_sql(tables),
        )
        if usable
        else None
    )
    return result

"""The world a test gets from the snapshot (world_snapshot.py) is the one `build_world()` writes,
and a replayed fixture leaves what its real run left."""

from __future__ import annotations

from pathlib import Path

import pytest
import time_machine
from django.apps import apps
from django.conf import settings
from django.db import connection, transaction

from hocbaso.audit.verify import verify
from hocbaso.people.models import Student
from hocbaso.people.tests.world import World, build_world
from hocbaso.people.tests.world_snapshot import (
    _RECORDINGS,
    Snapshot,
    _state,
    replayed,
    restore_world,
)

pytestmark = pytest.mark.django_db

VOLATILE = {
    "date_joined",
    "created_at",
    "updated_at",
    "at",
    "hash",
    "prev_hash",
    "request_id",
    "password",
}


class _Rollback(Exception):
    pass


def _contents() -> dict[str, list[str]]:
    """Every project row, without the columns a second build gives other values (time, hashes
    chained over time, salted passwords)."""
    found = {}
    for model in apps.get_models():
        if not model.__module__.startswith("hocbaso."):
            continue
        names = [f.attname for f in model._meta.concrete_fields if f.attname not in VOLATILE]
        rows = sorted(map(repr, model._default_manager.order_by("pk").values_list(*names)))
        if rows:
            found[model._meta.label] = rows
    return found


def _rewind_sequences(snapshot: Snapshot) -> None:
    """On PostgreSQL, where a rollback does not rewind sequences: the next keys are the ones the
    snapshot's build got."""
    if connection.vendor != "postgresql":
        return
    keys = {m._meta.db_table: m._meta.pk.column for m in apps.get_models(include_auto_created=True)}
    with connection.cursor() as cursor:
        for table in snapshot.tables:
            first = min(row[table.columns.index(keys[table.name])] for row in table.rows)
            if not isinstance(first, int):
                continue  # not a sequence-numbered key
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, %s), %s, false)",
                [table.name, keys[table.name], first],
            )


def _fresh() -> dict[str, list[str]]:
    contents: dict[str, list[str]] = {}
    try:
        with transaction.atomic():
            build_world()
            contents = _contents()
            raise _Rollback
    except _Rollback:
        pass
    return contents


def test_the_restored_world_has_the_rows_and_files_a_fresh_build_writes(
    world_snapshot: Snapshot | None,
) -> None:
    # given: what a fresh build writes, rolled back
    assert world_snapshot is not None
    _rewind_sequences(world_snapshot)
    fresh = _fresh()
    assert Student.objects.count() == 0

    # when
    world = restore_world(world_snapshot)

    # then: it was the snapshot, with the same rows (keys included), a valid audit chain and
    # the pupil's photo in this test's private media
    assert world_snapshot is not None
    assert _contents() == fresh
    assert verify().intact
    assert world.pupil_a.pk == Student.objects.get(full_name="Lê Minh An").pk
    assert world.pupil_a.enrolments.get().class_group == world.class_4a
    assert world.pupil_a.guardians.get().user == world.user("parent_a")
    assert world.class_1a_other.school == world.other_school
    assert list(Path(settings.PRIVATE_MEDIA_ROOT).rglob("*")) != []
    world.pupil_a.full_name = "đổi trong bài kiểm thử"  # the test's copy, not the snapshot's
    assert world_snapshot.world.pupil_a.full_name == "Lê Minh An"


def test_a_world_asked_for_off_the_test_calendar_is_built_for_real(
    world_snapshot: Snapshot | None,
) -> None:
    with time_machine.travel("2030-01-01 08:00 +0700", tick=False):
        world = restore_world(world_snapshot)
        assert Student.objects.get(pk=world.pupil_a.pk).created_at.year == 2030


def test_a_replay_leaves_what_the_real_run_left(world: World) -> None:
    # given: a setup run for real once from the world's state, its result rolled back
    def setup() -> str:
        Student.objects.filter(pk=world.pupil_a.pk).update(full_name="Lê Minh An Hai")
        world.pupil_a.guardians.all().delete()
        return "xong"

    _RECORDINGS.pop("test.replay", None)
    with time_machine.travel("2027-05-28 09:00 +0700", tick=False):
        real_state = ""
        try:
            with transaction.atomic():
                assert replayed("test.replay", setup) == "xong"
                real_state = _state()[1]
                raise _Rollback
        except _Rollback:
            pass
        assert _RECORDINGS["test.replay"] is not None

        # when: the same setup from the same state again
        result: str = replayed("test.replay", lambda: pytest.fail("ran for real"))

        # then
        assert result == "xong"
        assert _state()[1] == real_state
    _RECORDINGS.pop("test.replay", None)

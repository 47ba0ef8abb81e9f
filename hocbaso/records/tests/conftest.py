"""The records tests run (fixture `after_cn_deadline`) after the CN deadline of the world's
school year 2026-2027 (25/05/2027); `ready` makes pupil A of 4A ready for a snapshot: four
periods filled and locked, profile complete and verified, personal ID set."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
import time_machine

from hocbaso.assessment.actions.locks import LockScope, lock_entry
from hocbaso.assessment.demo_entries import fill_class_period
from hocbaso.people.actions.students import update_student_profile, verify_student_field
from hocbaso.people.profile_fields import VERIFIABLE_FIELDS
from hocbaso.people.tests.world import World
from hocbaso.people.tests.world_snapshot import replayed

AFTER_CN_DEADLINE = dt.datetime(2027, 5, 28, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
PERIODS = ("GHKI", "CHKI", "GHKII", "CN")
PUPIL_A_PERSONAL_ID = "058216000123"
SEED = 3  # pupil A: Hoàn thành (HT) at CN with this seed
CHT_SEED = 7  # pupil A: Chưa hoàn thành (C in Ngoại ngữ 1, Công nghệ; C in Năng lực công nghệ)


@pytest.fixture
def after_cn_deadline() -> Iterator[None]:
    """Not autouse: the render tests in this directory keep the root conftest's calendar."""
    with time_machine.travel(AFTER_CN_DEADLINE, tick=False):
        yield


def fill_and_lock(world: World, *, seed: int = SEED) -> None:
    rng = random.Random(seed)
    for code in PERIODS:
        fill_class_period(world.class_4a, code, rng)
    principal = world.user("principal")
    for code in PERIODS:
        scope = LockScope(world.school.pk, code, class_id=world.class_4a.pk)
        lock_entry(scope, acting_user=principal)


def verify_profile(world: World) -> None:
    principal = world.user("principal")
    pupil = world.pupil_a
    update_student_profile(pupil.pk, {"personal_id": PUPIL_A_PERSONAL_ID}, acting_user=principal)
    for name in VERIFIABLE_FIELDS:
        verify_student_field(pupil.pk, name, "birth_certificate", acting_user=principal)
    pupil.refresh_from_db()


@pytest.fixture
def ready(world: World, after_cn_deadline: None) -> World:
    """Pupil A of 4A ready for issuance (replayed after its first run: world_snapshot.py)."""

    def make_ready() -> None:
        fill_and_lock(world)
        verify_profile(world)

    replayed("records.ready", make_ready)
    world.pupil_a.refresh_from_db()
    return world

"""The demo seed gives the province indicators between 0 and 100 %, once."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from hocbaso.oversight import boards
from hocbaso.oversight.demo import has_records, seed_oversight
from hocbaso.oversight.models import SchoolRegulation, TrainingAttendance
from hocbaso.people.tests.world import World

pytestmark = pytest.mark.django_db


def test_the_seed_uploads_quy_che_and_marks_a_training(world: World) -> None:
    uploaded, marked = seed_oversight(world.province)
    # the world has two schools: the first (by code) gets a Quy chế; the Sở's training covers
    # both schools' staff, three in four attended
    assert (uploaded, marked) == (1, 7)
    assert SchoolRegulation.objects.count() == 1
    assert TrainingAttendance.objects.filter(attended=True).count() == 6
    total = boards.province_board(world.province).total
    assert (total.regulations, total.schools) == (1, 2)
    assert 0 < total.trained < total.staff
    assert has_records()


def test_if_empty_does_nothing_the_second_time(world: World) -> None:
    seed_oversight(world.province)
    call_command("seed_demo_oversight", "--if-empty")
    assert SchoolRegulation.objects.count() == 1

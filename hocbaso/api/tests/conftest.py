from __future__ import annotations

from collections.abc import Callable

import pytest

from hocbaso.api.tests.fixtures import ApiClient, ApiWorld, build_api_world, client_for
from hocbaso.people.tests.world import World


@pytest.fixture
def api_as(world: World) -> Callable[[str], ApiClient]:
    """``api_as("parent_a")``: a client holding a fresh token of that persona."""
    return lambda persona: client_for(world.user(persona))


@pytest.fixture
def api_world(world: World) -> ApiWorld:
    return build_api_world(world)

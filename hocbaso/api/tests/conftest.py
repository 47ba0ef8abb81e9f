from __future__ import annotations

import pytest

from hocbaso.api.tests.fixtures import ApiWorld, build_api_world
from hocbaso.people.tests.world import World


@pytest.fixture
def api_world(world: World) -> ApiWorld:
    """The world, with parent_b linked to pupil_5b, GHKI released with marks for both children,
    one sealed học bạ page each, and one page each received from another school."""
    return build_api_world(world)

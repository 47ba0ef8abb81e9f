from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    """Rendered results are cached per process; a test's rolled-back rows may reuse ids."""
    cache.clear()
    yield
    cache.clear()

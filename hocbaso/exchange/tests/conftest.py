from __future__ import annotations

from hocbaso.exchange.tests.fixtures import standin

__all__ = ["standin"]

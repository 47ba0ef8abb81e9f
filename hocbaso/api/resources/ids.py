"""Path identifiers: positive integers that fit a database key (BigAutoField), so an absurd id
answers 404 or 422, never a database overflow."""

from __future__ import annotations

from typing import Annotated

from ninja import Path

MAX_ID = 2**63 - 1

Id = Annotated[int, Path(..., ge=1, le=MAX_ID)]

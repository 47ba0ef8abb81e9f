"""Path identifiers: positive integers that fit a database key (BigAutoField), so an absurd id
answers 404 or 422, never a database overflow. Free text: no NUL character, which PostgreSQL
cannot store (a 422, not a 500)."""

from __future__ import annotations

from typing import Annotated

from ninja import Path

MAX_ID = 2**63 - 1

Id = Annotated[int, Path(..., ge=1, le=MAX_ID)]

# No NUL (U+0000) anywhere in the string.
NO_NUL = r"^[^\x00]*$"

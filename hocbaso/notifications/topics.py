"""What the school tells parents about, and whether a parent may opt out of it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Topic:
    code: str
    essential: bool


PERIOD_RELEASED = Topic("period.released", essential=False)
RECORD_ISSUED = Topic("record.issued", essential=True)

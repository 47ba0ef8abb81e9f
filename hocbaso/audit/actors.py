"""Who acts when no person does: the seed, a management command, a scheduled job.

Actions accept a `SystemActor` explicitly; views always pass `request.user`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SystemActor:
    name: str
    is_authenticated: bool = False
    is_active: bool = True
    is_superuser: bool = False
    pk: None = None

    def get_username(self) -> str:
        return self.name

    @property
    def full_name(self) -> str:
        return f"hệ thống ({self.name})"


SEED = SystemActor("seed")
COMMAND = SystemActor("command")

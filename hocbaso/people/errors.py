from __future__ import annotations


class ActionError(Exception):
    """A refused write, with Vietnamese messages for the user. Nothing was changed."""

    def __init__(self, messages: list[str] | str, field_errors: dict[str, list[str]] | None = None):
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        self.field_errors = field_errors or {}
        super().__init__("; ".join(self.messages))

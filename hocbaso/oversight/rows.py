"""One row of a dashboard table: counts that add up from classes to schools to communes."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

# counters summed by `add`; the rest (key, label, url, extra) describe the row
_NOT_SUMMED = frozenset({"key", "label", "url", "regulation", "locked_label"})


@dataclass
class Row:
    key: int = 0
    label: str = ""
    url: str = ""
    schools: int = 0
    live: int = 0
    regulations: int = 0
    classes: int = 0
    locked: int = 0
    pupils: int = 0
    grade1: int = 0
    grade1_issued: int = 0
    issued: int = 0
    complete: int = 0
    photo: int = 0
    personal_id: int = 0
    staff: int = 0
    trained: int = 0
    certified: int = 0
    expiring: int = 0
    filled: int = 0
    expected: int = 0
    open_flags: int = 0
    signed: int = 0
    sealed: int = 0
    submitted: int = 0
    corrections: int = 0
    sheets: int = 0
    regulation: str = ""  # the school's current Quy chế, on a school row
    locked_label: str = ""
    extra: dict[str, int] = field(default_factory=dict)

    def add(self, other: Row) -> None:
        for f in fields(self):
            if f.name not in _NOT_SUMMED and f.name != "extra":
                setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    @property
    def entry_percent(self) -> int:
        return percent(min(self.filled, self.expected), self.expected)

    @property
    def correction_rate(self) -> str:
        """Corrections per 100 sheets, one decimal."""
        if not self.sheets:
            return "—"
        return f"{100 * self.corrections / self.sheets:.1f}"


def percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


def ratio(part: int, whole: int) -> str:
    return f"{part}/{whole} ({percent(part, whole)} %)" if whole else "0/0"

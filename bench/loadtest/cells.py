"""The cells of a simulated teacher's save (no Django, no locust: shared by both sides)."""

from __future__ import annotations

from typing import Any

KEY = "toan"


def sheet_cells(pupils: list[int], n: int) -> list[dict[str, Any]]:
    """The Toán cells of save number n: every cell differs from save n - 1 (as in bench_save)."""
    return [
        {
            "student": p,
            "code": KEY,
            "level": "THC"[(n + i) % 3],
            "score": (n + i) % 11,
            "comment": "",
        }
        for i, p in enumerate(pupils)
    ]

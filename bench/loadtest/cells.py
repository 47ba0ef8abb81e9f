"""The cells of a simulated teacher's save (no Django, no locust: shared by both sides)."""

from __future__ import annotations

from typing import Any

KEY = "toan"


def sheet_cells(pupils: list[int], n: int, rows: int | None = None) -> list[dict[str, Any]]:
    """The Toán cells of save number n: all pupils (every cell differs from save n - 1, as in
    bench_save), or `rows` pupils taking turns down the sheet like a teacher entering row by
    row; a pupil's cell then last changed `len(pupils) / rows` saves before, and its level and
    score still differ as long as that gap is not a multiple of 3 or 11."""
    cells = [
        {
            "student": p,
            "code": KEY,
            "level": "THC"[(n + i) % 3],
            "score": (n + i) % 11,
            "comment": "",
        }
        for i, p in enumerate(pupils)
    ]
    if rows is None or rows >= len(cells):
        return cells
    start = (n * rows) % len(cells)
    return (cells + cells)[start : start + rows]

"""Inline SVG bar charts drawn on the server (no script: the CSP forbids inline code). A bar is
a width in pixels computed here; the template writes it as an SVG attribute."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from hocbaso.oversight.rows import Row, percent

WIDTH = 240  # pixels of a 100 % bar


@dataclass(frozen=True)
class Bar:
    label: str
    percent: int

    @property
    def width(self) -> int:
        return round(WIDTH * min(self.percent, 100) / 100)

    @property
    def fill(self) -> str:
        return "#2e7d32" if self.percent >= 100 else "#1565c0" if self.percent >= 50 else "#c62828"


def target_bars(total: Row, *, area: bool = True) -> list[Bar]:
    """The plan's targets (100 % each) against what the area has reached."""
    bars = []
    if area:
        bars += [
            Bar(str(_("Trường dùng học bạ số")), percent(total.live, total.schools)),
            Bar(str(_("Trường có Quy chế")), percent(total.regulations, total.schools)),
        ]
    bars += [
        Bar(str(_("Lớp 1 có học bạ số")), percent(total.grade1_issued, total.grade1)),
        Bar(str(_("Hồ sơ học sinh đầy đủ")), percent(total.complete, total.pupils)),
        Bar(str(_("Cán bộ, giáo viên đã tập huấn")), percent(total.trained, total.staff)),
        Bar(str(_("Có chứng thư số còn hiệu lực")), percent(total.certified, total.staff)),
        Bar(str(_("Nhập đánh giá kì hiện tại")), total.entry_percent),
    ]
    return bars


def entry_bars(rows: list[Row]) -> list[Bar]:
    return [Bar(r.label, r.entry_percent) for r in rows]

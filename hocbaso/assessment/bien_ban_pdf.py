"""The biên bản of a correction after the lock, as a PDF: A4 portrait, rendered by Typst.

Same pattern as ``summary_pdf.py``: the template ``typst/bien_ban.typ`` receives everything as
one JSON string in ``sys.inputs``; values are placed as text, never as markup (a reason with
``#set``, ``*``, ``$``, ``]`` or ``@`` is printed as typed). Fonts are the project's own
(``hocbaso/fonts``, Liberation Serif), system fonts ignored. One compiler per process, behind a
lock. The document date is ``created_at``, so the same content always gives the same bytes.
"""

from __future__ import annotations

import json
import threading
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import typst

TEMPLATE = Path(__file__).resolve().parent / "typst" / "bien_ban.typ"
FONTS = Path(__file__).resolve().parent.parent / "fonts"
PDF_CONTENT_TYPE = "application/pdf"
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
TITLE = "BIÊN BẢN"
SUBTITLE = "Về việc điều chỉnh kết quả đánh giá học sinh sau khi khóa sổ"
COLUMNS = ["STT", "Họ và tên học sinh", "Nội dung", "Kết quả đã ghi", "Kết quả điều chỉnh"]

_lock = threading.Lock()


@dataclass(frozen=True)
class BienBanCell:
    """One changed cell, its values already formatted for print."""

    pupil_name: str
    item_label: str
    old: str
    new: str


@dataclass(frozen=True)
class BienBanContent:
    """Everything the biên bản shows. ``created_at`` must be aware (printed in Vietnam time)."""

    number: str
    authority: str
    school_name: str
    place: str
    created_at: datetime
    school_year: str
    period_label: str
    class_name: str
    sheet_label: str
    requester: tuple[str, str]  # (name, title)
    reason: str
    cells: list[BienBanCell]
    signers: list[tuple[str, str]]  # (title, name), one signature column each


@cache
def _compiler() -> typst.Compiler:
    return typst.Compiler(
        TEMPLATE, root=TEMPLATE.parent, font_paths=[FONTS], ignore_system_fonts=True
    )


def _local(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("created_at must be an aware datetime")
    return moment.astimezone(LOCAL_TZ)


def _lines(text: str) -> list[str]:
    """The reason's paragraphs (blank lines dropped, each line trimmed)."""
    lines = [line.strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return [line for line in lines if line] or [""]


def typst_data(content: BienBanContent) -> dict[str, Any]:
    """Everything the template shows, as plain JSON data."""
    local = _local(content.created_at)
    utc = local.astimezone(UTC)  # the PDF's dates are written as UTC
    requester_name, requester_title = content.requester
    requester = requester_name + (f" – {requester_title}" if requester_title else "")
    parties = [f"Người đề nghị điều chỉnh: {requester}."]
    parties += [  # the other signers (the requester is named above)
        f"{title}: {name}." if name else f"{title}: ……………………………………"
        for title, name in content.signers
        if not name or name != requester_name
    ]
    return {
        "title": f"Biên bản số {content.number} – {SUBTITLE}",
        "school": content.school_name,
        "date": {
            "year": utc.year,
            "month": utc.month,
            "day": utc.day,
            "hour": utc.hour,
            "minute": utc.minute,
            "second": utc.second,
        },
        "authority": content.authority,
        "number": content.number,
        "place_date": (
            f"{content.place}, ngày {local.day:02d} tháng {local.month:02d} năm {local.year}"
        ),
        "subtitle": SUBTITLE,
        "opening": (
            f"Hôm nay, vào hồi {local.hour:02d} giờ {local.minute:02d} phút, "
            f"ngày {local.day:02d} tháng {local.month:02d} năm {local.year}, "
            f"tại {content.school_name}, chúng tôi gồm:"
        ),
        "parties": parties,
        "context": [
            f"Năm học: {content.school_year}; kì đánh giá: {content.period_label}; "
            f"lớp: {content.class_name}.",
            f"Bảng đánh giá: {content.sheet_label} (đã khóa sổ).",
        ],
        "reason": _lines(content.reason),
        "table_intro": (
            f"Các kết quả đánh giá được đề nghị điều chỉnh ({len(content.cells)} nội dung) như sau:"
        ),
        "columns": COLUMNS,
        "rows": [
            [str(i), c.pupil_name, c.item_label, c.old, c.new]
            for i, c in enumerate(content.cells, start=1)
        ],
        "closing": (
            "Biên bản được lập thành hai bản có giá trị như nhau, một bản lưu trong hồ sơ "
            "của nhà trường, một bản lưu cùng hồ sơ đánh giá của lớp. Biên bản đã được đọc lại "
            "cho những người có tên trên cùng nghe và nhất trí kí tên dưới đây."
        ),
        "signers": [{"title": title, "name": name} for title, name in content.signers],
    }


def render_bien_ban(content: BienBanContent) -> bytes:
    """The PDF bytes of the biên bản (text normalised to NFC; same content → same bytes)."""
    data = unicodedata.normalize("NFC", json.dumps(typst_data(content), ensure_ascii=False))
    timestamp = content.created_at.astimezone(UTC).replace(microsecond=0)
    with _lock:
        pdf = _compiler().compile(format="pdf", sys_inputs={"data": data}, timestamp=timestamp)
    assert isinstance(pdf, bytes)  # one PDF document, never a list of pages
    return pdf

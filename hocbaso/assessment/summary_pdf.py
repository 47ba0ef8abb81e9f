"""The Bảng tổng hợp as a PDF: A4 landscape, rendered by Typst (stack.md).

The template ``typst/bang_tong_hop.typ`` receives the table as one JSON string in
``sys.inputs``; values are placed as text, never as markup. Fonts are the project's own
(``hocbaso/fonts``, Liberation Serif, SIL OFL), system fonts ignored, so every machine renders
the same. One compiler per process, behind a lock (the compiler is not shared across threads).
"""

from __future__ import annotations

import json
import threading
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

import typst
from django.db import transaction

from hocbaso.assessment.summary import (
    ClassSummary,
    ColumnKind,
    access_summary_for_user,
    build_summary,
    file_name,
    log_export,
)
from hocbaso.people.exports.cells import ExportFile

TEMPLATE = Path(__file__).resolve().parent / "typst" / "bang_tong_hop.typ"
FONTS = Path(__file__).resolve().parent.parent / "fonts"
PDF_CONTENT_TYPE = "application/pdf"
PRINTABLE_WIDTH_MM = 281.0  # A4 landscape (297 mm) less 8 mm margins

# Column widths in millimetres, scaled down together when the form is wider than the page.
_WIDTHS: dict[str, float] = {"stt": 6, "name": 30, "birth": 14, "female": 4.5, "ethnicity": 9}
_WIDTHS |= {"result": 7, "award": 24, "completed": 10, "promoted": 7, "note": 24}
_KIND_WIDTHS = {ColumnKind.SUBJECT_LEVEL: 5.5, ColumnKind.SCORE: 5.5, ColumnKind.RATED_LEVEL: 5}
_LEFT = frozenset({"name", "award", "note"})

_lock = threading.Lock()


@cache
def _compiler() -> typst.Compiler:
    return typst.Compiler(
        TEMPLATE, root=TEMPLATE.parent, font_paths=[FONTS], ignore_system_fonts=True
    )


def _text(value: object) -> str:
    return "" if value is None else str(value)


def typst_data(summary: ClassSummary) -> dict[str, Any]:
    """Everything the template shows, as plain JSON data."""
    widths = [_KIND_WIDTHS.get(c.kind) or _WIDTHS[c.key] for c in summary.columns]
    scale = min(1.0, PRINTABLE_WIDTH_MM / sum(widths))
    nid = summary.identity_width
    class_group = summary.class_group
    return {
        "title": summary.title,
        "subtitle": summary.subtitle,
        "authority": summary.authority,
        "school": summary.school_name,
        "lines": [
            f"Trường: {summary.school_name}",
            f"Lớp: {class_group.name}",
            f"Năm học: {class_group.school_year.code}",
            f"Kì đánh giá: {summary.period.get_code_display()}",
            f"Mẫu số {summary.form.number}",
        ],
        "widths": [round(w * scale, 2) for w in widths],
        "aligns": ["left" if c.key in _LEFT else "center" for c in summary.columns],
        "identity_width": nid,
        "header": [
            [
                {"text": h.text, "colspan": h.colspan, "rowspan": h.rowspan, "vertical": h.vertical}
                for h in row
            ]
            for row in summary.header
        ],
        "rows": [[_text(v) for v in row.cells] for row in summary.rows],
        "counts": [
            {"label": r.label, "cells": [_text(v) for v in r.cells[nid:]]}
            for r in summary.count_rows
        ],
        "totals": [[label, str(n)] for label, n in summary.totals],
        "homeroom": summary.homeroom_name,
        "principal": summary.principal_name,
        "place_date": f"{class_group.school.commune.name}, ngày …… tháng …… năm ……",
    }


def render_pdf(summary: ClassSummary) -> bytes:
    """The PDF bytes of ``summary`` (text normalised to NFC, stack.md)."""
    data = unicodedata.normalize("NFC", json.dumps(typst_data(summary), ensure_ascii=False))
    with _lock:
        pdf = _compiler().compile(format="pdf", sys_inputs={"data": data})
    assert isinstance(pdf, bytes)  # one PDF document, never a list of pages
    return pdf


@transaction.atomic
def export_summary_pdf(class_id: int, period_code: str, *, acting_user: Any) -> ExportFile:
    """The class's table as a PDF, and its ``export.class_summary`` event."""
    class_group, period = access_summary_for_user(acting_user, class_id, period_code)
    summary = build_summary(class_group, period)
    name = file_name(summary, "pdf")
    content = render_pdf(summary)
    log_export(summary, "pdf", name, acting_user=acting_user)
    return ExportFile(name, PDF_CONTENT_TYPE, content)

"""A dashboard table as a formula-safe .xlsx (the people app's writer: text cells only)."""

from __future__ import annotations

from collections.abc import Sequence

from django.http import HttpResponse

from hocbaso.people.exports.cells import ExportFormat, render_file


def xlsx_response(
    header: Sequence[str], rows: Sequence[Sequence[str]], *, basename: str, title: str
) -> HttpResponse:
    export = render_file(
        ExportFormat.XLSX,
        [str(h) for h in header],
        rows,
        basename=basename,
        title=title[:31],
        widths=[28] + [16] * (len(header) - 1),
    )
    response = HttpResponse(export.content, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response["Cache-Control"] = "no-store, private"
    return response

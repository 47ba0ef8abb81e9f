"""Visible signature appearances with correct Vietnamese: the widget of a signature field shows
"Đã kí số", the signer, their title and the signing time, typeset by Typst with the project's
fonts (pyHanko's own text stamp would need HarfBuzz for non-Latin text and shows its logo).

`appearance(...)` compiles a one-page PDF the size of the field and hands it to pyHanko as a
static stamp; the page is imported into the signed revision as a form XObject. One compiler per
process, behind a lock (as for the form itself).
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import unicodedata
from functools import cache, lru_cache
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

import typst
from pyhanko.pdf_utils.content import ImportedPdfPage
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.stamp import StaticStampStyle

TEMPLATE = Path(__file__).resolve().parent / "typst" / "stamp.typ"
FONTS = Path(__file__).resolve().parent.parent / "fonts"
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
_lock = threading.Lock()


@cache
def _compiler() -> typst.Compiler:
    return typst.Compiler(
        TEMPLATE, root=TEMPLATE.parent, font_paths=[FONTS], ignore_system_fonts=True
    )


class _ImportedPdfBytes(ImportedPdfPage):
    """pyHanko's imported page, read from bytes instead of a file."""

    def __init__(self, pdf: bytes) -> None:
        super().__init__(file_name="", page_ix=0)
        self._pdf = pdf

    def render(self) -> bytes:
        import binascii
        import uuid

        from pyhanko.pdf_utils.layout import BoxConstraints

        writer = self._ensure_writer
        xobj = writer.import_page_as_xobject(PdfFileReader(BytesIO(self._pdf)), page_ix=0)
        name = b"/Import" + binascii.hexlify(uuid.uuid4().bytes)
        self.resources.xobject[name.decode("ascii")] = xobj
        x1, y1, x2, y2 = xobj.get_object()["/BBox"]
        self.box = BoxConstraints(width=abs(x1 - x2), height=abs(y1 - y2))
        return name + b" Do"


def appearance_pdf(
    *, signer: str, title: str, moment: dt.datetime, width: float, height: float
) -> bytes:
    """The one-page PDF of the appearance (NFC text; sizes in points). The time is shown to
    the minute, so a batch signed by one person reuses one compiled appearance."""
    local = moment.astimezone(LOCAL_TZ)
    return _compiled(signer, title, f"{local:%H:%M %d/%m/%Y}", width, height)


@lru_cache(maxsize=64)
def _compiled(signer: str, title: str, shown_time: str, width: float, height: float) -> bytes:
    name = unicodedata.normalize("NFC", signer)
    role = unicodedata.normalize("NFC", title)
    lines = [name, role if role != name else "", shown_time]
    size = 7.0 if width < 120 else 9.0
    payload = json.dumps(
        {
            "width": width,
            "height": height,
            "size": size,
            "heading": "Đã kí số",
            "lines": [line for line in lines if line],
        },
        ensure_ascii=False,
    )
    with _lock:
        pdf = _compiler().compile(format="pdf", sys_inputs={"data": payload})
    assert isinstance(pdf, bytes)
    return pdf


def appearance(
    *, signer: str, title: str, moment: dt.datetime, width: float, height: float
) -> StaticStampStyle:
    """A pyHanko stamp style drawing the appearance in a thin border."""
    pdf = appearance_pdf(signer=signer, title=title, moment=moment, width=width, height=height)
    return StaticStampStyle(background=_ImportedPdfBytes(pdf), border_width=1)

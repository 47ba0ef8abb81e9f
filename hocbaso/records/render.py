"""The học bạ year page as a PDF/A-3b, rendered by Typst from the page's XML (D9, spec §6.1).

``render_page(xml, record_id=..., verify_url=...)`` depends on the XML bytes only (never on the
database), so the PDF shows exactly what the frozen snapshot says (docs/record-xml.md):

- the XML is parsed safely (lxml, no entity resolution, no network, no DTD) into plain JSON
  data; a malformed or incomplete document raises ``ValueError``;
- the template ``typst/hoc_ba.typ`` receives that data as one JSON string in ``sys.inputs``
  (text normalised to NFC, placed as text, never as markup) and the XML itself as a second
  ``sys.inputs`` string, which it attaches as ``hocba.xml`` (``application/xml``,
  AFRelationship ``Data``) with ``pdf.attach``. ``bytes(sys.inputs.xml)`` gives back the
  UTF-8 bytes exactly, so the attachment is byte-identical to the input. Passing it in memory
  (rather than writing a file under the compiler's root) is the thread-safe choice: no shared
  file names, nothing to clean up, no window where another render reads our file;
- the QR code (segno, error correction M, no boost, data mask ``QR_MASK``) carrying
  ``verify_url`` is passed as its module matrix (one ``"0"``/``"1"`` string per row). The mask
  is fixed: segno's automatic choice evaluates the ISO 18004 penalty of all eight masks in pure
  Python (~80 % of its time, a fifth of a page's render); every mask gives a valid QR code
  that readers decode (the mask number is in the format information), and mask 2 is the one
  segno's own search picks for 94 % of our verify URLs (300 sampled, all version 8), so the
  code looks as before;
- the template draws that matrix from ``data.qr.svg``: one SVG path (`qr_svg`) with a
  rectangle per horizontal run of dark modules, in module units. Typst lays one image out in
  a fraction of the time it took for ~500 placed rectangles (−6 ms of ~28 ms per page,
  bench/bench_record_render.py); the drawing is the same (tests/test_render.py reads every
  module back from the rasterised page);
- the PDF is PDF/A-3b **without** structure tags (``pdf_tags=False``): PDF/A-3b (level B)
  does not require tagging (level A would). Tags made the file 1.3× larger (210 objects
  instead of 42, 165 of them structure elements) and doubled pyHanko's verification of the
  signed record (its difference analysis reads every object of every signed revision: 88 →
  44 ms for the three-signature year page on the bench machine, same run). The trade-off:
  screen readers get the text in content order without a logical structure (the form is
  tables read row by row);
- fonts are the project's own (``hocbaso/fonts``, Liberation Serif), system fonts ignored; one
  compiler per process behind a lock; the PDF timestamp is ``ngaylap`` at 00:00 UTC, so the
  same XML always gives the same bytes.

Pages: 1 = header and section 1; 2 = sections 2–6, place/date line and the two signature
boxes. If long comments push sections 2–6 beyond page 2, the signature zone moves with them
to the **last** page: it is drawn at a fixed position of the last page, whose lower part is
reserved for it. ``SIGNATURE_BOXES`` gives the empty areas for visible signature widgets, in
PDF points with the origin at the bottom-left corner of the page, ``page=-1`` meaning the last
page (pyHanko's ``SigFieldSpec(on_page=-1, box=box.rect)`` accepts it as is).
"""

from __future__ import annotations

import json
import re
import threading
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any, Final

import segno
import typst
from lxml import etree

TEMPLATE = Path(__file__).resolve().parent / "typst" / "hoc_ba.typ"
FONTS = Path(__file__).resolve().parent.parent / "fonts"
NAMESPACE = "urn:hocbaso:hocba:1"
ATTACHMENT_NAME = "hocba.xml"
PDF_STANDARD: Final = "a-3b"  # a-3b: PDF/A that allows the XML attachment
PDF_TAGS: bool = False  # PDF/A-3b needs no structure tags; they double verification (above)
QR_MASK: int | None = 2  # a fixed data mask (segno numbering): no penalty search (above)
_QR_DIGITS: Final = bytes([ord("0")] + [ord("1")] * 255)  # module value → "0" (light) / "1"
_DARK_RUN: Final = re.compile("1+")
PDF_CONTENT_TYPE = "application/pdf"

# A4 portrait in PDF points (1 pt = 1/72 in, Typst's pt as well).
PAGE_WIDTH = 210 / 25.4 * 72  # 595.28
PAGE_HEIGHT = 297 / 25.4 * 72  # 841.89
MARGIN = {"left": 57.0, "right": 42.0, "top": 42.0, "bottom": 42.0}
TEXT_WIDTH = PAGE_WIDTH - MARGIN["left"] - MARGIN["right"]

# The signature zone of the last page, as distances from the top of the page (pt). Content
# ends above SIGN_ZONE_TOP on every page of sections 2–6 (that page's bottom margin).
SIGN_ZONE_TOP = 598.0
PLACE_DATE_TOP = 606.0
SIGN_HEADING_TOP = 628.0
SIGN_BOX_TOP = 696.0
SIGN_BOX_WIDTH = 200.0
SIGN_BOX_HEIGHT = 80.0
SIGN_NAME_TOP = SIGN_BOX_TOP + SIGN_BOX_HEIGHT + 4.0
FOOTER_TOP = 812.0
_COLUMN = TEXT_WIDTH / 2
_LEFT_BOX_X = MARGIN["left"] + (_COLUMN - SIGN_BOX_WIDTH) / 2
_RIGHT_BOX_X = MARGIN["left"] + _COLUMN + (_COLUMN - SIGN_BOX_WIDTH) / 2

# The QR code on page 1: top-right corner of the text area, drawn without its quiet zone
# (the page keeps at least four modules around it empty).
QR_SIZE = 72.0
QR_LEFT = PAGE_WIDTH - MARGIN["right"] - QR_SIZE
QR_TOP = MARGIN["top"]

_lock = threading.Lock()


@dataclass(frozen=True)
class SignatureBox:
    """An empty area of the page for a visible signature widget (PDF points, origin bottom-left).

    ``page`` is a 0-based page index, negative from the end (``-1`` = the last page).
    """

    role: str
    page: int
    x: float
    y: float
    w: float
    h: float

    @property
    def rect(self) -> tuple[float, float, float, float]:
        """``(x1, y1, x2, y2)``: the PDF rectangle (pyHanko's ``SigFieldSpec.box``)."""
        return (self.x, self.y, round(self.x + self.w, 2), round(self.y + self.h, 2))

    @property
    def top(self) -> float:
        """Distance from the top of the page (Typst's coordinates)."""
        return round(PAGE_HEIGHT - self.y - self.h, 2)


def _box(role: str, left: float, width: float = SIGN_BOX_WIDTH) -> SignatureBox:
    y = round(PAGE_HEIGHT - SIGN_BOX_TOP - SIGN_BOX_HEIGHT, 2)
    return SignatureBox(role, -1, round(left, 2), y, width, SIGN_BOX_HEIGHT)


# The principal's column holds two blocks side by side: the school seal (D8's last signature,
# a square on the left, where the paper stamp overlaps the signature) and the principal's
# signature; the homeroom teacher's block is in the right column.
SEAL_BOX_WIDTH = SIGN_BOX_HEIGHT
PRINCIPAL_BOX_WIDTH = 156.0
_SEAL_BOX_X = MARGIN["left"] + (_COLUMN - SEAL_BOX_WIDTH - 6.0 - PRINCIPAL_BOX_WIDTH) / 2
SIGNATURE_BOXES: dict[str, SignatureBox] = {
    "seal": _box("seal", _SEAL_BOX_X, SEAL_BOX_WIDTH),
    "principal": _box("principal", _SEAL_BOX_X + SEAL_BOX_WIDTH + 6.0, PRINCIPAL_BOX_WIDTH),
    "homeroom": _box("homeroom", _RIGHT_BOX_X),
}


def signature_boxes() -> dict[str, SignatureBox]:
    """The signature widget areas of every year page, by role (``principal``, ``homeroom``)."""
    return dict(SIGNATURE_BOXES)


@cache
def _compiler() -> typst.Compiler:
    return typst.Compiler(
        TEMPLATE, root=TEMPLATE.parent, font_paths=[FONTS], ignore_system_fonts=True
    )


# ---------------------------------------------------------------------------------------------
# XML → plain data


def _q(name: str) -> str:
    return f"{{{NAMESPACE}}}{name}"


def _child(parent: Any, name: str) -> Any:
    element = parent.find(_q(name))
    if element is None:
        where = etree.QName(parent).localname
        raise ValueError(f"Học bạ XML: <{name}> is missing in <{where}>")
    return element


def _text(parent: Any, name: str) -> str:
    return (_child(parent, name).text or "").strip()


def _bool(parent: Any, name: str) -> bool:
    value = _text(parent, name)
    if value not in ("true", "false"):
        raise ValueError(f"Học bạ XML: <{name}> must be true or false, not {value!r}")
    return value == "true"


def _parse(xml: bytes) -> Any:
    if not isinstance(xml, bytes):
        raise ValueError("Học bạ XML: expected bytes")
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
    )
    try:
        root = etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as error:
        raise ValueError(f"Học bạ XML: not well-formed ({error})") from error
    if root.getroottree().docinfo.doctype:
        raise ValueError("Học bạ XML: a DOCTYPE is not allowed")
    if root.tag != _q("hocba"):
        raise ValueError(f"Học bạ XML: the root must be <hocba xmlns={NAMESPACE!r}>")
    return root


def _rows(parent: Any, tag: str) -> list[dict[str, str]]:
    rows = []
    for item in parent.findall(_q(tag)):
        row = {"code": item.get("ma", ""), "name": _text(item, "ten")}
        row["level"] = _text(item, "mucdat")
        if tag == "mon":
            row["score"] = _text(item, "diemktdk")
        row["comment"] = _text(item, "nhanxet")
        rows.append(row)
    return rows


def _issue_date(root: Any) -> date:
    value = _text(root, "ngaylap")
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise ValueError(f"Học bạ XML: <ngaylap> is not an ISO date: {value!r}") from error


def qr_matrix(url: str) -> list[str]:
    """The QR code of ``url`` (error correction M, mask ``QR_MASK``), one ``"0"``/``"1"``
    string per row."""
    code = segno.make(url, error="m", boost_error=False, micro=False, mask=QR_MASK)
    return [bytes(row).translate(_QR_DIGITS).decode("ascii") for row in code.matrix]


def qr_svg(rows: list[str]) -> str:
    """The QR matrix ``rows`` as an SVG image: one path, a rectangle per run of dark modules,
    one unit per module, no quiet zone."""
    size = len(rows)
    path = []
    for y, row in enumerate(rows):
        for run in _DARK_RUN.finditer(row):
            width = run.end() - run.start()
            path.append(f"M{run.start()} {y}h{width}v1h-{width}z")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
        f'width="{size}" height="{size}"><path d="{"".join(path)}"/></svg>'
    )


def typst_data(xml: bytes, *, record_id: str, verify_url: str) -> dict[str, Any]:
    """Everything the template shows, as plain JSON data (from the XML only)."""
    root = _parse(xml)
    unit = _child(root, "donvi")
    pupil = _child(root, "hocsinh")
    issued = _issue_date(root)
    grade_text = _text(root, "khoi")
    try:
        grade = int(grade_text)
    except ValueError as error:
        raise ValueError(f"Học bạ XML: <khoi> is not a grade: {grade_text!r}") from error
    completion = _child(root, "hoanthanhchuongtrinh")
    completed = completion.get("dat") == "true"
    promoted = _bool(root, "lenlop")
    if grade < 5:
        promotion = f"Được lên lớp {grade + 1}" if promoted else f"Ở lại lớp {grade}"
    else:
        promotion = "" if completed or promoted else f"Ở lại lớp {grade}"
    principal = _child(root, "hieutruong")
    principal_title = (principal.get("chucvu") or "Hiệu trưởng").strip()
    title_lines = [principal_title.upper()]
    if unicodedata.normalize("NFC", principal_title).casefold() != "hiệu trưởng":
        title_lines.insert(0, "KT. HIỆU TRƯỞNG")
    result = _child(root, "ketquagiaoduc")
    name = _text(pupil, "hovaten")
    school_year = _text(root, "namhoc")
    place = _text(unit, "diadanhphathanh")
    boxes = [SIGNATURE_BOXES[role] for role in ("seal", "principal", "homeroom")]
    rows = qr_matrix(verify_url)
    return {
        "title": f"Học bạ – {name} – Năm học {school_year}",
        "school": _text(unit, "tentruong"),
        "authority": _text(unit, "tenso"),
        "record_id": record_id,
        "version": _text(root, "phienban"),
        "issued": issued.isoformat(),
        "pupil": name,
        "class": _text(root, "lop"),
        "school_year": school_year,
        "units": _rows(_child(root, "monhoc"), "mon"),
        "qualities": _rows(_child(root, "phamchat"), "muc"),
        "general": _rows(_child(root, "nanglucchung"), "muc"),
        "specific": _rows(_child(root, "nanglucdacthu"), "muc"),
        "result": (result.text or "").strip(),
        "supplementary": _text(root, "danhgiabosung"),
        "awards": [(k.text or "").strip() for k in _child(root, "khenthuong").findall(_q("khen"))],
        "completion": (completion.text or "").strip(),
        "promotion": promotion,
        "place_date": (
            f"{place}, ngày {issued.day:02d} tháng {issued.month:02d} năm {issued.year}"
        ),
        "principal": {"name": (principal.text or "").strip(), "title_lines": title_lines},
        "homeroom": _text(root, "giaovienchunhiem"),
        "qr": {"rows": rows, "url": verify_url, "svg": qr_svg(rows)},
        "layout": {
            "margin": MARGIN,
            "sign_zone_top": SIGN_ZONE_TOP,
            "place_date_top": PLACE_DATE_TOP,
            "heading_top": SIGN_HEADING_TOP,
            "name_top": SIGN_NAME_TOP,
            "footer_top": FOOTER_TOP,
            "column": _COLUMN,
            "boxes": [{"x": b.x, "top": b.top, "w": b.w, "h": b.h} for b in boxes],
            "qr": {"x": QR_LEFT, "y": QR_TOP, "size": QR_SIZE},
        },
    }


def issue_timestamp(data: dict[str, Any]) -> datetime:
    """The PDF's creation date: ``ngaylap`` at 00:00 UTC (no time of day, no microseconds)."""
    issued = date.fromisoformat(data["issued"])
    return datetime(issued.year, issued.month, issued.day, tzinfo=UTC)


def render_page(xml: bytes, *, record_id: str, verify_url: str) -> bytes:
    """The PDF/A-3b bytes of the year page described by ``xml`` (attached as ``hocba.xml``).

    Raises ``ValueError`` when the XML is malformed, not UTF-8 or misses an element.
    """
    data = typst_data(xml, record_id=record_id, verify_url=verify_url)
    try:
        xml_text = xml.decode("utf-8")  # strict: the attachment must round-trip byte for byte
    except UnicodeDecodeError as error:
        raise ValueError("Học bạ XML: not UTF-8") from error
    if xml_text.encode("utf-8") != xml:  # pragma: no cover - UTF-8 always round-trips
        raise ValueError("Học bạ XML: bytes do not round-trip through UTF-8")
    payload = unicodedata.normalize("NFC", json.dumps(data, ensure_ascii=False))
    timestamp = issue_timestamp(data)
    with _lock:
        pdf = _compiler().compile(
            format="pdf",
            sys_inputs={"data": payload, "xml": xml_text},
            pdf_standards=[PDF_STANDARD],
            timestamp=timestamp,
            pdf_tags=PDF_TAGS,
        )
    assert isinstance(pdf, bytes)  # one PDF document, never a list of pages
    return pdf

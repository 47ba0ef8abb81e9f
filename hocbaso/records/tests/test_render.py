"""The year page PDF: PDF/A-3b, XML attached byte for byte, own fonts, text, QR, determinism."""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
import segno

from hocbaso.records import render
from hocbaso.records.render import render_page, typst_data

DATA = Path(__file__).resolve().parent / "data"
SAMPLE = (DATA / "sample_page.xml").read_bytes()
RECORD_ID = "HB-79-79000123-0123456789-2026"
VERIFY_URL = (
    "https://hocbaso.example.vn/xac-minh/HB-79-79000123-0123456789-2026?v=1&sha256=" + "ab" * 32
)

pytestmark = pytest.mark.skipif(
    not all(shutil.which(t) for t in ("pdfinfo", "pdfdetach", "pdffonts", "pdftotext", "pdftoppm")),
    reason="poppler-utils not installed",
)


def _render(xml: bytes = SAMPLE) -> bytes:
    return render_page(xml, record_id=RECORD_ID, verify_url=VERIFY_URL)


@pytest.fixture(scope="module")
def pdf_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("render") / "page.pdf"
    path.write_bytes(_render())
    return path


def _run(*args: str | Path) -> str:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, check=True).stdout


def _words(pdf: Path, *extra: str) -> str:
    """The PDF's text in content order, whitespace collapsed (lines of a cell joined)."""
    return " ".join(_run("pdftotext", "-raw", *extra, pdf, "-").split())


def test_pdf_a_3b_two_pages(pdf_path):
    info = _run("pdfinfo", pdf_path)
    assert re.search(r"Pages:\s+2\b", info)
    assert "595.276 x 841.89 pts (A4)" in info
    meta = _run("pdfinfo", "-meta", pdf_path)
    assert "<pdfaid:part>3</pdfaid:part>" in meta
    assert "<pdfaid:conformance>B</pdfaid:conformance>" in meta
    assert "Nguyễn Thị Ngọc Ánh" in meta  # the document title


def test_xml_attached_byte_for_byte(pdf_path, tmp_path):
    listing = _run("pdfdetach", "-list", pdf_path)
    assert "1 embedded files" in listing
    assert "1: hocba.xml" in listing
    out = tmp_path / "out.xml"
    _run("pdfdetach", "-save", "1", "-o", out, pdf_path)
    assert out.read_bytes() == SAMPLE
    raw = pdf_path.read_bytes()
    assert b"/AFRelationship/Data" in raw.replace(b" ", b"")
    assert b"/Subtype/application#2Fxml" in raw.replace(b" ", b"")


def test_only_embedded_liberation_serif(pdf_path):
    lines = _run("pdffonts", pdf_path).splitlines()[2:]
    assert lines
    for line in lines:
        name, *_ = line.split()
        assert re.fullmatch(r"[A-Z]{6}\+LiberationSerif(-Bold|-Italic|-BoldItalic)?", name), line
        assert " yes yes yes " in line, line  # embedded, subset, ToUnicode


def test_text_of_the_form(pdf_path):
    text = _words(pdf_path)
    assert unicodedata.is_normalized("NFC", text)
    for title in (
        "1. Các môn học và hoạt động giáo dục",
        "Môn học và hoạt động giáo dục",
        "Mức đạt được",
        "Điểm KTĐK",
        "Nhận xét",
        "2. Những phẩm chất chủ yếu",
        "3. Những năng lực cốt lõi",
        "3.1. Những năng lực chung",
        "3.2. Những năng lực đặc thù",
        "4. Đánh giá kết quả giáo dục",
        "5. Khen thưởng",
        "6. Hoàn thành chương trình lớp học/chương trình tiểu học",
        "XÁC NHẬN CỦA HIỆU TRƯỞNG",
        "(Ký, ghi rõ họ tên và đóng dấu)",
        "KT. HIỆU TRƯỞNG PHÓ HIỆU TRƯỞNG",
        "GIÁO VIÊN CHỦ NHIỆM",
        "(Ký và ghi rõ họ tên)",
    ):
        assert title in text, title
    data = typst_data(SAMPLE, record_id=RECORD_ID, verify_url=VERIFY_URL)
    assert len(data["units"]) == 12
    assert (len(data["qualities"]), len(data["general"]), len(data["specific"])) == (5, 3, 7)
    for row in data["units"] + data["qualities"] + data["general"] + data["specific"]:
        assert row["name"] in text, row["name"]
        assert row["comment"] in text, row["comment"]
    for value in (
        "Họ và tên: Nguyễn Thị Ngọc Ánh",
        "Lớp: 4A",
        "Năm học: 2026-2027",
        "Trường: Trường Tiểu học Nguyễn Bỉnh Khiêm",
        "Hoàn thành xuất sắc",
        "- Học sinh Xuất sắc",
        '- Giải Nhì Hội thi "Viết chữ đẹp" cấp trường & giải Ba kể chuyện',
        "Hoàn thành chương trình lớp 4",
        "Được lên lớp 5",
        "Phường Bến Thành, ngày 28 tháng 05 năm 2027",
        "Phạm Quốc Việt",
        "Lê Thị Thu Hà",
        RECORD_ID,
    ):
        assert value in text, value
    # Typst markup characters are printed as typed, never interpreted.
    assert "dùng ký hiệu #, *, $, @, ], <nhãn> trong bài đọc nhạc." in text


def test_decomposed_input_is_printed_nfc(tmp_path):
    comment = "Đọc lưu loát, diễn cảm; viết đoạn văn tả cây cối giàu hình ảnh."
    decomposed = unicodedata.normalize("NFD", comment)
    assert decomposed != comment
    xml = SAMPLE.replace(comment.encode(), decomposed.encode())
    path = tmp_path / "nfd.pdf"
    path.write_bytes(_render(xml))
    text = _words(path)
    assert comment in text
    out = tmp_path / "out.xml"
    _run("pdfdetach", "-save", "1", "-o", out, path)
    assert out.read_bytes() == xml  # the attachment stays exactly the input


def test_qr_matrix_is_segnos():
    data = typst_data(SAMPLE, record_id=RECORD_ID, verify_url=VERIFY_URL)
    code = segno.make(VERIFY_URL, error="m", boost_error=False)
    assert code.error == "M"
    expected = ["".join(str(m) for m in row) for row in code.matrix]
    assert data["qr"]["rows"] == expected


def test_qr_drawn_as_the_matrix(pdf_path, tmp_path):
    """zbarimg is not installed: rasterise page 1 and read every module back at its centre."""
    rows = typst_data(SAMPLE, record_id=RECORD_ID, verify_url=VERIFY_URL)["qr"]["rows"]
    dpi = 288
    scale = dpi / 72
    x, y, size = render.QR_LEFT * scale, render.QR_TOP * scale, render.QR_SIZE * scale
    prefix = tmp_path / "qr"
    _run(
        "pdftoppm", "-r", str(dpi), "-f", "1", "-l", "1", "-gray", "-singlefile",
        "-x", str(int(x)), "-y", str(int(y)), "-W", str(int(size) + 2), "-H", str(int(size) + 2),
        pdf_path, prefix,
    )  # fmt: skip
    pgm = (tmp_path / "qr.pgm").read_bytes()
    header = re.match(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s", pgm)
    assert header
    width = int(header.group(1))
    pixels = pgm[header.end() :]
    module = size / len(rows)
    for i, row in enumerate(rows):
        for j, bit in enumerate(row):
            px = int(x + (j + 0.5) * module) - int(x)
            py = int(y + (i + 0.5) * module) - int(y)
            dark = pixels[py * width + px] < 128
            assert dark == (bit == "1"), (i, j)


def test_same_xml_same_bytes():
    assert _render() == _render()


def test_signature_boxes_are_empty_and_under_their_headings(pdf_path):
    boxes = render.signature_boxes()
    assert set(boxes) == {"seal", "principal", "homeroom"}
    seal, principal, homeroom = boxes["seal"], boxes["principal"], boxes["homeroom"]
    assert seal.page == principal.page == homeroom.page == -1
    assert principal.rect == (principal.x, principal.y, principal.x + 156, principal.y + 80)
    assert seal.rect == (seal.x, seal.y, seal.x + 80, seal.y + 80)
    # side by side: seal, principal (left column), homeroom teacher (right column)
    assert 0 < seal.x < seal.x + seal.w < principal.x < principal.x + principal.w < homeroom.x
    assert principal.x + principal.w <= render.MARGIN["left"] + render.TEXT_WIDTH / 2
    assert homeroom.x + homeroom.w < render.PAGE_WIDTH
    bbox = _run("pdftotext", "-bbox", "-f", "2", "-l", "2", pdf_path, "-")
    words = [
        (float(m[1]), float(m[2]), float(m[3]), float(m[4]), m[5])
        for m in re.finditer(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
            bbox,
        )
    ]
    assert words
    for box in boxes.values():
        top, bottom = box.top, box.top + box.h  # pdftotext measures from the top of the page
        for x0, y0, x1, y1, word in words:
            overlaps = x0 < box.x + box.w and x1 > box.x and y0 < bottom and y1 > top
            assert not overlaps, (box.role, word)
    above = {w[4] for w in words if w[3] <= homeroom.top and w[0] >= homeroom.x - 30}
    assert {"GIÁO", "VIÊN", "CHỦ", "NHIỆM"} <= above
    below_left = {w[4] for w in words if w[1] >= principal.top + principal.h and w[2] < 300}
    assert {"Phạm", "Quốc", "Việt"} <= below_left


def test_signatures_follow_long_content_to_the_last_page(tmp_path):
    long_comment = "Em tiến bộ rõ rệt trong học kì II, cần tiếp tục rèn luyện thêm. " * 6
    xml = SAMPLE.replace(
        "Tự giác chuẩn bị bài, biết tự đánh giá kết quả học tập.".encode(), long_comment.encode()
    ).replace("Thật thà, dũng cảm nhận lỗi.".encode(), long_comment.encode())
    path = tmp_path / "long.pdf"
    path.write_bytes(_render(xml))
    assert re.search(r"Pages:\s+3\b", _run("pdfinfo", path))
    assert "GIÁO VIÊN CHỦ NHIỆM" not in _words(path, "-f", "2", "-l", "2")
    assert "GIÁO VIÊN CHỦ NHIỆM" in _words(path, "-f", "3", "-l", "3")


@pytest.mark.parametrize(
    ("xml", "message"),
    [
        (b"<hocba xmlns='urn:hocbaso:hocba:1'><madinh", "not well-formed"),
        (b"", "not well-formed"),
        (b"<hocba xmlns='urn:other'/>", "root must be"),
        (SAMPLE.replace(b"<lenlop>true</lenlop>", b""), "<lenlop> is missing"),
        (SAMPLE.replace(b"<ngaylap>2027-05-28<", b"<ngaylap>28/05/2027<"), "ISO date"),
        (
            b'<?xml version="1.0"?><!DOCTYPE hocba [<!ENTITY x "y">]>'
            b"<hocba xmlns='urn:hocbaso:hocba:1'>&x;</hocba>",
            "DOCTYPE",
        ),
        (
            SAMPLE.replace(b"<hocsinh>", b"<hocsinh_>").replace(b"</hocsinh>", b"</hocsinh_>"),
            "<hocsinh> is missing",
        ),
        (SAMPLE.replace(b"<khoi>4</khoi>", "<khoi>bốn</khoi>".encode()), "<khoi> is not a grade"),
    ],
)
def test_malformed_xml_raises_value_error(xml, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        _render(xml)


def test_non_utf8_xml_is_refused():
    """Well-formed in its declared encoding, but the attachment must be the UTF-8 contract."""
    text = SAMPLE.replace(b'encoding="UTF-8"', b'encoding="ISO-8859-1"', 1).decode("utf-8")
    latin = "".join(c if ord(c) < 256 else "?" for c in text).encode("latin-1")
    with pytest.raises(ValueError, match="not UTF-8"):
        _render(latin)

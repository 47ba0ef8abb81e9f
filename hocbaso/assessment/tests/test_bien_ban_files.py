"""Uploaded biên bản files: a hostile corpus refused, clean PDFs and images kept (images without
metadata), storage by SHA-256 with tampering detected on read."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from hocbaso.assessment.bien_ban_files import (
    MSG_BAD_DIGEST,
    MSG_EMPTY,
    MSG_IMAGE_INVALID,
    MSG_IMAGE_TOO_LARGE,
    MSG_MISSING,
    MSG_NOT_ACCEPTED,
    MSG_PDF_ACTIVE,
    MSG_PDF_DAMAGED,
    MSG_PDF_ENCRYPTED,
    MSG_TAMPERED,
    bien_ban_path,
    read_bien_ban,
    store_bien_ban,
    validate_upload,
)
from hocbaso.assessment.bien_ban_pdf import BienBanCell, BienBanContent, render_bien_ban
from hocbaso.people.errors import ActionError

# --- building test files -----------------------------------------------------------------------


def stream(body: bytes, entries: bytes = b"") -> bytes:
    return b"<<%s/Length %d>>\nstream\n%s\nendstream" % (entries, len(body), body)


def make_pdf(
    catalog_extra: bytes = b"", extra: list[bytes] | None = None, trailer: bytes = b""
) -> bytes:
    """A small well-formed PDF (exact xref offsets): objects 1-4 are a one-page document,
    ``extra`` objects are numbered from 5."""
    objects = [
        b"<</Type/Catalog/Pages 2 0 R%s>>" % catalog_extra,
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R>>",
        stream(b"BT /F1 12 Tf 72 720 Td (Bien ban) Tj ET"),
        *(extra or []),
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<</Size %d/Root 1 0 R%s>>\n" % (len(objects) + 1, trailer)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def object_stream(objects: list[bytes]) -> bytes:
    """A compressed object stream (PDF 1.5) holding ``objects`` as numbers 100, 101, …"""
    header, bodies, offset = [], b"", 0
    for number, body in enumerate(objects, start=100):
        header.append(b"%d %d" % (number, offset))
        bodies += body + b"\n"
        offset = len(bodies)
    head = b" ".join(header) + b"\n"
    data = zlib.compress(head + bodies)
    entries = b"/Type/ObjStm/N %d/First %d/Filter/FlateDecode" % (len(objects), len(head))
    return stream(data, entries)


def image_bytes(kind: str, size: tuple[int, int] = (40, 20), **save: object) -> bytes:
    img = Image.new("RGB", size, (200, 30, 30))
    img.paste((20, 20, 220), (0, 0, size[0] // 2, size[1]))  # left half blue: orientation visible
    out = io.BytesIO()
    img.save(out, format=kind, **save)
    return out.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(side: int = 10_000) -> bytes:
    """A 1-bit grey PNG of side × side pixels (100 Mpx) in a few kilobytes."""
    raw = zlib.compress(b"\x00" * ((1 + side // 8) * side), 9)
    ihdr = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", raw)
        + png_chunk(b"IEND", b"")
    )


def zip_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("bien_ban.pdf", make_pdf())
    return out.getvalue()


def generated_pdf() -> bytes:
    return render_bien_ban(
        BienBanContent(
            number="00007/2026/BB-ĐC",
            authority="UBND xã Đô Vinh",
            school_name="Trường Tiểu học Đô Vinh",
            place="Đô Vinh",
            created_at=dt.datetime(2026, 5, 20, 3, 15, tzinfo=dt.UTC),
            school_year="2025-2026",
            period_label="Cuối năm học",
            class_name="4A",
            sheet_label="Toán",
            requester=("Nguyễn Văn An", "Giáo viên bộ môn Toán"),
            reason="Nhập nhầm điểm của học sinh.",
            cells=[BienBanCell("Nguyễn Thị Ánh", "Điểm kiểm tra định kì", "7", "9")],
            signers=[("Người đề nghị", "Nguyễn Văn An"), ("Hiệu trưởng", "Trần Thị Bình")],
        )
    )


def refused(data: bytes, filename: str = "bien_ban.pdf") -> str:
    with pytest.raises(ActionError) as caught:
        validate_upload(data, filename)
    return caught.value.messages[0]


# --- the hostile corpus ------------------------------------------------------------------------

JS_ACTION = b"<</S/JavaScript/JS(app.alert(1))>>"
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
)
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script>%PDF-1.7</body></html>"

HOSTILE = {
    "JavaScript in the open action": (make_pdf(b"/OpenAction 5 0 R", [JS_ACTION]), MSG_PDF_ACTIVE),
    "OpenAction to a page": (make_pdf(b"/OpenAction[3 0 R/Fit]"), MSG_PDF_ACTIVE),
    "JavaScript name tree": (
        make_pdf(b"/Names<</JavaScript 5 0 R>>", [b"<</Names[(a) 6 0 R]>>", JS_ACTION]),
        MSG_PDF_ACTIVE,
    ),
    "escaped name /Open#41ction": (
        make_pdf(b"/Open#41ction 5 0 R", [b"<</S/Named/N/Print>>"]),
        MSG_PDF_ACTIVE,
    ),
    "additional actions /AA": (
        make_pdf(b"/AA<</O 5 0 R>>", [b"<</S/Named/N/Print>>"]),
        MSG_PDF_ACTIVE,
    ),
    "launch action": (
        make_pdf(b"/OpenAction 5 0 R", [b"<</S/Launch/F(cmd.exe)>>"]),
        MSG_PDF_ACTIVE,
    ),
    "embedded file": (
        make_pdf(b"/Names<</EmbeddedFiles 5 0 R>>", [stream(b"MZ", b"/Type/EmbeddedFile")]),
        MSG_PDF_ACTIVE,
    ),
    "JS inside a compressed object stream": (
        make_pdf(extra=[object_stream([b"<</Type/Action/S/JavaScript/JS(x)>>"])]),
        MSG_PDF_ACTIVE,
    ),
    "JS in an unfiltered stream": (
        make_pdf(extra=[stream(b"<</S/JavaScript/JS(x)>>")]),
        MSG_PDF_ACTIVE,
    ),
    "a fake stream in a string hiding an action": (
        make_pdf(
            b"/Lang(vi/Length 22>>stream\n) /OpenAction 5 0 R /Title (\nendstream)",
            [b"<</S/Named/N/Print>>"],
        ),
        MSG_PDF_ACTIVE,
    ),
    "object stream disguised as an image": (
        make_pdf(
            extra=[
                object_stream([b"<</S/JavaScript/JS(x)>>"]).replace(
                    b"/Type/ObjStm", b"/Subtype/Image"
                )
            ]
        ),
        MSG_PDF_ACTIVE,
    ),
    "object stream disguised as a font program": (
        make_pdf(b"/X<</FontFile2 5 0 R>>", [object_stream([b"<</S/JavaScript/JS(x)>>"])]),
        MSG_PDF_ACTIVE,
    ),
    "object stream behind an unreadable filter": (
        make_pdf(extra=[stream(b"\x80\x0b\x60", b"/Type/ObjStm/N 1/First 4/Filter/LZWDecode")]),
        MSG_PDF_DAMAGED,
    ),
    "an action after the data of a stream with an indirect /Length": (
        make_pdf(
            extra=[
                b"<</Subtype/Image/Filter/DCTDecode/Length 6 0 R>>\nstream\n\xff(\xd8\xd9 /OpenAction 5 0 R\nendstream",
                b"4",
            ]
        ),
        MSG_PDF_ACTIVE,
    ),
    "encrypted": (
        make_pdf(
            trailer=b"/Encrypt 5 0 R", extra=[b"<</Filter/Standard/V 2/R 3/O<00>/U<00>/P -4>>"]
        ),
        MSG_PDF_ENCRYPTED,
    ),
    "truncated (no %%EOF)": (make_pdf()[:-60], MSG_PDF_DAMAGED),
    "%%EOF far from the end": (make_pdf() + b"\n" * 2000, MSG_PDF_DAMAGED),
    "startxref pointing nowhere": (
        make_pdf().replace(b"startxref\n", b"startxref\n9"),
        MSG_PDF_DAMAGED,
    ),
    "no startxref": (make_pdf().replace(b"startxref", b"startxrf"), MSG_PDF_DAMAGED),
    "corrupt compressed stream": (
        make_pdf(extra=[stream(b"not zlib at all", b"/Filter/FlateDecode")]),
        MSG_PDF_DAMAGED,
    ),
    "HTML named .pdf": (HTML, MSG_NOT_ACCEPTED),
    "SVG": (SVG, MSG_NOT_ACCEPTED),
    "GIF": (GIF, MSG_NOT_ACCEPTED),
    "zip": (zip_bytes(), MSG_NOT_ACCEPTED),
    "plain text": ("Biên bản".encode(), MSG_NOT_ACCEPTED),
    "decompression bomb PNG": (png_bomb(), MSG_IMAGE_TOO_LARGE),
    "truncated JPEG": (image_bytes("JPEG", (400, 300))[:400], MSG_IMAGE_INVALID),
    "empty": (b"", MSG_EMPTY),
}


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")  # refused anyway
@pytest.mark.parametrize(("data", "message"), HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_uploads_are_refused_with_a_vietnamese_message(data: bytes, message: str) -> None:
    assert refused(data) == message


def test_the_bomb_is_small_on_disk() -> None:
    assert len(png_bomb()) < 50_000


def test_the_messages_read_well() -> None:
    assert MSG_NOT_ACCEPTED == "Biên bản phải là tệp PDF hoặc ảnh JPEG/PNG."
    assert "mã hóa" in MSG_PDF_ENCRYPTED
    assert MSG_TAMPERED.startswith("Tệp biên bản đã bị thay đổi trên đĩa")


def test_an_oversize_file_is_refused(settings) -> None:
    settings.BIEN_BAN_MAX_UPLOAD_BYTES = 2 * 1024 * 1024
    data = make_pdf(extra=[stream(b"0" * (2 * 1024 * 1024))])

    assert refused(data) == "Tệp biên bản quá lớn: tối đa 2 MB."


def test_the_default_limit_is_10_mb(settings) -> None:
    del settings.BIEN_BAN_MAX_UPLOAD_BYTES  # not configured
    padding = b"0" * (10 * 1024 * 1024)

    assert refused(make_pdf(extra=[stream(padding)])) == "Tệp biên bản quá lớn: tối đa 10 MB."
    assert validate_upload(make_pdf(extra=[stream(padding[:-1024])]), "a.pdf").extension == "pdf"


# --- accepted files ----------------------------------------------------------------------------


def test_the_generated_bien_ban_is_accepted_unchanged() -> None:
    pdf = generated_pdf()

    upload = validate_upload(pdf, "bien_ban.pdf")

    assert (upload.data, upload.content_type, upload.extension) == (pdf, "application/pdf", "pdf")


def test_a_plain_pdf_is_accepted_and_binary_image_data_is_not_read_as_names() -> None:
    image = stream(
        b"\xff\xd8 /JS /AA /OpenAction \xff\xd9", b"/Type/XObject/Subtype/Image/Filter/DCTDecode"
    )
    for data in (
        make_pdf(),
        make_pdf(extra=[image]),
        make_pdf(extra=[object_stream([b"<</A 1>>"])]),
    ):
        assert validate_upload(data, "x.pdf").content_type == "application/pdf"


def test_names_in_strings_and_in_font_programs_are_not_actions() -> None:
    info = b"/Info 5 0 R"
    title = make_pdf(trailer=info, extra=[b"<</Title(/JavaScript /OpenAction \\) /AA)>>"])
    font = make_pdf(
        b"/X<</FontFile2 5 0 R>>",
        [stream(zlib.compress(b"\x00\x01/JS /AA\x00"), b"/Filter/FlateDecode")],
    )
    indirect = make_pdf(
        extra=[
            b"<</Length 6 0 R>>\nstream\n/JS /AA\nendstream".replace(b"/JS /AA", b"\xff\xfe(\x00"),
            b"4",
        ]
    )

    for data in (title, font, indirect):
        assert validate_upload(data, "x.pdf").content_type == "application/pdf"


def test_the_content_decides_the_type_not_the_name() -> None:
    assert validate_upload(make_pdf(), "anh.jpg").content_type == "application/pdf"
    assert validate_upload(image_bytes("PNG"), "bien_ban.pdf").content_type == "image/png"
    assert refused(HTML, "bien_ban.jpg") == MSG_NOT_ACCEPTED


def test_a_png_is_kept_as_png_without_metadata() -> None:
    img = Image.new("RGB", (30, 20), (1, 2, 3))
    exif = Image.Exif()
    exif[0x010F] = "Máy ảnh"  # Make
    out = io.BytesIO()
    text = PngInfo()
    text.add_text("Author", "Nguyễn Văn An")
    img.save(out, format="PNG", pnginfo=text, exif=exif, dpi=(300, 300))

    upload = validate_upload(out.getvalue(), "bien_ban.png")

    assert (upload.content_type, upload.extension) == ("image/png", "png")
    with Image.open(io.BytesIO(upload.data)) as clean:
        assert clean.format == "PNG"
        assert clean.size == (30, 20)
        assert not clean.getexif()
        assert not set(clean.info) & {"Author", "exif", "dpi", "icc_profile"}
        assert clean.convert("RGB").getpixel((5, 5)) == (1, 2, 3)


def test_exif_is_stripped_from_a_jpeg_after_turning_it_upright() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    exif[0x010F] = "Máy ảnh điện thoại"  # Make
    exif[0x0131] = "Phần mềm chỉnh ảnh"  # Software
    original = image_bytes("JPEG", (40, 20), exif=exif, comment=b"GPS 21.0,105.8", dpi=(300, 300))
    with Image.open(io.BytesIO(original)) as source:
        assert source.getexif()  # the corpus does carry EXIF

    upload = validate_upload(original, "bien_ban.jpg")

    assert (upload.content_type, upload.extension) == ("image/jpeg", "jpg")
    assert b"Exif" not in upload.data
    assert b"GPS" not in upload.data
    with Image.open(io.BytesIO(upload.data)) as clean:
        assert clean.format == "JPEG"
        assert not clean.getexif()
        assert not set(clean.info) & {"exif", "comment", "dpi", "icc_profile"}
        assert clean.size == (20, 40)  # turned upright: the blue half is now on top
        top, bottom = clean.getpixel((10, 5)), clean.getpixel((10, 35))
        assert isinstance(top, tuple)
        assert isinstance(bottom, tuple)
        assert top[2] > 150 > bottom[2]


def test_a_large_image_keeps_full_resolution_up_to_4000_px() -> None:
    big = image_bytes("PNG", (5000, 400))
    kept = image_bytes("JPEG", (3999, 300))

    with Image.open(io.BytesIO(validate_upload(big, "a.png").data)) as img:
        assert img.size == (4000, 320)
    with Image.open(io.BytesIO(validate_upload(kept, "a.jpg").data)) as img:
        assert img.size == (3999, 300)


# --- storage -----------------------------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path: Path) -> Path:
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path)
    return tmp_path


def test_store_and_read_back_by_sha256(media: Path) -> None:
    pdf = generated_pdf()

    digest = store_bien_ban(pdf)

    assert digest == hashlib.sha256(pdf).hexdigest()
    path = media / "bien_ban" / digest[:2] / digest
    assert path.read_bytes() == pdf
    assert bien_ban_path(digest) == path
    assert read_bien_ban(digest) == pdf
    assert store_bien_ban(pdf) == digest  # idempotent
    assert sorted(p.name for p in path.parent.iterdir()) == [digest]  # no temp file left


def test_a_file_changed_on_disk_is_detected(media: Path) -> None:
    digest = store_bien_ban(make_pdf())
    path = media / "bien_ban" / digest[:2] / digest
    path.write_bytes(make_pdf(b"/Lang(vi)"))

    with pytest.raises(ActionError) as caught:
        read_bien_ban(digest)

    assert caught.value.messages == [MSG_TAMPERED]
    assert store_bien_ban(make_pdf()) == digest  # storing again repairs the copy
    assert read_bien_ban(digest) == make_pdf()


@pytest.mark.parametrize("digest", ["", "../../etc/passwd", "A" * 64, "g" * 64, "a" * 63, "a" * 65])
def test_a_malformed_digest_is_refused(media: Path, digest: str) -> None:
    with pytest.raises(ActionError) as caught:
        read_bien_ban(digest)

    assert caught.value.messages == [MSG_BAD_DIGEST]


def test_a_missing_file_is_reported(media: Path) -> None:
    with pytest.raises(ActionError) as caught:
        read_bien_ban("0" * 64)

    assert caught.value.messages == [MSG_MISSING]

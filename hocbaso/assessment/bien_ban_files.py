"""Uploaded biên bản files (a signed paper record, scanned or photographed): checked, cleaned,
stored by content hash under PRIVATE_MEDIA_ROOT (never a web root).

The type is decided by the content alone, never by the file name or what the browser says.
Accepted: PDF and JPEG/PNG images.

* A PDF is kept as uploaded, after a structural check (no PDF library is a dependency): header,
  ``%%EOF`` in the last kilobyte, a ``startxref`` pointing at a cross-reference table or stream,
  and none of the name tokens that make a PDF act (scripts, launch actions, embedded files,
  automatic actions) nor encryption. The file is read token by token (names with their ``#xx``
  escapes decoded; strings and comments skipped; stream data skipped by its /Length), then the
  data of streams that may hold objects or operators is read too, Flate-compressed ones
  inflated within a bound (object streams hide dictionaries); only image pixels, font programs,
  cross-reference streams and XMP metadata are not read. A check, not a PDF parser: anything it
  cannot read where objects may hide is refused.
* An image is decoded by Pillow (refusing decompression bombs) and re-encoded in its own format
  (PNG stays PNG, JPEG stays JPEG) without any metadata (EXIF, XMP, ICC, comments), turned
  upright by its EXIF orientation first, at full resolution up to 4000 px on the longest side.
"""

from __future__ import annotations

import io
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from PIL import Image, ImageOps, UnidentifiedImageError

from hocbaso.people.errors import ActionError
from hocbaso.people.hashed_files import HashedFiles

DEFAULT_MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_SOURCE_PIXELS = 40_000_000
MAX_IMAGE_SIDE = 4000
MAX_INFLATED_BYTES = 64 * 1024 * 1024  # all decompressed PDF streams together
PDF_CONTENT_TYPE = "application/pdf"
# Pillow format → (MIME type, extension); MPO is the multi-picture JPEG of some phone cameras.
IMAGE_TYPES = {
    "JPEG": ("image/jpeg", "jpg"),
    "MPO": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
}

MSG_EMPTY = "Tệp biên bản rỗng."
MSG_NOT_ACCEPTED = "Biên bản phải là tệp PDF hoặc ảnh JPEG/PNG."
MSG_PDF_DAMAGED = "Tệp PDF của biên bản bị hỏng hoặc không đầy đủ; hãy xuất hoặc quét lại tệp."
MSG_PDF_ENCRYPTED = (
    "Tệp PDF của biên bản được mã hóa hoặc đặt mật khẩu; hãy tải lên bản không mã hóa."
)
MSG_PDF_ACTIVE = (
    "Tệp PDF của biên bản chứa mã lệnh, hành động tự động hoặc tệp đính kèm; "
    "hãy tải lên bản quét hoặc bản in ra PDF thông thường."
)
MSG_PDF_TOO_COMPLEX = "Tệp PDF của biên bản có nội dung nén quá lớn, không kiểm tra được."
MSG_IMAGE_INVALID = "Ảnh biên bản bị hỏng hoặc không đọc được."
MSG_IMAGE_TOO_LARGE = "Ảnh biên bản có kích thước điểm ảnh quá lớn (tối đa 40 triệu điểm ảnh)."
MSG_BAD_DIGEST = "Mã tệp biên bản không hợp lệ."
MSG_MISSING = "Không tìm thấy tệp biên bản."
MSG_TAMPERED = "Tệp biên bản đã bị thay đổi trên đĩa."

# Name tokens that make a PDF do something when opened or clicked, or carry other files.
FORBIDDEN_PDF_NAMES = frozenset(
    {
        "JavaScript",
        "JS",
        "Launch",
        "EmbeddedFile",
        "EmbeddedFiles",
        "OpenAction",
        "AA",
        "RichMedia",
        "XFA",
        "SubmitForm",
        "ImportData",
        "GoToE",
    }
)

_NAME = re.compile(rb"/([^\x00\t\n\f\r ()<>\[\]{}/%]*)")
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
# PDF syntax: white space, delimiters, and "regular" characters that make up names and words.
_WS = rb"\x00\t\n\f\r "
_REGULAR = rb"[^\x00\t\n\f\r ()<>\[\]{}/%]"
_TOKEN = re.compile(
    # A run of tokens that matter to nobody here: white space, dictionary and array brackets,
    # and whole words without a lower-case letter (numbers, R); one match for many tokens.
    rb"(?P<plain>(?:[" + _WS + rb"\[\]{}]|<<|>>"
    rb"|[^" + _WS + rb"()<>\[\]{}/%a-z]+(?!" + _REGULAR + rb"))+)"
    rb"|(?P<comment>%[^\r\n]*)"
    rb"|(?P<name>/" + _REGULAR + rb"*)"
    rb"|(?P<hex><[^<>]*>)"
    rb"|(?P<string>\()"
    rb"|(?P<delimiter>[)<>])"
    rb"|(?P<word>" + _REGULAR + rb"+)"
)
_LENGTH_VALUE = re.compile(rb"[" + _WS + rb"]*(\d+)(?:[" + _WS + rb"]+(\d+)[" + _WS + rb"]+R)?")
_OBJECT_HEAD = re.compile(rb"(\d+)[" + _WS + rb"]+(\d+)[" + _WS + rb"]+\Z")
_INTEGER_OBJECT = re.compile(rb"(?<!\d)(\d+)\s+(\d+)\s+obj\s*(\d+)\s*endobj")
_FONT_FILE_REF = re.compile(rb"/FontFile[23]?\s*(\d+)\s+(\d+)\s+R")
_STRING_MARK = re.compile(rb"[()\\]")
_FILTERS = frozenset(
    {"FlateDecode", "Fl", "LZWDecode", "LZW", "ASCIIHexDecode", "AHx", "ASCII85Decode", "A85"}
    | {"RunLengthDecode", "RL", "Crypt", "DCTDecode", "JPXDecode", "JBIG2Decode", "CCITTFaxDecode"}
)
_STARTXREF = re.compile(rb"startxref\s+(\d+)\s*%%EOF")
_XREF_AT = re.compile(rb"\s*(?:xref|\d+\s+\d+\s+obj)")
_PILLOW_FORMATS = ("JPEG", "PNG")  # no other decoder is ever tried on an upload


@dataclass(frozen=True)
class ValidatedUpload:
    """What to store for an accepted upload: the bytes, their MIME type and file extension."""

    data: bytes
    content_type: str
    extension: str


def max_upload_bytes() -> int:
    return int(getattr(settings, "BIEN_BAN_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES))


def _size_label(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.3g} MB"
    return f"{max(1, size // 1024)} KB"


def validate_upload(data: bytes, filename: str) -> ValidatedUpload:
    """The upload as it will be stored, or ActionError with the reason it is refused.

    ``filename`` is the name the user chose; it never decides the type (a PDF named ``.jpg`` is a
    PDF, an HTML page named ``.pdf`` is refused).
    """
    del filename  # the content alone decides
    if not data:
        raise ActionError(MSG_EMPTY)
    limit = max_upload_bytes()
    if len(data) > limit:
        raise ActionError(f"Tệp biên bản quá lớn: tối đa {_size_label(limit)}.")
    if data.startswith(b"%PDF-"):
        check_pdf(data)
        return ValidatedUpload(data, PDF_CONTENT_TYPE, "pdf")
    return _clean_image(data)


# --- PDF ---------------------------------------------------------------------------------------


def _inflate(body: bytes, budget: int) -> bytes:
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(body, budget + 1)
    except zlib.error as exc:
        raise ActionError(MSG_PDF_DAMAGED) from exc
    if len(out) > budget:
        raise ActionError(MSG_PDF_TOO_COMPLEX)
    return out


def _check_names(names: set[str]) -> None:
    if "Encrypt" in names:
        raise ActionError(MSG_PDF_ENCRYPTED)
    if names & FORBIDDEN_PDF_NAMES:
        raise ActionError(MSG_PDF_ACTIVE)


def check_pdf(data: bytes) -> None:
    """Refuse (ActionError) a PDF that is damaged, encrypted or able to act when opened."""
    tail_at = max(0, len(data) - 1024)
    eof = data.rfind(b"%%EOF", tail_at)
    if eof < 0:
        raise ActionError(MSG_PDF_DAMAGED)
    # The last startxref counts (incremental updates append sections).
    found = list(_STARTXREF.finditer(data, max(0, tail_at - 64), eof + 5))
    startxref = found[-1] if found else None
    if startxref is None:
        raise ActionError(MSG_PDF_DAMAGED)
    offset = int(startxref.group(1))
    if offset >= len(data) or not _XREF_AT.match(data, offset):
        raise ActionError(MSG_PDF_DAMAGED)

    _check_names(_scan_syntax(data))


def _decode_name(raw: bytes) -> str:
    return _NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), raw).decode("latin-1")


def _names(text: bytes) -> set[str]:
    """Every name token in stream data, strings included (a superset: data is not parsed)."""
    return {_decode_name(m.group(1)) for m in _NAME.finditer(text)}


def _scan_syntax(data: bytes) -> set[str]:
    """The names a PDF reader would see: the file is read token by token (strings and comments
    are not names; stream data is skipped by its /Length), then the data of streams that can
    hold objects or operators is read too (inflated when Flate-compressed)."""
    names: set[str] = set()
    object_names: set[str] = set()  # of the current object (its stream's dictionary)
    current: tuple[bytes, bytes] | None = None  # number and generation of the current object
    length: int | None = None  # of the current object's stream
    font_files = {(m[1], m[2]) for m in _FONT_FILE_REF.finditer(data)}
    integers: dict[tuple[bytes, bytes], int] | None = None
    budget = MAX_INFLATED_BYTES
    position, size = 0, len(data)
    while position < size:
        token = _TOKEN.match(data, position)
        if token is None:  # cannot happen: every byte starts some token
            raise ActionError(MSG_PDF_DAMAGED)
        start, position = token.span()
        kind = token.lastgroup
        if kind == "string":
            position = _skip_string(data, position)
        elif kind == "name":
            name = _decode_name(token.group()[1:])
            names.add(name)
            object_names.add(name)
            if name == "Length":
                value = _LENGTH_VALUE.match(data, position)
                if value is None:
                    length = None
                elif value[2] is None:
                    length = int(value[1])
                else:  # an indirect length: every "n g obj <integer> endobj" is read, once
                    if integers is None:
                        integers = {(m[1], m[2]): int(m[3]) for m in _INTEGER_OBJECT.finditer(data)}
                    length = integers.get((value[1], value[2]))
        elif kind != "word":
            continue  # white space, comments, hex strings, numbers, delimiters, R…
        elif token.group() == b"obj":
            head = _OBJECT_HEAD.search(data, max(0, start - 40), start)
            current = (head[1], head[2]) if head else None
            object_names, length = set(), None
        elif token.group() == b"stream":
            # Stream data starts after the end of line that follows the keyword.
            if data.startswith(b"\r\n", position):
                position += 2
            elif data[position : position + 1] in (b"\n", b"\r"):
                position += 1
            end = data.find(b"endstream", position)
            if end < 0:
                raise ActionError(MSG_PDF_DAMAGED)
            body_end = end if length is None else min(end, position + length)
            body, position = data[position:body_end], body_end  # after /Length: syntax again
            found, inflated = _stream_names(body, object_names, current in font_files, budget)
            names |= found
            budget -= inflated
            object_names, length = set(), None
    return names


def _skip_string(data: bytes, position: int) -> int:
    """The position after the literal string opened just before ``position`` (nested
    parentheses balanced, backslash escapes skipped)."""
    depth = 1
    while depth:
        mark = _STRING_MARK.search(data, position)
        if mark is None:
            raise ActionError(MSG_PDF_DAMAGED)
        position = mark.end()
        if mark.group() == b"\\":
            position += 1
        else:
            depth += 1 if mark.group() == b"(" else -1
    return position


def _stream_names(
    body: bytes, dict_names: set[str], font_file: bool, budget: int
) -> tuple[set[str], int]:
    """The names in a stream's data, and how many bytes were inflated to read them.

    Object streams hold dictionaries: they are always read (one with a filter this check cannot
    undo is refused). Any stream with /First is taken for one, whatever its /Type says, since
    readers find object streams through the cross-reference data, not by their type. Image
    pixels, cross-reference streams, XMP metadata and embedded font programs are binary or XML,
    never PDF objects: they are skipped (their stray bytes would look like names).
    """
    object_stream = bool(dict_names & {"First", "ObjStm"})
    if not object_stream and (font_file or dict_names & {"Image", "XRef", "Metadata"}):
        return set(), 0
    filters = dict_names & _FILTERS
    if not filters:
        return _names(body), 0
    if filters <= {"FlateDecode", "Fl"} and "DecodeParms" not in dict_names:
        inflated = _inflate(body, budget)
        return _names(inflated), len(inflated)
    if object_stream:
        raise ActionError(MSG_PDF_DAMAGED)  # objects behind a filter this check cannot read
    return set(), 0


# --- images ------------------------------------------------------------------------------------


def _clean_image(data: bytes) -> ValidatedUpload:
    try:
        with Image.open(io.BytesIO(data), formats=_PILLOW_FORMATS) as probe:
            kind = probe.format
            if kind not in IMAGE_TYPES:
                raise ActionError(MSG_NOT_ACCEPTED)
            if probe.width * probe.height > MAX_SOURCE_PIXELS:
                raise ActionError(MSG_IMAGE_TOO_LARGE)
            probe.verify()
        with Image.open(io.BytesIO(data), formats=_PILLOW_FORMATS) as source:
            source.load()
            img = ImageOps.exif_transpose(source)
    except UnidentifiedImageError as exc:
        raise ActionError(MSG_NOT_ACCEPTED) from exc
    except Image.DecompressionBombError as exc:
        raise ActionError(MSG_IMAGE_TOO_LARGE) from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise ActionError(MSG_IMAGE_INVALID) from exc
    assert kind is not None
    content_type, extension = IMAGE_TYPES[kind]
    if max(img.size) > MAX_IMAGE_SIDE:
        img.thumbnail((MAX_IMAGE_SIDE, MAX_IMAGE_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    if extension == "jpg":
        if img.mode not in ("L", "RGB"):
            img = img.convert("RGB")
        img.info.clear()  # Pillow would carry a comment, ICC profile, dpi… over on save
        img.save(out, format="JPEG", quality=90, optimize=True)
    else:
        if img.mode not in ("1", "L", "LA", "P", "RGB", "RGBA", "I", "I;16"):
            img = img.convert("RGBA")
        img.info.clear()  # text chunks, eXIf, iCCP, dpi…: only the pixels stay
        img.save(out, format="PNG")  # optimize=True is slow on large scans
    return ValidatedUpload(out.getvalue(), content_type, extension)


# --- storage -----------------------------------------------------------------------------------


BIEN_BAN_FILES = HashedFiles(
    folder="bien_ban",
    suffix="",
    msg_bad_digest=MSG_BAD_DIGEST,
    msg_missing=MSG_MISSING,
    msg_tampered=MSG_TAMPERED,
)


def bien_ban_root() -> Path:
    return BIEN_BAN_FILES.root()


def bien_ban_path(sha256: str) -> Path:
    return BIEN_BAN_FILES.path(sha256)


def store_bien_ban(data: bytes) -> str:
    """Store ``data`` (validated) by its SHA-256 and return the hex digest (idempotent)."""
    return BIEN_BAN_FILES.store(data)


def read_bien_ban(sha256: str) -> bytes:
    """The stored bytes, checked against their digest (a file changed on disk is refused)."""
    return BIEN_BAN_FILES.read(sha256)

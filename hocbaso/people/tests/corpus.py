"""Hostile and valid import files, generated in memory (no binary blobs in the repository).

Each builder returns the bytes of one file of the corpus of security.md E1: zip bombs, a lying
`<dimension>`, renamed and legacy formats, macros, encryption, traversal, nesting, wrong
encodings. `python -m hocbaso.people.tests.corpus OUTDIR` writes them all to disk, to try them
by hand or through `manage.py import_students`.
"""

from __future__ import annotations

import io
import random
import struct
import sys
import unicodedata
import zipfile
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

STUDENT_HEADER = [
    "STT", "Họ và tên", "Giới tính", "Ngày sinh", "Dân tộc", "Quốc tịch", "Nơi sinh", "Quê quán",
    "Nơi ở hiện nay", "Họ tên cha", "Họ tên mẹ", "Người giám hộ", "Đối tượng chính sách",
    "Số định danh cá nhân", "Mã học sinh", "Lớp", "Số đăng bộ",
]  # fmt: skip
STAFF_HEADER = [
    "STT", "Họ và tên", "Tên đăng nhập", "Số điện thoại", "Vai trò", "Khối phụ trách",
    "Lớp chủ nhiệm", "Phân công",
]  # fmt: skip

_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
_PKG = "http://schemas.openxmlformats.org/package/2006"
_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_SML = "application/vnd.openxmlformats-officedocument.spreadsheetml"
CONTENT_TYPES = (
    f'{_XML}<Types xmlns="{_PKG}/content-types">'
    f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    f'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_SML}.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_SML}.worksheet+xml"/>'
    "</Types>"
).encode()
MACRO_CONTENT_TYPES = CONTENT_TYPES.replace(
    b"openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    b"ms-excel.sheet.macroEnabled.main+xml",
)
ROOT_RELS = (
    f'{_XML}<Relationships xmlns="{_PKG}/relationships">'
    f'<Relationship Id="rId1" Type="{_DOC}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
).encode()
WORKBOOK = (
    f'{_XML}<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    f'xmlns:r="{_DOC}"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets>'
    "</workbook>"
).encode()
WORKBOOK_RELS = (
    f'{_XML}<Relationships xmlns="{_PKG}/relationships">'
    f'<Relationship Id="rId1" Type="{_DOC}/worksheet" Target="worksheets/sheet1.xml"/>'
    "</Relationships>"
).encode()
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


# -- valid files -------------------------------------------------------------------------------


def xlsx(rows: Sequence[Sequence[str]]) -> bytes:
    """A normal workbook, as openpyxl (like Excel) writes it: shared strings, styles."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_text(rows: Sequence[Sequence[str]], delimiter: str = ",") -> str:
    def quote(cell: str) -> str:
        if any(ch in cell for ch in (delimiter, '"', "\n", "\r")):
            return '"' + cell.replace('"', '""') + '"'
        return cell

    return "".join(delimiter.join(quote(c) for c in row) + "\r\n" for row in rows)


def csv_bytes(rows: Sequence[Sequence[str]], *, delimiter: str = ",", bom: bool = False) -> bytes:
    return csv_text(rows, delimiter).encode("utf-8-sig" if bom else "utf-8")


def pupil_row(
    number: int,
    name: str,
    *,
    class_name: str = "4A",
    personal_id: str = "",
    moet_code: str = "",
    gender: str = "Nam",
    birth_date: str = "15/03/2016",
    changes: dict[str, str] | None = None,
) -> list[str]:
    """A valid row of the pupils template; `changes` overrides cells by header."""
    values = dict(
        zip(
            STUDENT_HEADER,
            [
                str(number),
                name,
                gender,
                birth_date,
                "Kinh",
                "Việt Nam",
                "Phan Rang - Tháp Chàm, Ninh Thuận",
                "Ninh Thuận",
                "12 Lê Lợi, phường Đô Vinh",
                "Nguyễn Văn Cha",
                "Trần Thị Mẹ",
                "không",
                "không",
                personal_id,
                moet_code,
                class_name,
                f"DB{number:03d}",
            ],  # fmt: skip
            strict=True,
        )
    )
    values.update(changes or {})
    return [values[h] for h in STUDENT_HEADER]


def staff_row(
    number: int,
    name: str,
    username: str,
    roles: str,
    *,
    phone: str = "",
    grades: str = "",
    homeroom: str = "",
    teaching: str = "",
) -> list[str]:
    return [str(number), name, username, phone, roles, grades, homeroom, teaching]


# -- hand-built packages -----------------------------------------------------------------------


def sheet_xml(rows: Sequence[tuple[int, Sequence[str]]], *, dimension: str | None = None) -> bytes:
    """A worksheet with inline strings; `rows` are (row number, cells)."""
    parts = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    ]
    if dimension:
        parts.append(f'<dimension ref="{dimension}"/>')
    parts.append("<sheetData>")
    for number, cells in rows:
        parts.append(f'<row r="{number}">')
        for col, value in enumerate(cells, start=1):
            ref = f"{get_column_letter(col)}{number}"
            parts.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>')
        parts.append("</row>")
    parts.append("</sheetData></worksheet>")
    return "".join(parts).encode()


def package(
    sheet: bytes,
    *,
    extra: Sequence[tuple[str | zipfile.ZipInfo, bytes]] = (),
    content_types: bytes = CONTENT_TYPES,
) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        for name, data in extra:
            archive.writestr(name, data)
    return out.getvalue()


def numbered(rows: Sequence[Sequence[str]]) -> list[tuple[int, Sequence[str]]]:
    return list(enumerate(rows, start=1))


# -- the hostile corpus ------------------------------------------------------------------------


def ratio_bomb(size: int = 20 * 1024 * 1024) -> bytes:
    """A member of zeros: ~20 KB on disk, 20 MB unpacked (ratio ~1000)."""
    return package(sheet_xml(numbered([["a"]])), extra=[("xl/media/pad.xml", b"\0" * size)])


def size_bomb(size: int) -> bytes:
    """Hex text compresses only ~2:1, so the ratio check passes, but unpacks beyond `size`."""
    rng = random.Random(size)
    text = "".join(f"{rng.getrandbits(64):016x}" for _ in range(size // 16 + 64)).encode()
    return package(sheet_xml(numbered([["a"]])), extra=[("xl/media/pad.xml", text)])


def lying_sizes() -> bytes:
    """The central directory and local header claim 100 bytes for a 2 MB member: zipfile stops
    at the claimed size and the CRC check fails."""
    data = bytearray(
        package(sheet_xml(numbered([["a"]])), extra=[("xl/media/pad.xml", b"\0" * 2_000_000)])
    )
    for signature, size_offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (at := data.find(signature, start)) != -1:
            name_len_offset = 26 if signature == b"PK\x03\x04" else 28
            header_len = 30 if signature == b"PK\x03\x04" else 46
            (name_len,) = struct.unpack_from("<H", data, at + name_len_offset)
            name = bytes(data[at + header_len : at + header_len + name_len])
            if name == b"xl/media/pad.xml":
                struct.pack_into("<I", data, at + size_offset, 100)
            start = at + 4
    return bytes(data)


def lying_dimension(real_rows: int, header: Sequence[str] = ("Họ và tên",)) -> bytes:
    """`<dimension ref="A1:A1">` over `real_rows` data rows after the header."""
    rows = [(1, list(header))] + [(n, [f"Học sinh {n}"]) for n in range(2, real_rows + 2)]
    return package(sheet_xml(rows, dimension="A1:A1"))


def repeated_row_number() -> bytes:
    """Two `<row r="2">`: openpyxl's read-only iterator would drop the second one silently."""
    return package(sheet_xml([(1, ["Họ và tên"]), (2, ["An"]), (2, ["Bình"])]))


def entity_bomb() -> bytes:
    """A billion-laughs DTD in the sheet: defusedxml refuses it."""
    sheet = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row>'
        b"</sheetData></worksheet>"
    )
    return package(sheet)


def not_a_zip() -> bytes:
    return b"This is not a workbook, only text renamed to .xlsx\n"


def macro_workbook() -> bytes:
    return package(
        sheet_xml(numbered([["a"]])),
        extra=[("xl/vbaProject.bin", OLE_MAGIC + b"\0" * 504)],
        content_types=MACRO_CONTENT_TYPES,
    )


def macro_content_type_only() -> bytes:
    return package(sheet_xml(numbered([["a"]])), content_types=MACRO_CONTENT_TYPES)


def ole_file(*, encrypted: bool) -> bytes:
    """The start of an OLE compound file: a legacy .xls, or (with an EncryptionInfo stream) a
    password-protected .xlsx."""
    body = b"\0" * 504
    if encrypted:
        body += "EncryptionInfo".encode("utf-16-le") + "EncryptedPackage".encode("utf-16-le")
    return OLE_MAGIC + body


def zip_encrypted_flag() -> bytes:
    """A member whose general-purpose flag says "encrypted" (traditional PKWARE)."""
    data = bytearray(package(sheet_xml(numbered([["a"]]))))
    for signature, flag_offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        (flags,) = struct.unpack_from("<H", data, at + flag_offset)
        struct.pack_into("<H", data, at + flag_offset, flags | 0x1)
    return bytes(data)


def traversal(name: str) -> bytes:
    return package(sheet_xml(numbered([["a"]])), extra=[(name, b"<x/>")])


def symlink_member() -> bytes:
    info = zipfile.ZipInfo("xl/media/link")
    info.external_attr = (0o120777 << 16) | 0x20
    return package(sheet_xml(numbered([["a"]])), extra=[(info, b"/etc/passwd")])


def nested_zip(*, disguised: bool) -> bytes:
    inner = package(sheet_xml(numbered([["a"]])))
    name = "xl/media/image1.png" if disguised else "xl/embeddings/Workbook1.xlsx"
    return package(sheet_xml(numbered([["a"]])), extra=[(name, inner)])


def too_many_members(count: int) -> bytes:
    return package(
        sheet_xml(numbered([["a"]])), extra=[(f"xl/media/p{i}.xml", b"<x/>") for i in range(count)]
    )


_TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"


def to_cp1258(text: str) -> bytes:
    """Windows-1258 spells Vietnamese with precomposed vowels (â, ơ, …) and separate tone
    marks, so each letter is split into the two before encoding."""
    out = bytearray()
    for char in text:
        try:
            out += char.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        decomposed = unicodedata.normalize("NFD", char)
        tones = "".join(c for c in decomposed if c in _TONE_MARKS)
        base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONE_MARKS))
        out += (base + tones).encode("cp1258")
    return bytes(out)


def csv_legacy(encoding: str) -> bytes:
    """A CSV saved as Windows-1258 (Vietnamese) or Latin-1 instead of UTF-8."""
    if encoding == "latin-1":  # Latin-1 cannot hold Vietnamese: a French name instead
        return "STT,Nom,Genre\r\n1,Hélène Ça,F\r\n".encode(encoding)
    return to_cp1258(csv_text([STUDENT_HEADER[:3], ["1", "Lê Thị Hà", "Nữ"]]))


def main(out_dir: str) -> None:
    target = Path(out_dir)
    target.mkdir(parents=True, exist_ok=True)
    files = {
        "ratio_bomb.xlsx": ratio_bomb(),
        "size_bomb_2mb.xlsx": size_bomb(2 * 1024 * 1024),
        "lying_sizes.xlsx": lying_sizes(),
        "lying_dimension_1m.xlsx": lying_dimension(1_000_000),
        "repeated_row.xlsx": repeated_row_number(),
        "entity_bomb.xlsx": entity_bomb(),
        "not_a_zip.xlsx": not_a_zip(),
        "macro.xlsx": macro_workbook(),
        "macro.xlsm": macro_workbook(),
        "legacy.xls": ole_file(encrypted=False),
        "encrypted.xlsx": ole_file(encrypted=True),
        "zip_encrypted.xlsx": zip_encrypted_flag(),
        "traversal.xlsx": traversal("../../evil.xml"),
        "absolute.xlsx": traversal("/etc/cron.d/evil"),
        "symlink.xlsx": symlink_member(),
        "nested.xlsx": nested_zip(disguised=False),
        "nested_disguised.xlsx": nested_zip(disguised=True),
        "cp1258.csv": csv_legacy("cp1258"),
        "latin1.csv": csv_legacy("latin-1"),
        "empty.csv": b"",
    }
    for name, data in files.items():
        (target / name).write_bytes(data)
        print(f"{name}: {len(data)} bytes")  # noqa: T201 - a script's output


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "corpus")

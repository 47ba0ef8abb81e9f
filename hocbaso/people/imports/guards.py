"""Checks on an uploaded file's bytes before any parser sees them (security.md finding 4).

Only two formats pass: an .xlsx workbook (a zip whose central directory is checked here:
sizes, member count, compression ratio, names, nesting, encryption, macros) and a UTF-8 .csv.
Everything else is refused with a Vietnamese sentence naming the reason. The limits come from
the IMPORT_MAX_* settings, read at call time.
"""

from __future__ import annotations

import enum
import io
import stat
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.conf import settings

from hocbaso.people.imports.report import ImportRejected

MAX_MEMBERS = 200  # a workbook from Excel or LibreOffice has about 10–30 parts
MAX_RATIO = 100  # uncompressed / compressed, checked for members above RATIO_FLOOR
RATIO_FLOOR = 1024 * 1024
CONTENT_TYPES_MAX_BYTES = 256 * 1024

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_GZIP_MAGIC = b"\x1f\x8b"
_RAR_MAGIC = b"Rar!"
_7Z_MAGIC = b"7z\xbc\xaf\x27\x1c"
_ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")
_NESTED_SUFFIXES = (
    ".zip", ".xlsx", ".xlsm", ".xlsb", ".xls", ".docx", ".docm", ".pptx", ".jar", ".gz",
    ".tgz", ".7z", ".rar", ".tar", ".bin", ".cab", ".ole",
)  # fmt: skip
_SHEET_MAIN = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"

TOO_LARGE = "Tệp quá lớn: {size} (giới hạn {limit})."
EMPTY = "Tệp rỗng: không có dữ liệu."
WRONG_TYPE = "Chỉ nhận tệp Excel (.xlsx) hoặc CSV (.csv) theo mẫu của hệ thống."
OLD_XLS = (
    "Tệp Excel định dạng cũ (.xls) không được chấp nhận. "
    "Hãy mở tệp trong Excel và «Lưu thành» Excel Workbook (.xlsx)."
)
MACRO = "Tệp có macro (.xlsm) không được chấp nhận. Hãy lưu lại thành Excel Workbook (.xlsx)."
ENCRYPTED = "Tệp được đặt mật khẩu (mã hóa) nên không đọc được. Hãy bỏ mật khẩu rồi tải lên lại."
NOT_XLSX = "Tệp không phải là bảng tính Excel (.xlsx) hợp lệ."
UNSAFE = "Tệp không phải là bảng tính Excel (.xlsx) hợp lệ: {reason}."
UNPACKED_TOO_LARGE = "Tệp quá lớn khi giải nén: {size} (giới hạn {limit})."
CSV_ENCODING = (
    "Tệp CSV phải dùng bảng mã UTF-8. Tệp này dùng bảng mã khác (ví dụ Windows-1258 hoặc "
    "Latin-1): trong Excel hãy chọn «Lưu thành» → «CSV UTF-8 (phân cách bằng dấu phẩy)»."
)
CSV_NOT_TEXT = "Tệp .csv không phải là văn bản (có kí tự nhị phân)."


class FileKind(enum.Enum):
    XLSX = "xlsx"
    CSV = "csv"


@dataclass(frozen=True)
class CheckedFile:
    kind: FileKind
    data: bytes


def human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} byte"


def check_upload(data: bytes, filename: str) -> CheckedFile:
    """Refuse anything but a safe .xlsx or .csv; raises ImportRejected."""
    limit = settings.IMPORT_MAX_UPLOAD_BYTES
    if len(data) > limit:
        raise ImportRejected(TOO_LARGE.format(size=human_size(len(data)), limit=human_size(limit)))
    if not data:
        raise ImportRejected(EMPTY)
    suffix = PurePosixPath(filename.replace("\\", "/")).suffix.lower()
    if data.startswith(_OLE_MAGIC):
        # Both a legacy .xls and a password-protected .xlsx are OLE compound files.
        raise ImportRejected(ENCRYPTED if _ENCRYPTION_INFO in data else OLD_XLS)
    if suffix in (".xls", ".xlt"):
        raise ImportRejected(OLD_XLS)
    if suffix in (".xlsm", ".xltm", ".xlsb", ".xlam"):
        raise ImportRejected(MACRO)
    if suffix == ".xlsx":
        check_xlsx_archive(data)
        return CheckedFile(FileKind.XLSX, data)
    if suffix == ".csv":
        check_csv_bytes(data)
        return CheckedFile(FileKind.CSV, data)
    raise ImportRejected(WRONG_TYPE)


def check_csv_bytes(data: bytes) -> None:
    """Binary content under a .csv name (a renamed zip or OLE file, NUL bytes) is refused;
    the encoding itself is checked by the reader."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16, as Excel's "Unicode text"
        raise ImportRejected(CSV_ENCODING)
    if data.startswith(_ZIP_MAGICS) or b"\x00" in data:
        raise ImportRejected(CSV_NOT_TEXT)


def check_xlsx_archive(data: bytes) -> None:
    """Read only the zip central directory (and a few bytes of each member) and refuse bombs,
    traversal, nesting, symlinks, encryption and macros. Python's zipfile later stops each
    member at its declared size and checks its CRC, so a directory that lies about sizes
    makes the parse fail instead of expanding."""
    if not data.startswith(b"PK\x03\x04"):
        raise ImportRejected(NOT_XLSX)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        raise ImportRejected(NOT_XLSX) from None
    with archive:
        infos = archive.infolist()
        _check_members(infos)
        _check_member_heads(archive, infos)
        _check_content_types(archive)


def _check_members(infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > MAX_MEMBERS:
        reason = f"có {len(infos)} thành phần (tối đa {MAX_MEMBERS})"
        raise ImportRejected(UNSAFE.format(reason=reason))
    seen: set[str] = set()
    total = 0
    for info in infos:
        name = info.filename
        if info.flag_bits & 0x1:
            raise ImportRejected(ENCRYPTED)
        _check_name(name)
        folded = name.casefold()
        if folded in seen:
            raise ImportRejected(UNSAFE.format(reason="có hai thành phần cùng tên"))
        seen.add(folded)
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise ImportRejected(UNSAFE.format(reason="có liên kết tượng trưng (symlink)"))
        if "vbaproject" in folded:
            raise ImportRejected(MACRO)
        if folded.endswith(_NESTED_SUFFIXES) or folded.startswith("xl/embeddings/"):
            raise ImportRejected(UNSAFE.format(reason="có tệp nén hoặc đối tượng nhúng bên trong"))
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise ImportRejected(UNSAFE.format(reason="dùng kiểu nén không được hỗ trợ"))
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise ImportRejected(UNSAFE.format(reason="tỉ lệ nén bất thường (nghi là bom nén)"))
        total += info.file_size
    limit = settings.IMPORT_MAX_UNCOMPRESSED_BYTES
    if total > limit:
        raise ImportRejected(
            UNPACKED_TOO_LARGE.format(size=human_size(total), limit=human_size(limit))
        )
    if "xl/workbook.xml" not in seen or "[content_types].xml" not in seen:
        raise ImportRejected(NOT_XLSX)


def _check_name(name: str) -> None:
    parts = name.replace("\\", "/").split("/")
    if (
        not name
        or "\x00" in name
        or "\\" in name
        or name.startswith("/")
        or (len(name) > 1 and name[1] == ":")
        or any(part in ("..", ".") for part in parts)
    ):
        raise ImportRejected(UNSAFE.format(reason="có đường dẫn không an toàn bên trong"))


def _check_member_heads(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> None:
    """Magic bytes catch archives and OLE objects hidden under innocent names; opening each
    member also checks that its local header agrees with the central directory."""
    for info in infos:
        if info.is_dir() or info.file_size == 0:
            continue
        try:
            with archive.open(info) as member:
                head = member.read(8)
        except Exception:  # BadZipFile, zlib.error, EOFError…: a damaged or lying member
            raise ImportRejected(NOT_XLSX) from None
        if head.startswith((*_ZIP_MAGICS, _OLE_MAGIC, _GZIP_MAGIC, _RAR_MAGIC, _7Z_MAGIC)):
            raise ImportRejected(UNSAFE.format(reason="có tệp nén hoặc đối tượng nhúng bên trong"))


def _check_content_types(archive: zipfile.ZipFile) -> None:
    name = next(n for n in archive.namelist() if n.casefold() == "[content_types].xml")
    if archive.getinfo(name).file_size > CONTENT_TYPES_MAX_BYTES:
        raise ImportRejected(NOT_XLSX)
    try:
        content_types = archive.read(name)
    except Exception:  # a damaged member (zlib.error, BadZipFile, CRC)
        raise ImportRejected(NOT_XLSX) from None
    if b"macroEnabled" in content_types:
        raise ImportRejected(MACRO)
    if _SHEET_MAIN not in content_types:
        raise ImportRejected(NOT_XLSX)

"""The package's archive: written deterministically, read only through the guards (no DB)."""

from __future__ import annotations

import io
import stat
import zipfile
from collections.abc import Sequence

import pytest

from hocbaso.records.transfer import layout

BASE = [("manifest.json", b"{}\n"), ("manifest.json.p7s", b"sig"), ("profile.json", b"{}\n")]


def _raw(members: Sequence[tuple[zipfile.ZipInfo | str, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return out.getvalue()


def test_the_same_members_give_the_same_bytes() -> None:
    members = [*BASE, ("records/HB-1-v1.pdf", b"%PDF-1.7\n%%EOF\n")]
    first = layout.write_archive(members)
    assert layout.write_archive(members) == first
    read = layout.read_archive(first)
    assert (read.names, read.members) == (tuple(n for n, _ in members), dict(members))


def _symlink() -> zipfile.ZipInfo:
    info = zipfile.ZipInfo("records/HB-1-v1.xml")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


@pytest.mark.parametrize(
    ("_case", "data", "reason"),
    [
        ("empty", b"", "Tệp rỗng: không có dữ liệu."),
        ("too many", _raw([*BASE, *((f"records/H-v{i}.xml", b"x") for i in range(70))]),
         "Hồ sơ có 73 tệp bên trong, vượt giới hạn 64 tệp."),
        ("symlink", _raw([*BASE, (_symlink(), b"/etc/passwd")]),
         "Hồ sơ chứa liên kết tượng trưng (symlink) «records/HB-1-v1.xml»."),
        ("nested zip", _raw([*BASE, ("records/HB-1-v1.pdf", _raw(BASE))]),
         "Tệp «records/HB-1-v1.pdf» trong hồ sơ là một tệp nén lồng bên trong."),
        ("outside the layout", _raw([*BASE, ("records/a/b.pdf", b"%PDF")]),
         "Hồ sơ có tệp «records/a/b.pdf» không thuộc cấu trúc hồ sơ."),
        ("no signature", _raw([BASE[0], BASE[2]]), "Hồ sơ thiếu tệp manifest.json.p7s."),
        ("same name twice", _raw([*BASE, ("Profile.JSON", b"{}")]),
         "Hồ sơ có hai tệp cùng tên «Profile.JSON»."),
        ("absolute path", _raw([*BASE, ("/etc/x", b"1")]),
         "Hồ sơ chứa tên tệp không an toàn «/etc/x» (đường dẫn)."),
    ],
)  # fmt: skip
def test_unsafe_archives_are_refused(_case: str, data: bytes, reason: str) -> None:
    with pytest.raises(layout.PackageRefused) as refused:
        layout.read_archive(data)
    assert refused.value.reason == reason

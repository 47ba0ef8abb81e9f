"""The biên bản of a correction after the lock, as a PDF rendered by Typst."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import shutil
import subprocess
import tempfile
import unicodedata
from pathlib import Path

import pytest

from hocbaso.assessment.bien_ban_pdf import BienBanCell, BienBanContent, render_bien_ban

HOSTILE_REASON = 'Nhập nhầm điểm #set text(red) *đậm* $x^2$ ] @ref _nghiêng_ `code` <nhãn> \\ "kép"'


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def content(**changes: object) -> BienBanContent:
    base = BienBanContent(
        number="00012/2026/BB-ĐC",
        authority="UBND xã Đô Vinh",
        school_name="Trường Tiểu học Đô Vinh",
        place="Đô Vinh",
        created_at=dt.datetime(2026, 5, 20, 3, 15, tzinfo=dt.UTC),  # 10:15 in Vietnam
        school_year="2025-2026",
        period_label="Cuối năm học",
        class_name="4A",
        sheet_label="Toán – lớp 4A – Cuối năm học",
        requester=("Nguyễn Văn An", "Giáo viên bộ môn Toán"),
        reason=HOSTILE_REASON,
        cells=[
            # decomposed input (as some keyboards send it) is printed precomposed
            BienBanCell(nfd("Nguyễn Thị Ánh"), "Điểm kiểm tra định kì", "7", "9"),
            BienBanCell("Đặng Quốc Việt", "Mức đạt được", "Hoàn thành (H)", "Hoàn thành tốt (T)"),
        ],
        signers=[
            ("Người đề nghị", "Nguyễn Văn An"),
            ("Tổ trưởng chuyên môn", ""),
            ("Hiệu trưởng", "Trần Thị Bình"),
        ],
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def poppler(tool: str, pdf: bytes, *args: str) -> str:
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} (poppler-utils) is not installed: the PDF's content is not checked")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bien_ban.pdf"  # poppler needs a seekable file
        path.write_bytes(pdf)
        command = [tool, *args, str(path)] + (["-"] if tool == "pdftotext" else [])
        return subprocess.run(command, capture_output=True, check=True).stdout.decode()


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_a4_portrait_pdf_with_the_vietnamese_text_in_nfc() -> None:
    pdf = render_bien_ban(content())

    assert pdf.startswith(b"%PDF-")
    info = poppler("pdfinfo", pdf)
    assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info)
    assert "Biên bản số 00012/2026/BB-ĐC" in unicodedata.normalize("NFC", info)  # the title
    text = poppler("pdftotext", pdf)
    assert text == unicodedata.normalize("NFC", text)
    flat = squash(text)
    for expected in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "UBND XÃ ĐÔ VINH",
        "TRƯỜNG TIỂU HỌC ĐÔ VINH",
        "BIÊN BẢN",
        "Về việc điều chỉnh kết quả đánh giá học sinh sau khi khóa sổ",
        "Số: 00012/2026/BB-ĐC",
        "Đô Vinh, ngày 20 tháng 05 năm 2026",
        "vào hồi 10 giờ 15 phút",
        "Nguyễn Văn An – Giáo viên bộ môn Toán",
        "Năm học: 2025-2026",
        "Toán – lớp 4A – Cuối năm học",
        "Nguyễn Thị Ánh",
        "Đặng Quốc Việt",
        "Điểm kiểm tra định kì",
        "Hoàn thành tốt (T)",
        "Họ và tên học sinh",
        "Kết quả đã ghi",
        "NGƯỜI ĐỀ NGHỊ",
        "TỔ TRƯỞNG CHUYÊN MÔN",
        "HIỆU TRƯỞNG",
        "(Kí, ghi rõ họ tên)",
        "Trần Thị Bình",
    ):
        assert expected in flat, expected


def test_the_reason_is_printed_as_typed_never_as_markup() -> None:
    pdf = render_bien_ban(content(reason=HOSTILE_REASON + "\n#emph[hai] @nhãn #{1 + 1}"))

    flat = squash(poppler("pdftotext", pdf))
    assert HOSTILE_REASON in flat
    assert "#emph[hai] @nhãn #{1 + 1}" in flat


def test_only_the_projects_liberation_serif_fonts_are_embedded() -> None:
    fonts = poppler("pdffonts", render_bien_ban(content())).splitlines()[2:]

    assert fonts
    for line in fonts:
        name, *_ = line.split()
        assert re.fullmatch(r"[A-Z]{6}\+LiberationSerif(-Bold|-Italic|-BoldItalic)?", name), line
        assert " yes " in line  # embedded


def test_same_content_gives_the_same_bytes_and_the_date_is_created_at() -> None:
    first = render_bien_ban(content())

    assert render_bien_ban(content()) == first
    assert render_bien_ban(content(number="00013/2026/BB-ĐC")) != first
    info = poppler("pdfinfo", first, "-isodates")
    assert re.search(r"CreationDate:\s+2026-05-20T03:15:00", info)


def test_many_cells_run_over_pages_and_no_signer_is_fine() -> None:
    cells = [BienBanCell(f"Học sinh {i}", "Nhận xét", "Cần cố gắng", "Đạt") for i in range(60)]

    pdf = render_bien_ban(content(cells=cells, signers=[]))

    assert "Pages:           1" not in poppler("pdfinfo", pdf)
    assert "Học sinh 59" in poppler("pdftotext", pdf)


def test_a_naive_created_at_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        render_bien_ban(content(created_at=dt.datetime(2026, 5, 20, 10, 15)))  # noqa: DTZ001

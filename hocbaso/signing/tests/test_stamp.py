"""The visible signature appearance: Vietnamese text typeset with the project's fonts, the
size of the field, and a signed field that shows it."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from hocbaso.signing.pades import SignatureFieldSpec, prepare_fields, sign_pdf
from hocbaso.signing.signers import Pkcs12Signer
from hocbaso.signing.stamp import appearance, appearance_pdf, appearance_png
from hocbaso.signing.tests.conftest import NOW, Pki, bien_ban
from hocbaso.signing.verify_pdf import verify_pdf

pytestmark = pytest.mark.skipif(
    not all(shutil.which(t) for t in ("pdftotext", "pdfinfo", "pdffonts", "pdfimages")),
    reason="poppler-utils not installed: the appearance's content is not checked",
)
MOMENT = dt.datetime(2027, 5, 28, 2, 30, tzinfo=dt.UTC)  # 09:30 in Vietnam


def _text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "a.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_the_appearance_shows_the_signer_title_and_local_time(tmp_path: Path) -> None:
    pdf = appearance_pdf(
        signer="Nguyễn Thị Hoa", title="Giáo viên chủ nhiệm", moment=MOMENT, width=200, height=80
    )
    text = _text(pdf, tmp_path)
    for expected in ("Đã kí số", "Nguyễn Thị Hoa", "Giáo viên chủ nhiệm", "09:30 28/05/2027"):
        assert expected in text
    info = subprocess.run(
        ["pdfinfo", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    assert re.search(r"Page size:\s+200 x 80 pts", info)
    fonts = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True).stdout.decode()
    assert "LiberationSerif" in fonts


def test_a_seal_shows_the_school_once(tmp_path: Path) -> None:
    pdf = appearance_pdf(
        signer="Trường Tiểu học Đô Vinh", title="Trường Tiểu học Đô Vinh", moment=MOMENT,
        width=80, height=80,
    )  # fmt: skip
    assert _text(pdf, tmp_path).count("Đô Vinh") == 1


def test_a_visible_field_signed_with_the_appearance_verifies(pki: Pki, tmp_path: Path) -> None:
    prepared = prepare_fields(
        bien_ban(), [SignatureFieldSpec("gvcn", page=0, box=(50, 50, 250, 130))]
    )
    signer = Pkcs12Signer.from_key(pki.teacher.private_key, pki.teacher.certificate)
    signed = sign_pdf(
        prepared, field="gvcn", signer=signer, certify=True, title="Giáo viên chủ nhiệm",
        stamp_style=appearance(
            signer=signer.common_name, title="Giáo viên chủ nhiệm", moment=NOW, width=200,
            height=80,
        ),
    )  # fmt: skip
    report = verify_pdf(signed, trust_roots=[pki.ca.certificate])
    assert report.valid, report.problems
    # the widget draws the appearance: one image, rasterised from the Typst page
    images = subprocess.run(
        ["pdfimages", "-list", "-"], input=signed, capture_output=True, check=True
    ).stdout.decode()
    assert re.search(r"^\s+1\s+\d+\s+image\s+556\s+222\s", images, re.M), images


def test_the_raster_is_the_typst_page_at_200_ppi() -> None:
    png = appearance_png(
        signer="Nguyễn Thị Hoa", title="Giáo viên chủ nhiệm", moment=MOMENT, width=200, height=80
    )
    image = Image.open(io.BytesIO(png)).convert("L")
    assert image.size == (556, 222)  # 200 pt × 80 pt at 200 ppi
    dark = sum(image.histogram()[:128])
    assert 1000 < dark < image.size[0] * image.size[1] // 4  # text, not a blank or a block

"""The public verification pages: upload a PDF (no login) and the QR code's landing."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from hocbaso.people.tests.world import World
from hocbaso.records import verification
from hocbaso.records.models import RecordPage
from hocbaso.records.tests import signed_records as sr
from hocbaso.records.verify_links import landing_path
from hocbaso.records.views import verification as views

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def configured_roots(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(verification, "current_trust_roots", lambda: sr.pki().roots)


def _upload(client: Client, data: bytes, name: str = "hoc-ba.pdf") -> str:
    response = client.post(
        "/xac-minh/", {"file": SimpleUploadedFile(name, data, "application/pdf")}
    )
    assert response.status_code == 200
    return response.content.decode()


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_upload_form_is_public_and_csrf_protected(db: None) -> None:
    client = Client(enforce_csrf_checks=True)
    page = client.get("/xac-minh/")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'enctype="multipart/form-data"' in body
    assert "csrfmiddlewaretoken" in body
    refused = client.post("/xac-minh/", {"file": SimpleUploadedFile("a.pdf", b"%PDF-1.7")})
    assert refused.status_code == 403


def test_a_valid_record_shows_the_verdict(world: World) -> None:
    sr.record_signers(world, sr.register(world, 1))
    text = _text(_upload(Client(), sr.signed_page(1).final))
    assert "Hợp lệ — bản hiện hành" in text
    assert "Nguyễn Thị Hoa" in text
    assert "Trần Văn Bình" in text
    assert sr.SCHOOL in text
    assert "Giáo viên chủ nhiệm" in text
    assert "Hiệu trưởng" in text
    assert "Đủ ba chữ kí, đúng thứ tự" in text
    assert "đúng những người đã kí khi phát hành" in text
    assert "khớp dữ liệu" in text
    assert "không khớp" not in text
    assert "Lí do" not in text  # no problems listed
    assert "Chưa kiểm tra thu hồi chứng thư số" in text


def test_a_tampered_record_says_why(world: World) -> None:
    sr.register(world, 1)
    text = _text(_upload(Client(), sr.tamper_replace_xml(sr.signed_page(1).final)))
    assert "Hợp lệ — bản hiện hành" not in text
    assert "Không hợp lệ" in text
    assert "Dữ liệu XML đính kèm đã bị thay thế sau khi kí." in text
    assert "sửa nội dung" in text  # what changed after each signature, in plain words


def test_a_superseded_record_links_to_the_current_version(world: World) -> None:
    old = sr.register(world, 1, RecordPage.State.SUPERSEDED, reason="Sửa điểm Toán")
    sr.register(world, 2, supersedes=old)
    html = _upload(Client(), sr.signed_page(1).final)
    assert "Không còn hiệu lực — đã được thay thế" in _text(html)
    assert "Sửa điểm Toán" in html
    current = landing_path(sr.CODE, 2, sr.signed_page(2).sha256).replace("&", "&amp;")
    assert f'href="{current}"' in html


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"GIF89a not a pdf", "anh.pdf", "Tệp tải lên không phải tệp PDF hay tệp XML."),
        (b"", "rong.pdf", "Tệp tải lên rỗng."),
    ],
)
def test_garbage_gets_a_vietnamese_error(db: None, data: bytes, name: str, message: str) -> None:
    text = _text(_upload(Client(), data, name))
    assert message in text
    assert "Kết quả xác minh" not in text


def test_no_file_chosen(db: None) -> None:
    response = Client().post("/xac-minh/", {})
    assert "Hãy chọn tệp PDF cần xác minh." in response.content.decode()


def test_a_pdf_that_is_no_record(db: None) -> None:
    text = _text(_upload(Client(), b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"))
    assert "Không hợp lệ" in text
    assert "Tệp không có chữ kí số." in text or "Không đọc được tệp PDF" in text


def test_too_large_is_refused(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views, "MAX_UPLOAD_BYTES", 100)
    text = _text(_upload(Client(), b"%PDF-1.7\n" + b"0" * 200))
    assert "Tệp quá lớn" in text


def test_missing_trust_configuration_is_said_plainly(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> list[object]:
        raise ModuleNotFoundError("hocbaso.signing.trust")

    monkeypatch.setattr(verification, "current_trust_roots", broken)
    response = Client().post(
        "/xac-minh/", {"file": SimpleUploadedFile("a.pdf", sr.signed_page(1).final)}
    )
    assert response.status_code == 503
    assert "Tạm thời không xác minh được" in response.content.decode()


# ---- the QR landing ---------------------------------------------------------------------------


def _landing(version: int, sha: str) -> str:
    response = Client().get(landing_path(sr.CODE, version, sha))
    assert response.status_code == 200
    return _text(response.content.decode())


def test_landing_of_a_current_version(world: World) -> None:
    sr.register(world, 1)
    text = _landing(1, sr.signed_page(1).sha256)
    assert "Bản hiện hành — đã phát hành" in text
    for fact in ("Trường Tiểu học Đô Vinh", "2026-2027", "28/05/2027", "khớp sổ đăng ký"):
        assert fact in text
    # nothing personal beyond the QR's own data: no name, no personal ID, no scores
    for private in ("Lê Minh An", "058216000123", "Nguyễn Văn Cha", "Hoàn thành tốt"):
        assert private not in text
    assert "Kiểm tra đầy đủ tệp PDF" in text


def test_landing_of_a_superseded_version(world: World) -> None:
    old = sr.register(world, 1, RecordPage.State.SUPERSEDED, reason="Sửa điểm Toán")
    sr.register(world, 2, supersedes=old)
    response = Client().get(landing_path(sr.CODE, 1, sr.signed_page(1).sha256))
    html = response.content.decode()
    assert "Phiên bản này đã được thay thế" in html
    assert "Sửa điểm Toán" in html
    current = landing_path(sr.CODE, 2, sr.signed_page(2).sha256).replace("&", "&amp;")
    assert f'href="{current}"' in html
    assert "Bản hiện hành — đã phát hành" in _landing(2, sr.signed_page(2).sha256)


def test_landing_names_the_bien_ban(world: World) -> None:
    record = sr.bien_ban(world)
    old = sr.register(world, 1, RecordPage.State.SUPERSEDED, reason="Đính chính điểm Toán")
    sr.register(world, 2, supersedes=old, bien_ban=record)
    text = _landing(1, sr.signed_page(1).sha256)
    assert f"Đính chính điểm Toán — biên bản số {record.request.number}" in text


def test_landing_of_an_unknown_record(db: None) -> None:
    response = Client().get(landing_path(sr.CODE, 1, "0" * 64))
    html = response.content.decode()
    assert "Không có trong sổ đăng ký" in html
    assert 'data-testid="register"' not in html


def test_landing_with_a_wrong_hash(world: World) -> None:
    sr.register(world, 1)
    text = _landing(1, "f" * 64)
    assert "Mã QR không khớp sổ đăng ký" in text
    assert "Bản hiện hành — đã phát hành" not in text
    missing = _text(Client().get(f"/xac-minh/{sr.CODE}/1/").content.decode())
    assert "Liên kết thiếu mã băm" in missing


def test_landing_of_a_version_not_issued(world: World) -> None:
    sr.register(world, 1, RecordPage.State.SIGNED_BY_HOMEROOM)
    assert "Chưa phát hành" in _landing(1, sr.signed_page(1).sha256)


@pytest.mark.parametrize("path", ["X" * 200 + "/1", "HB-1/" + "9" * 30])
def test_landing_of_an_overlong_code_or_version(db: None, path: str) -> None:
    response = Client().get(f"/xac-minh/{path}/?h={'0' * 64}")
    assert response.status_code == 200
    assert "Không có trong sổ đăng ký" in response.content.decode()

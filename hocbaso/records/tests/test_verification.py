"""verify_record_pdf: a fully valid current record passes; anything else is rejected, with the
reasons in Vietnamese. The signed PDFs are built once per process (signed_records.py)."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from django.test import override_settings

from hocbaso.people.tests.world import World
from hocbaso.records import verification, verify_links
from hocbaso.records.models import RecordPage
from hocbaso.records.tests import signed_records as sr
from hocbaso.records.verification import (
    CURRENT,
    NOT_ISSUED,
    SIGNATURE_FIELDS,
    SUPERSEDED,
    UNKNOWN,
    RecordReport,
    verify_record_pdf,
)
from hocbaso.records.verify_links import parse_verify_url, verify_url
from hocbaso.records.xml_record import sha256_of
from hocbaso.signing import demo_pki
from hocbaso.signing.tests.test_pades import TAMPERS

SHA = "ab" * 32


def _verify(pdf: bytes) -> RecordReport:
    return verify_record_pdf(pdf, trust_roots=sr.pki().roots)


# ---- links ------------------------------------------------------------------------------------


@override_settings(HOCBASO_PUBLIC_URL="https://hocba.example.vn")
def test_verify_url_round_trip() -> None:
    url = verify_url("HB-58-TH-DV-12-2026-2027", 3, SHA)
    assert url == f"https://hocba.example.vn/xac-minh/HB-58-TH-DV-12-2026-2027/3/?h={SHA}"
    assert parse_verify_url(url) == ("HB-58-TH-DV-12-2026-2027", 3, SHA)
    odd = verify_url("HB-58-TRƯỜNG-1", 1, SHA)  # percent-encoded, read back as is
    assert "TR%C6%AF%E1%BB%9CNG" in odd
    assert parse_verify_url(odd) == ("HB-58-TRƯỜNG-1", 1, SHA)
    assert verify_links.landing_path("HB-1", 2, SHA) == f"/xac-minh/HB-1/2/?h={SHA}"


@pytest.mark.parametrize(
    "bad",
    [
        "",
        f"ftp://x.vn/xac-minh/HB-1/1/?h={SHA}",
        f"https:///xac-minh/HB-1/1/?h={SHA}",
        f"https://u@x.vn/xac-minh/HB-1/1/?h={SHA}",
        f"https://x.vn/xac-minh/HB-1/1/?h={SHA}#x",
        f"https://x.vn/xac-minh/HB-1/1?h={SHA}",
        f"https://x.vn/xac-minh/HB-1/01/?h={SHA}",
        f"https://x.vn/xac-minh/HB-1/0/?h={SHA}",
        f"https://x.vn/xac-minh/HB-1/1/extra/?h={SHA}",
        f"https://x.vn/xac-minh/HB-1/1/?h={SHA.upper()}",
        f"https://x.vn/xac-minh/HB-1/1/?h={SHA}&x=1",
        f"https://x.vn/xac-minh/HB-1/1/?x=1&h={SHA}",
        "https://x.vn/xac-minh/HB-1/1/?h=abc",
        f"https://x.vn/xac-minh/HB%2D1/1/?h={SHA}",  # not the canonical spelling
        f"https://x.vn/xac-minh/HB%2F1/1/?h={SHA}",
        f"https://x.vn/khac/HB-1/1/?h={SHA}",
        f" https://x.vn/xac-minh/HB-1/1/?h={SHA}",
    ],
)
def test_parse_verify_url_is_strict(bad: str) -> None:
    assert parse_verify_url(bad) is None


def test_verify_url_refuses_what_it_could_not_read_back() -> None:
    for args in (
        ("", 1, SHA),
        ("a/b", 1, SHA),
        ("a b", 1, SHA),
        ("x" * 81, 1, SHA),
        ("HB", 0, SHA),
        ("HB", 1, "xyz"),
    ):
        with pytest.raises(ValueError, match="record code|version|sha256"):
            verify_url(*args)


# ---- the valid record -------------------------------------------------------------------------


def test_the_qr_link_is_in_the_certified_revision() -> None:
    page = sr.signed_page(1)
    assert sr.embedded_xml(page.final) == page.xml
    assert verify_url(sr.CODE, 1, page.sha256).encode() in page.prepared


@pytest.mark.django_db
def test_a_fully_valid_current_record(world: World) -> None:
    sr.register(world, 1)
    page = sr.signed_page(1)
    report = _verify(page.final)
    data = json.loads(report.to_json())
    assert report.valid, report.problems
    assert report.problems == []
    assert data["status"] == CURRENT
    assert data["verdict"] == "Hợp lệ — bản hiện hành"
    assert (data["record_code"], data["version"]) == (sr.CODE, 1)
    assert [s["field"] for s in data["signatures"]] == list(SIGNATURE_FIELDS)
    assert [s["signer_common_name"] for s in data["signatures"]] == [
        "Nguyễn Thị Hoa",
        "Trần Văn Bình",
        sr.SCHOOL,
    ]
    assert [s["title"] for s in data["signatures"]] == [
        "Giáo viên chủ nhiệm",
        "Hiệu trưởng",
        sr.SCHOOL,
    ]
    assert all(s["timestamp_valid"] and s["chain_valid"] for s in data["signatures"])
    assert data["signatures"][-1]["coverage"] == "entire_file"
    assert data["signature_order_ok"] is True
    assert data["hashes"] == {
        "xml_sha256": page.sha256,
        "qr_sha256": page.sha256,
        "register_sha256": page.sha256,
        "xml_matches_qr": True,
        "xml_matches_register": True,
    }
    assert data["xml"]["schema_valid"]
    assert data["xml"]["same_as_signed"]
    assert data["qr"]["parses"]
    assert data["register"]["state"] == "sealed"
    assert data["register"]["school"] == "Trường Tiểu học Đô Vinh"
    assert data["revocation_checked"] is False
    assert data["notes"]


@pytest.mark.django_db
def test_a_link_to_another_public_address_is_noted_not_refused(world: World) -> None:
    sr.register(world, 1)
    with override_settings(HOCBASO_PUBLIC_URL="https://hocba.example.vn"):
        report = _verify(sr.signed_page(1).final)
    assert report.valid
    assert any("địa chỉ công khai" in note for note in report.notes)


@pytest.mark.django_db
def test_the_signers_are_those_the_register_recorded(world: World) -> None:
    sr.record_signers(world, sr.register(world, 1))
    report = _verify(sr.signed_page(1).final)
    assert report.valid, report.problems
    assert report.register.signers_match is True
    assert set(report.register.signers) == set(SIGNATURE_FIELDS)


@pytest.mark.django_db
def test_a_record_re_signed_by_other_trusted_people_is_rejected(world: World) -> None:
    """The same (genuine) data and QR, signed in order by other holders of trusted
    certificates: every signature is valid, but they are not the signers of the record."""
    sr.record_signers(world, sr.register(world, 1))
    keys = sr.pki()
    others = sr.Pki(
        ca=keys.ca,
        teacher=demo_pki.issue_personal(keys.ca, full_name="Người Khác", now=sr.NOW),
        principal=keys.principal,
        seal=keys.seal,
        tsa=keys.tsa,
        other_ca=keys.other_ca,
        stranger=keys.stranger,
    )
    pdf = sr.sign_in_order(sr.signed_page(1).prepared, list(SIGNATURE_FIELDS), keys=others)[-1]
    report = _verify(pdf)
    assert report.pdf_valid
    assert not report.valid
    assert report.register.signers_match is False
    assert (
        "Chứng thư của người kí khác chứng thư đã ghi trong sổ phát hành: Giáo viên chủ nhiệm."
        in report.problems
    )


@pytest.mark.django_db
def test_a_submitted_record_is_current_too(world: World) -> None:
    sr.register(world, 1, RecordPage.State.SUBMITTED)
    assert _verify(sr.signed_page(1).final).valid


@pytest.mark.django_db
def test_untrusted_roots_reject_the_record(world: World) -> None:
    sr.register(world, 1)
    report = verify_record_pdf(sr.signed_page(1).final, trust_roots=[sr.pki().other_ca.certificate])
    assert not report.valid
    assert report.status == CURRENT  # the register is fine, the signatures are not trusted
    assert any("gốc tin cậy" in p for p in report.problems)


@pytest.mark.skipif(
    not (shutil.which("pdfsig") and shutil.which("certutil")), reason="poppler/NSS tools missing"
)
def test_pdfsig_agrees_on_the_record_with_its_qr_link(tmp_path: Path) -> None:
    nss = tmp_path / "nss"
    nss.mkdir()
    (tmp_path / "ca.pem").write_bytes(sr.pki().ca.cert_pem())
    (tmp_path / "record.pdf").write_bytes(sr.signed_page(1).final)
    db = f"sql:{nss}"
    subprocess.run(["certutil", "-N", "--empty-password", "-d", db], check=True)
    subprocess.run(
        ["certutil", "-A", "-n", "demo", "-t", "CT,C,C", "-i", str(tmp_path / "ca.pem"), "-d", db],
        check=True,
    )
    out = subprocess.run(
        ["pdfsig", "-nssdir", db, str(tmp_path / "record.pdf")],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    assert out.count("Signature Validation: Signature is Valid.") == 3, out
    assert out.count("Certificate Validation: Certificate is Trusted.") == 3, out


# ---- the tamper corpus ------------------------------------------------------------------------

RECORD_TAMPERS: list[Callable[[bytes], bytes]] = [
    *TAMPERS,
    sr.tamper_replace_xml,
    sr.tamper_replace_link,
]


@pytest.mark.django_db
def test_the_tamper_corpus_is_rejected(world: World) -> None:
    sr.register(world, 1)
    final = sr.signed_page(1).final
    accepted = []
    for tamper in RECORD_TAMPERS:
        changed = tamper(final)
        assert changed != final, tamper.__name__
        report = _verify(changed)
        if report.valid or not report.problems:
            accepted.append(tamper.__name__)
    assert accepted == []


@pytest.mark.django_db
def test_a_replaced_xml_is_named_as_such(world: World) -> None:
    sr.register(world, 1)
    report = _verify(sr.tamper_replace_xml(sr.signed_page(1).final))
    assert not report.valid
    assert report.xml.same_as_signed is False
    assert not report.hashes.xml_matches_qr
    assert not report.hashes.xml_matches_register
    assert "Dữ liệu XML đính kèm đã bị thay thế sau khi kí." in report.problems


@pytest.mark.django_db
def test_a_removed_signature_is_missing_the_seal(world: World) -> None:
    sr.register(world, 1)
    report = _verify(sr.signed_page(1).after_principal)
    assert not report.valid
    assert report.unsigned_fields == ["con_dau"]
    assert "Thiếu chữ kí: Con dấu của trường." in report.problems


# ---- status, order ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_superseded_version_points_to_the_current_one(world: World) -> None:
    old = sr.register(
        world, 1, RecordPage.State.SUPERSEDED, reason="Sửa điểm Toán theo biên bản số 12"
    )
    sr.register(world, 2, supersedes=old)
    report = _verify(sr.signed_page(1).final)
    assert not report.valid
    assert report.status == SUPERSEDED
    assert report.pdf_valid  # the file itself is intact: only its status fails
    assert report.register.superseded_reason == "Sửa điểm Toán theo biên bản số 12"
    current = report.register.current
    assert current is not None
    assert (current.record_code, current.version) == (sr.CODE, 2)
    assert current.verify_url == verify_url(sr.CODE, 2, sha256_of(sr.xml_of(2)))
    assert any("đã được thay thế" in p and current.verify_url in p for p in report.problems)
    assert report.verdict == "Không còn hiệu lực — đã được thay thế"


@pytest.mark.django_db
def test_a_superseded_version_names_the_correction_s_bien_ban(world: World) -> None:
    record = sr.bien_ban(world)
    old = sr.register(world, 1, RecordPage.State.SUPERSEDED, reason="Đính chính điểm Toán")
    sr.register(world, 2, supersedes=old, bien_ban=record)
    report = _verify(sr.signed_page(1).final)
    assert report.register.bien_ban_id == record.pk
    assert report.register.bien_ban_number == record.request.number
    assert any(f"Biên bản số {record.request.number}." in p for p in report.problems)


@pytest.mark.django_db
def test_an_older_sealed_version_is_superseded_by_a_newer_issued_one(world: World) -> None:
    old = sr.register(world, 1)
    sr.register(world, 2, supersedes=old)
    report = _verify(sr.signed_page(1).final)
    assert report.status == SUPERSEDED
    assert report.register.current is not None
    assert report.register.current.version == 2


@pytest.mark.django_db
def test_the_current_version_after_a_correction_is_valid(world: World) -> None:
    old = sr.register(world, 1, RecordPage.State.SUPERSEDED, reason="Sửa điểm")
    sr.register(world, 2, supersedes=old)
    report = _verify(sr.signed_page(2).final)
    assert report.valid, report.problems
    assert report.version == 2


@pytest.mark.django_db
def test_an_unknown_record(world: World) -> None:
    report = _verify(sr.signed_page(1).final)
    assert not report.valid
    assert report.status == UNKNOWN
    assert not report.register.found
    assert report.pdf_valid
    assert "Học bạ này không có trong sổ đăng ký phát hành." in report.problems


@pytest.mark.django_db
def test_a_register_hash_mismatch(world: World) -> None:
    sr.register(world, 1)
    RecordPage.objects.filter(record_code=sr.CODE, version=1).update(sha256="0" * 64)
    report = _verify(sr.signed_page(1).final)
    assert not report.valid
    assert not report.hashes.xml_matches_register
    assert report.hashes.xml_matches_qr
    assert "Mã băm của dữ liệu XML không khớp sổ đăng ký phát hành." in report.problems


@pytest.mark.django_db
@pytest.mark.parametrize(
    "state",
    [RecordPage.State.DRAFT, RecordPage.State.SIGNED_BY_PRINCIPAL],
)
def test_a_version_not_issued(world: World, state: str) -> None:
    sr.register(world, 1, state)
    report = _verify(sr.signed_page(1).final)
    assert not report.valid
    assert report.status == NOT_ISSUED
    assert report.verdict == "Không hợp lệ — chưa phát hành"


@pytest.mark.django_db
def test_two_signatures_are_not_a_sealed_record(world: World) -> None:
    sr.register(world, 1, RecordPage.State.SIGNED_BY_PRINCIPAL)
    report = _verify(sr.signed_page(1).after_principal)
    assert not report.valid
    assert len(report.signatures) == 2
    assert all(s.valid for s in report.signatures)
    assert not report.signature_order_ok


@pytest.mark.django_db
def test_signatures_out_of_order(world: World) -> None:
    sr.register(world, 1)
    report = _verify(sr.out_of_order())
    assert [s.field for s in report.signatures] == ["hieu_truong", "gvcn", "con_dau"]
    assert all(s.valid for s in report.signatures)
    assert not report.signature_order_ok
    assert not report.valid
    assert any("Thứ tự chữ kí không đúng" in p for p in report.problems)


@pytest.mark.django_db
def test_a_signer_of_an_unknown_ca(world: World) -> None:
    sr.register(world, 1)
    report = _verify(sr.untrusted())
    assert not report.valid
    assert not report.signatures[0].chain_valid


@pytest.mark.django_db
def test_an_unsigned_rendering(world: World) -> None:
    sr.register(world, 1)
    report = _verify(sr.rendered(1))
    assert not report.valid
    assert report.hashes.xml_matches_qr  # the data are fine, the signatures missing
    assert "Tệp không có chữ kí số." in report.problems


@pytest.mark.django_db
@pytest.mark.parametrize("data", [b"", b"not a pdf", b"%PDF-1.7\n%%EOF\n"])
def test_garbage_is_a_report_not_a_crash(db: None, data: bytes) -> None:
    report = _verify(data)
    assert not report.valid
    assert report.status == UNKNOWN
    assert report.problems
    json.loads(report.to_json())


def test_an_attachment_is_inflated_with_a_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    """A compression bomb in the attachment is refused, never inflated in full."""
    page = sr.signed_page(1)
    assert verification._read(page.final).xml == page.xml
    monkeypatch.setattr(verification, "MAX_XML_BYTES", len(page.xml) - 1)
    contents = verification._read(page.final)
    assert contents.xml is None
    assert contents.xml_problem == (
        "Dữ liệu XML đính kèm quá lớn hoặc được nén theo cách không hỗ trợ."
    )

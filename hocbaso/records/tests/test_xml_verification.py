"""verify_record_xml and `verify_record` on a XAdES-signed page: valid only for the current
version signed by the registered seal; superseded points to the current version; a tampered
file, another signer, an unknown record or a seal revoked before sealing fail."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from hocbaso.people.tests.world import World
from hocbaso.records import verification
from hocbaso.records.models import RecordFile, RecordPage
from hocbaso.records.tests import signed_records as sr
from hocbaso.records.xades import sign_xml
from hocbaso.records.xml_verification import looks_like_xml, verify_record_xml
from hocbaso.signing.demo_pki import IssuedCertificate
from hocbaso.signing.revocation import issue_crl
from hocbaso.signing.revocation_status import RevocationData

pytestmark = pytest.mark.django_db


def _signed(version: int, who: IssuedCertificate | None = None) -> bytes:
    signer = who or sr.pki().seal
    return sign_xml(sr.xml_of(version), key=signer.private_key, certificate=signer.certificate)


@pytest.fixture
def configured_roots(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(verification, "current_trust_roots", lambda: sr.pki().roots)


def _command(tmp_path: Path, data: bytes) -> tuple[int, dict[str, Any]]:
    path = tmp_path / "hocba-xades.xml"
    path.write_bytes(data)
    out = StringIO()
    try:
        call_command("verify_record", str(path), stdout=out)
    except CommandError as exc:
        return exc.returncode, json.loads(out.getvalue())
    return 0, json.loads(out.getvalue())


def test_the_current_version_signed_by_the_registered_seal_exits_0(
    world: World, tmp_path: Path, configured_roots: None
) -> None:
    page = sr.register(world, 1)
    sr.record_signers(world, page)
    code, report = _command(tmp_path, _signed(1))
    assert code == 0, report["problems"]
    assert report["valid"] is True
    assert report["status"] == "current"
    assert report["verdict"] == "Hợp lệ — bản hiện hành"
    assert report["signature"]["signer_common_name"] == sr.SCHOOL
    assert report["signer_matches_register"] is True
    assert report["xml_matches_register"] is True
    assert report["xml"]["record_code"] == sr.CODE


def test_a_superseded_version_exits_1_and_points_to_the_current_one(
    world: World, tmp_path: Path, configured_roots: None
) -> None:
    old = sr.register(
        world, 1, RecordPage.State.SUPERSEDED, reason="Sửa điểm Toán", bien_ban=sr.bien_ban(world)
    )
    sr.register(world, 2, supersedes=old)
    code, report = _command(tmp_path, _signed(1))
    assert code == 1
    assert report["status"] == "superseded"
    assert report["verdict"] == "Không còn hiệu lực — đã được thay thế"
    assert report["register"]["current"]["version"] == 2
    assert any("Bản hiện hành: phiên bản 2" in p for p in report["problems"])
    # the current version's own signed XML passes
    assert _command(tmp_path, _signed(2))[0] == 0


def test_a_tampered_file_exits_1(world: World, tmp_path: Path, configured_roots: None) -> None:
    sr.register(world, 1)
    signed = _signed(1)
    assert b"<diemktdk>9</diemktdk>" in signed
    code, report = _command(
        tmp_path, signed.replace(b"<diemktdk>9</diemktdk>", b"<diemktdk>10</diemktdk>")
    )
    assert code == 1
    assert report["valid"] is False
    assert report["status"] == "unknown"
    assert report["problems"] == [
        "Chữ ký số XAdES: nội dung tài liệu đã bị thay đổi sau khi ký (sai giá trị băm)"
    ]


def test_another_trusted_signer_is_not_the_record(world: World) -> None:
    page = sr.register(world, 1)
    sr.record_signers(world, page)
    report = verify_record_xml(_signed(1, sr.pki().principal), trust_roots=sr.pki().roots)
    assert report.signature.valid is True
    assert report.valid is False
    assert report.signer_matches_register is False
    assert report.problems == [
        "Chứng thư của người kí khác chứng thư con dấu đã ghi trong sổ phát hành."
    ]


def test_an_unregistered_page_or_an_untrusted_signer_is_refused(world: World) -> None:
    unknown = verify_record_xml(_signed(1), trust_roots=sr.pki().roots)
    assert (unknown.valid, unknown.status) == (False, "unknown")
    assert unknown.problems == ["Học bạ này không có trong sổ đăng ký phát hành."]
    sr.register(world, 1)
    stranger = verify_record_xml(_signed(1), trust_roots=[sr.pki().other_ca.certificate])
    assert stranger.valid is False
    assert "không thuộc chuỗi tin cậy" in stranger.problems[0]


def test_a_seal_revoked_before_sealing_fails_and_after_is_noted(world: World) -> None:
    page = sr.register(world, 1)
    sr.record_signers(world, page)
    sealed_at = RecordFile.objects.get(page=page, step="seal").created_at
    keys = sr.pki()

    def crl(at: dt.datetime) -> RevocationData:
        entry = (keys.seal.certificate.serial_number, at)
        return RevocationData(crls=(issue_crl(keys.ca, [entry], now=sealed_at),))

    clean = RevocationData(crls=(issue_crl(keys.ca, [], now=sealed_at),))
    ok = verify_record_xml(_signed(1), trust_roots=keys.roots, revocation=clean)
    assert (ok.valid, ok.revocation_checked, ok.notes) == (True, True, [])
    before = verify_record_xml(
        _signed(1), trust_roots=keys.roots, revocation=crl(sealed_at - dt.timedelta(hours=1))
    )
    assert before.valid is False
    assert before.problems == ["Chứng thư số của con dấu đã bị thu hồi trước khi kí tệp."]
    after = verify_record_xml(
        _signed(1), trust_roots=keys.roots, revocation=crl(sealed_at + dt.timedelta(hours=1))
    )
    assert after.valid is True
    assert len(after.notes) == 1
    assert "bị thu hồi sau khi kí" in after.notes[0]


def test_xml_is_told_from_pdf() -> None:
    assert looks_like_xml(b'\xef\xbb\xbf  <?xml version="1.0"?><hocba/>')
    assert not looks_like_xml(b"%PDF-1.7\n<x>")
    assert not looks_like_xml(b"GIF89a")

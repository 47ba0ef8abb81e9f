"""Tampered archives are refused with the reason: a changed byte inside, a replaced manifest,
a wrong identity, a path-traversal entry, an unlisted extra file."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import Path

import pyrage
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from hocbaso.audit.chain import canonical_body
from hocbaso.exchange.archive.checks import Report, archive_roots, verify_opened
from hocbaso.exchange.archive.reading import ArchiveRefused, load_identities, open_archive
from hocbaso.exchange.archive.tests.conftest import ArchiveWorld
from hocbaso.org.models import School
from hocbaso.signing.demo_pki import create_ca


def _members(aw: ArchiveWorld) -> list[tuple[str, bytes]]:
    identity = load_identities(aw.identity_file)
    plain = pyrage.decrypt(aw.out.read_bytes(), identity)
    with tarfile.open(fileobj=io.BytesIO(plain), mode="r:") as tar:
        found = []
        for info in tar:
            source = tar.extractfile(info)
            assert source is not None
            found.append((info.name, source.read()))
        return found


def _repack(aw: ArchiveWorld, members: list[tuple[str, bytes]]) -> Path:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    recipient = pyrage.x25519.Recipient.from_str(aw.recipient)
    out = aw.out.with_name("tampered.tar.age")
    out.write_bytes(pyrage.encrypt(buffer.getvalue(), [recipient]))
    return out


def _verify(aw: ArchiveWorld, path: Path) -> Report:
    with open_archive(path, load_identities(aw.identity_file)) as opened:
        return verify_opened(opened)


def _flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


def _a_changed_byte_in_a_table_is_refused(aw: ArchiveWorld) -> None:
    members = [
        (name, _flip(data, 10) if name == "data/assessment.entry.jsonl" else data)
        for name, data in _members(aw)
    ]
    report = _verify(aw, _repack(aw, members))
    assert "Tệp data/assessment.entry.jsonl khác mã băm trong bản kê khai." in report.problems
    assert "Bảng assessment.entry khác mã băm hoặc số dòng trong bản kê khai." in report.problems


def _a_changed_byte_in_the_sealed_pdf_is_refused(aw: ArchiveWorld) -> None:
    members = _members(aw)
    pdf_name = next(n for n, _ in members if n.endswith(".pdf"))
    changed = [(n, _flip(d, 400) if n == pdf_name else d) for n, d in members]
    report = _verify(aw, _repack(aw, changed))
    assert f"Tệp {pdf_name} khác mã băm trong bản kê khai." in report.problems


def _a_replaced_manifest_fails_its_signature(aw: ArchiveWorld) -> None:
    members = _members(aw)
    table = "data/people.student.jsonl"
    lines = next(d for n, d in members if n == table).splitlines(keepends=True)
    first = json.loads(lines[0])
    first["full_name"] = "Người Khác"
    forged_table = b"".join([canonical_body(first) + b"\n", *lines[1:]])
    rewritten = [(n, forged_table if n == table else d) for n, d in members]
    manifest = json.loads(next(d for n, d in members if n == "manifest.json"))
    manifest["files"][table] = {
        "sha256": hashlib.sha256(forged_table).hexdigest(),
        "size": len(forged_table),
    }
    manifest["tables"]["people.student"]["sha256"] = hashlib.sha256(forged_table).hexdigest()
    new_manifest = (
        json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=1).encode() + b"\n"
    )
    rewritten = [(n, new_manifest if n == "manifest.json" else d) for n, d in rewritten]
    report = _verify(aw, _repack(aw, rewritten))
    assert report.problems == ["Bản kê khai đã bị thay đổi sau khi kí (sai mã băm)."]
    assert report.facts["signature"]["valid"] is False


def _a_wrong_identity_or_a_flipped_ciphertext_byte_cannot_open_it(aw: ArchiveWorld) -> None:
    other = aw.out.with_name("other.key")
    other.write_text(f"{pyrage.x25519.Identity.generate()}\n", encoding="ascii")
    identities = load_identities(other)
    with (
        pytest.raises(ArchiveRefused, match="sai khóa bí mật age"),
        open_archive(aw.out, identities),
    ):
        pass
    sealed = aw.out.read_bytes()
    flipped = aw.out.with_name("flipped.tar.age")
    flipped.write_bytes(_flip(sealed, len(sealed) // 2))
    mine = load_identities(aw.identity_file)
    with pytest.raises(ArchiveRefused, match="tệp đã bị thay đổi"), open_archive(flipped, mine):
        pass


def _a_traversal_entry_is_refused(aw: ArchiveWorld) -> None:
    members = [*_members(aw), ("files/records/../../../etc/cron.d/x", b"* * * * * root id\n")]
    with pytest.raises(ArchiveRefused, match="đường dẫn không an toàn"):
        _verify(aw, _repack(aw, members))


def _an_unlisted_extra_file_is_refused(aw: ArchiveWorld) -> None:
    members = [*_members(aw), ("files/records/extra.pdf", b"%PDF-1.7\n")]
    report = _verify(aw, _repack(aw, members))
    assert report.problems == ["Tệp files/records/extra.pdf không có trong bản kê khai."]


def test_tampered_archives_are_refused_with_their_reason(aw: ArchiveWorld) -> None:
    """One export (the sealed world is the slow part), every kind of tampering."""
    aw.export()
    _a_changed_byte_in_a_table_is_refused(aw)
    _a_changed_byte_in_the_sealed_pdf_is_refused(aw)
    _a_replaced_manifest_fails_its_signature(aw)
    _a_wrong_identity_or_a_flipped_ciphertext_byte_cannot_open_it(aw)
    _a_traversal_entry_is_refused(aw)
    _an_unlisted_extra_file_is_refused(aw)


def test_commands_refuse_a_tampered_archive_and_change_nothing(
    aw: ArchiveWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    aw.export()
    members = [(n, _flip(d, 3) if n == "audit/checkpoint.json" else d) for n, d in _members(aw)]
    path = _repack(aw, members)
    with pytest.raises(SystemExit) as exited:
        call_command("verify_archive", str(path), identity=str(aw.identity_file))
    assert exited.value.code == 1
    printed = json.loads(capsys.readouterr().out)
    assert printed["ok"] is False
    assert "Tệp audit/checkpoint.json khác mã băm trong bản kê khai." in printed["problems"]

    schools = School.objects.count()
    with pytest.raises(CommandError, match="Bản lưu trữ không đạt kiểm tra"):
        call_command("import_archive", str(path), identity=str(aw.identity_file))
    assert School.objects.count() == schools


def test_roots_given_to_the_verifier_replace_the_archives_own(aw: ArchiveWorld) -> None:
    """An archive re-signed by a stranger would carry the stranger's root; a verifier that
    brings the roots it knows refuses it. Here: the genuine archive against a foreign root."""
    aw.export()
    foreign = create_ca(now=timezone.now(), name="Một CA lạ").certificate
    with open_archive(aw.out, load_identities(aw.identity_file)) as opened:
        report = verify_opened(opened, trust_roots=[foreign])
        genuine = verify_opened(opened, trust_roots=archive_roots(opened))
    assert report.facts["trust_roots"] == "given"
    assert report.facts["signature"]["trust_root"] is None
    assert (
        "Chứng thư số kí bản kê khai không được cấp bởi tổ chức chứng thực tin cậy đã cấu "
        "hình (hoặc đã hết hạn)."
    ) in report.problems
    assert genuine.problems == []
    assert genuine.facts["sealed_pdfs"] == 1

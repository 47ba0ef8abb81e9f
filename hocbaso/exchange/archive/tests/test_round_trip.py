"""Export → verify offline → empty installation → import: identical data that verifies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import call_command
from django.core.management.base import CommandError

from hocbaso.audit.checkpoint import load_public_key
from hocbaso.audit.log import SYSTEM_CHAIN, chain_for_school, log
from hocbaso.audit.models import AuditEvent
from hocbaso.audit.verify import verify
from hocbaso.exchange.archive.checks import verify_opened
from hocbaso.exchange.archive.export import export_archive
from hocbaso.exchange.archive.reading import load_identities, open_archive
from hocbaso.exchange.archive.restore import digest_problems
from hocbaso.exchange.archive.tests.conftest import YEAR, ArchiveWorld, empty_installation
from hocbaso.org.models import School
from hocbaso.people.errors import ActionError
from hocbaso.records.models import RecordFile, RecordPage
from hocbaso.records.storage import read_pdf
from hocbaso.records.tests.transfer_world import PIN


def test_export_then_verify_offline_reports_every_check(
    aw: ArchiveWorld, django_assert_num_queries: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    exported = aw.export()
    identities = load_identities(aw.identity_file)
    # the verifier needs no database
    with django_assert_num_queries(0), open_archive(aw.out, identities) as opened:
        report = verify_opened(opened)
    assert report.problems == []
    facts = report.as_json()
    assert facts["ok"] is True
    assert facts["sealed_pdfs"] == 1
    assert facts["signature"]["valid"] is True
    assert facts["signature"]["trust_root"] is not None
    assert facts["audit"]["events"] == exported.manifest["audit"]["seq"]
    tables = exported.manifest["tables"]
    assert tables["records.recordpage"]["rows"] == 1
    assert tables["org.school"]["rows"] == 1
    assert tables["assessment.entry"]["rows"] > 0
    assert exported.manifest["school"]["code"] == aw.world.school.code
    names = set(exported.manifest["files"])
    sealed = RecordFile.objects.get(page=aw.page, step=RecordFile.Step.SEAL)
    assert f"files/records/{sealed.sha256}.pdf" in names
    assert "data/assessment.entry.csv" in names

    call_command("verify_archive", str(aw.out), identity=str(aw.identity_file))
    printed = json.loads(capsys.readouterr().out)
    assert printed["ok"] is True
    assert printed["school"]["code"] == aw.world.school.code


def test_round_trip_restores_identical_data_that_verifies(aw: ArchiveWorld) -> None:
    exported = aw.export()
    school_id = aw.world.school.pk
    sealed_sha = RecordFile.objects.get(page=aw.page, step=RecordFile.Step.SEAL).sha256
    empty_installation()
    assert not School.objects.exists()

    call_command("import_archive", str(aw.out), identity=str(aw.identity_file))

    year_id = School.objects.get(pk=school_id).classes.first().school_year_id  # type: ignore[union-attr]
    assert digest_problems(exported.manifest, year_id) == []
    result = verify(chains=[chain_for_school(school_id)])
    assert result.problems == {}
    assert result.chains[chain_for_school(school_id)].seq == exported.manifest["audit"]["seq"]
    page = RecordPage.objects.get(pk=aw.page.pk)
    assert page.sha256 == aw.page.sha256
    assert read_pdf(sealed_sha)[:5] == b"%PDF-"
    imported = AuditEvent.objects.get(chain=SYSTEM_CHAIN, action="archive.imported")
    assert imported.data["school_year"] == YEAR
    assert verify(chains=[SYSTEM_CHAIN]).problems == {}


def test_refusals_say_why_in_vietnamese(aw: ArchiveWorld) -> None:
    with pytest.raises(ActionError, match="Mã PIN không đúng"):
        export_archive(
            school_code=aw.world.school.code,
            year_code=YEAR,
            out=aw.out,
            recipients=[aw.recipient],
            pin="000000",
            acting_user=aw.world.user("principal"),
        )
    with pytest.raises(ActionError, match="Khóa công khai age không hợp lệ"):
        export_archive(
            school_code=aw.world.school.code,
            year_code=YEAR,
            out=aw.out,
            recipients=["age1notakey"],
            pin=PIN,
            acting_user=aw.world.user("principal"),
        )
    assert not aw.out.exists()
    aw.export()
    with pytest.raises(CommandError, match="đã có trong hệ thống"):
        call_command("import_archive", str(aw.out), identity=str(aw.identity_file))


def test_a_witnessed_checkpoint_travels_with_the_archive(aw: ArchiveWorld, tmp_path: Path) -> None:
    key = tmp_path / "checkpoint.pem"
    call_command("checkpoint_audit", generate_key=str(key))
    witness = tmp_path / "checkpoint.json"
    call_command("checkpoint_audit", out=str(witness), key=str(key))
    log("archive.exported", actor=None, school_id=aw.world.school.pk)  # one event after it
    exported = export_archive(
        school_code=aw.world.school.code,
        year_code=YEAR,
        out=aw.out,
        recipients=[aw.recipient],
        pin=PIN,
        witness=witness,
        acting_user=aw.world.user("principal"),
    )
    pinned = load_public_key(Path(f"{key}.pub"))
    other = Ed25519PrivateKey.generate().public_key()
    with open_archive(aw.out, load_identities(aw.identity_file)) as opened:
        good = verify_opened(opened, witness_key=pinned)
        wrong = verify_opened(opened, witness_key=other)
    assert good.problems == []
    witnessed = good.facts["audit"]["witness"]
    assert witnessed["seq"] == exported.manifest["audit"]["seq"] - 1
    assert witnessed["pinned"] is True
    assert wrong.problems == ["Mốc kiểm chứng được ký bằng khoá khác khoá công khai đã chỉ định."]

"""`manage.py demo_issue`: a class from locked periods to sealed, verifiable records."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from django.core.management import call_command
from django.core.management.base import CommandError

from hocbaso.audit.actors import SEED
from hocbaso.audit.models import AuditEvent
from hocbaso.org.models import ClassGroup
from hocbaso.people.actions.assignments import assign_homeroom
from hocbaso.people.tests.world import World
from hocbaso.records import verification
from hocbaso.records.models import RecordPage
from hocbaso.records.tests.chain_world import give_signers
from hocbaso.records.xades import verify_xml
from hocbaso.signing.verify_pdf import verify_pdf


def _run(world: World, out: Path, class_name: str) -> str:
    from io import StringIO

    stdout = StringIO()
    call_command(
        "demo_issue",
        "--out",
        str(out),
        "--school",
        world.school.code,
        "--class",
        class_name,
        stdout=stdout,
    )
    return stdout.getvalue()


def _pdfsig(pdf: Path, ca: Path, tmp: Path) -> str:
    nss = tmp / "nss"
    nss.mkdir()
    subprocess.run(["certutil", "-N", "--empty-password", "-d", f"sql:{nss}"], check=True)
    subprocess.run(
        ["certutil", "-A", "-n", "demo", "-t", "CT,C,C", "-i", str(ca), "-d", f"sql:{nss}"],
        check=True,
    )
    return subprocess.run(
        ["pdfsig", "-nssdir", f"sql:{nss}", str(pdf)], capture_output=True, text=True
    ).stdout


def test_demo_issue_writes_verifiable_records(
    ready: World,
    demo_authority,
    tmp_path: Path,
) -> None:
    give_signers(ready, demo_authority)  # valid on the real calendar too (pdfsig checks now)
    out = tmp_path / "out"
    text = _run(ready, out, "4A")
    page = RecordPage.objects.get(student=ready.pupil_a, class_group=ready.class_4a)
    assert page.state == RecordPage.State.SEALED
    stem = f"{page.record_code}-v{page.version}"
    assert "đã phát hành 1 trang" in text
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"{stem}.pdf", f"{stem}.xml", "demo-ca.pem"]
    )
    ca_pem = (out / "demo-ca.pem").read_bytes()
    roots = [x509.load_pem_x509_certificate(ca_pem)]
    pdf = (out / f"{stem}.pdf").read_bytes()
    report = verify_pdf(pdf, trust_roots=roots)
    assert report.valid, report.problems
    assert all(s.timestamp_valid for s in report.signatures)  # DEMO TSA timestamps
    assert verification.verify_record_pdf(pdf, trust_roots=roots).valid
    signed_xml = verify_xml((out / f"{stem}.xml").read_bytes(), trust_roots_pem=ca_pem)
    assert signed_xml.valid, signed_xml.problems
    assert signed_xml.signed_xml == bytes(page.xml)
    assert AuditEvent.objects.filter(action="record.issued").count() == 1
    if shutil.which("pdfsig") and shutil.which("certutil"):
        checked = _pdfsig(out / f"{stem}.pdf", out / "demo-ca.pem", tmp_path)
        assert checked.count("Signature Validation: Signature is Valid.") == 3, checked
        assert checked.count("Certificate Validation: Certificate is Trusted.") == 3, checked
    # A second run issues nothing new and signs nothing twice.
    _run(ready, tmp_path / "again", "4A")
    assert AuditEvent.objects.filter(action="signature.applied").count() == 3


def test_demo_issue_fails_with_the_reasons_when_nothing_is_ready(
    ready: World,
    demo_authority,
    tmp_path: Path,
) -> None:
    with pytest.raises(CommandError, match="chưa có giáo viên chủ nhiệm"):
        _run(ready, tmp_path / "out", "5B")
    class_5b = ClassGroup.objects.get(school=ready.school, name="5B")
    teacher = ready.user("subject_teacher_5b")
    assign_homeroom(teacher.pk, class_5b.pk, acting_user=SEED)
    with pytest.raises(CommandError, match="không có trang học bạ nào được phát hành"):
        _run(ready, tmp_path / "out", "5B")
    assert not RecordPage.objects.filter(class_group__name="5B").exists()
    assert AuditEvent.objects.filter(action="assessment.entry_locked").exists()

"""Tampered transfer packages: each refused with its own Vietnamese reason, nothing changed."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from typing import Any

import pytest

from hocbaso.audit.models import AuditEvent
from hocbaso.people.errors import ActionError
from hocbaso.people.models import Enrolment, Student
from hocbaso.people.tests.world import World
from hocbaso.records.tests.transfer_world import (
    DESTINATION,
    PIN,
    TransferWorld,
    build_transfer_world,
    members_of,
    rewrite,
)
from hocbaso.records.transfer import layout
from hocbaso.records.transfer.checks import verify_package
from hocbaso.records.transfer.export import export_transfer_package
from hocbaso.records.transfer.manifest_signature import sign_manifest
from hocbaso.records.transfer.models import ImportedPage, TransferPackage
from hocbaso.records.transfer.receive import import_transfer_package
from hocbaso.records.xml_record import sha256_of
from hocbaso.signing.demo_store import DemoAuthority
from hocbaso.signing.models import SigningCertificate

Members = list[tuple[str, bytes]]


def _replace(members: Members, name: str, data: bytes) -> Members:
    return [(n, data if n == name else d) for n, d in members]


def _pdf_name(members: Members) -> str:
    return next(n for n, _ in members if n.endswith(".pdf"))


def _flip_pdf_byte(members: Members) -> Members:
    name = _pdf_name(members)
    pdf = bytearray(dict(members)[name])
    pdf[len(pdf) // 2] ^= 0x01
    return _replace(members, name, bytes(pdf))


def _resign(tw: TransferWorld, members: Members, row: SigningCertificate) -> Members:
    manifest = dict(members)["manifest.json"]
    p7s = sign_manifest(manifest, signer=tw.signers.signer(row), timestamper=None)
    return _replace(members, "manifest.json.p7s", p7s)


def _edited_manifest(members: Members, edit: Callable[[dict[str, Any]], None]) -> Members:
    manifest = json.loads(dict(members)["manifest.json"])
    edit(manifest)
    return _replace(members, "manifest.json", layout.canonical_json(manifest))


def _pdf_changed_and_manifest_resigned(tw: TransferWorld, members: Members) -> Members:
    changed = _flip_pdf_byte(members)
    name = _pdf_name(changed)
    pdf = dict(changed)[name]

    def edit(manifest: dict[str, Any]) -> None:
        for entry in manifest["files"]:
            if entry["name"] == name:
                entry["sha256"] = sha256_of(pdf)
        manifest["records"][0]["pdf_sha256"] = sha256_of(pdf)

    return _resign(tw, _edited_manifest(changed, edit), tw.signers.seal)


def _bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", b"{}")
        archive.writestr("manifest.json.p7s", b"x")
        archive.writestr("profile.json", b" " * (20 * 1024 * 1024))
    return out.getvalue()


def _with_raw_member(members: Members, name: str, data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for n, d in members:
            archive.writestr(n, d)
        archive.writestr(zipfile.ZipInfo(name), data)
    return out.getvalue()


def _counts() -> tuple[int, ...]:
    return (
        Student.objects.count(),
        Enrolment.objects.count(),
        ImportedPage.objects.count(),
        TransferPackage.objects.count(),
        AuditEvent.objects.count(),
    )


@pytest.fixture
def tw(ready: World, demo_authority: DemoAuthority) -> TransferWorld:
    return build_transfer_world(ready, demo_authority)


def test_every_tampered_package_is_refused_with_its_reason(tw: TransferWorld) -> None:
    # given a genuine package of pupil A
    world = tw.world
    package = export_transfer_package(
        world.pupil_a, acting_user=world.user("principal"), pin=PIN, destination=DESTINATION
    )
    genuine = layout.PACKAGES.read(package.sha256)
    members = members_of(genuine)
    code = tw.page.record_code
    pdf_name, xml_name = f"records/{code}-v1.pdf", f"records/{code}-v1.xml"
    seal_of_other = tw.other_seal
    other_name = world.other_school.name
    corpus: dict[str, tuple[bytes, str]] = {
        "a changed byte in a PDF": (
            rewrite(_flip_pdf_byte(members)),
            f"Tệp «{pdf_name}» không khớp mã băm trong bản kê khai.",
        ),
        "a PDF changed and the manifest re-signed": (
            rewrite(_pdf_changed_and_manifest_resigned(tw, members)),
            f"Trang {code} v1: ",
        ),
        "a replaced manifest": (
            rewrite(_edited_manifest(members, lambda m: m.update(destination="Trường khác"))),
            "Bản kê khai đã bị thay đổi sau khi kí (sai mã băm).",
        ),
        "a manifest signed by another school's seal": (
            rewrite(_resign(tw, members, seal_of_other)),
            f"Bản kê khai được kí bằng con dấu của trường khác ({other_name}), không phải của "
            f"trường chuyển đi ({world.school.name}).",
        ),
        "a manifest signed by a personal certificate": (
            rewrite(_resign(tw, members, tw.signers.principal)),
            "Bản kê khai được kí bằng chứng thư số cá nhân, không phải con dấu của trường.",
        ),
        "an added file": (
            rewrite([*members, ("records/HB-THEM-v1.xml", b"<hocba/>")]),
            "Hồ sơ có tệp «records/HB-THEM-v1.xml» không có trong bản kê khai.",
        ),
        "a missing file": (
            rewrite([(n, d) for n, d in members if n != xml_name]),
            f"Hồ sơ thiếu tệp «{xml_name}» đã kê trong bản kê khai.",
        ),
        "a path traversal name": (
            _with_raw_member(members, "../../etc/cron.d/x", b"* * * * * root true"),
            "Hồ sơ chứa tên tệp không an toàn «../../etc/cron.d/x» (đường dẫn).",
        ),
        "a zip bomb": (
            _bomb(),
            "Tệp «profile.json» trong hồ sơ có tỉ lệ nén bất thường (nghi là bom nén).",
        ),
        "not a zip": (b"%PDF-1.7 not a package", "Tệp không phải hồ sơ chuyển trường"),
    }
    receiver = world.user("other_principal")
    before = _counts()
    failures = []
    for case, (data, reason) in corpus.items():
        # when verified, then applied
        report = verify_package(data, school=world.other_school)
        with pytest.raises(ActionError) as refused:
            import_transfer_package(
                data, school=world.other_school, class_group=tw.class_4a_other,
                acting_user=receiver, dry_run=False,
            )  # fmt: skip
        # then refused for this reason, and nothing changed
        if report.ok or not any(p.startswith(reason) for p in report.problems):
            failures.append(f"{case}: {report.problems}")
        if not any(m.startswith(reason) for m in refused.value.messages):
            failures.append(f"{case} (apply): {refused.value.messages}")
        if _counts() != before:
            failures.append(f"{case}: something was written")
    assert failures == []
    # and the genuine package still verifies
    assert verify_package(genuine, school=world.other_school).ok

"""Checking an opened archive with nothing but the project: every member against the signed
manifest, the manifest's seal signature against the archive's own trust roots (the report names
the root it chained to, for a person to compare with the root they know), the school's audit
chain recomputed from the exported rows and compared with the checkpoint, every sealed PDF
verified (`signing.verify_pdf`) against the same roots at the archive's date. No database."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from hocbaso.audit.chain import GENESIS_HASH, event_hash
from hocbaso.audit.checkpoint import CheckpointError, MerkleBuilder
from hocbaso.audit.verify import stored_fields
from hocbaso.exchange.archive import layout
from hocbaso.exchange.archive.reading import ArchiveRefused, Opened
from hocbaso.exchange.archive.witness import read_witness, witness_problems
from hocbaso.records.transfer.manifest_signature import verify_manifest
from hocbaso.signing.verify_pdf import verify_pdf

SEALED_STEP = "seal"


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    manifest: dict[str, Any] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "school": self.manifest.get("school"),
            "school_year": self.manifest.get("school_year"),
            "created_at": self.manifest.get("created_at"),
            "problems": self.problems,
            **self.facts,
        }


def rows_of(opened: Opened, table: str) -> list[dict[str, Any]]:
    data = opened.read(layout.data_name(table, "jsonl"))
    return [json.loads(line) for line in data.splitlines() if line]


def _manifest(opened: Opened, report: Report) -> bytes | None:
    for name in (layout.MANIFEST, layout.SIGNATURE):
        if name not in opened.members:
            report.problems.append(f"Thiếu {name} trong bản lưu trữ.")
            return None
    raw = opened.read(layout.MANIFEST, layout.MAX_MANIFEST_BYTES)
    try:
        manifest = json.loads(raw)
    except ValueError:
        report.problems.append("manifest.json không phải JSON hợp lệ.")
        return None
    if not isinstance(manifest, dict) or manifest.get("format") != layout.FORMAT:
        report.problems.append("manifest.json không đúng định dạng bản lưu trữ hocbaso.")
        return None
    report.manifest = manifest
    return raw


def _files(opened: Opened, report: Report) -> None:
    listed: dict[str, Any] = report.manifest.get("files", {})
    for name, entry in listed.items():
        member = opened.members.get(name)
        if member is None:
            report.problems.append(f"Thiếu tệp {name} (có trong bản kê khai).")
        elif member.sha256 != entry.get("sha256") or member.size != entry.get("size"):
            report.problems.append(f"Tệp {name} khác mã băm trong bản kê khai.")
    extra = set(opened.members) - set(listed) - {layout.MANIFEST, layout.SIGNATURE}
    for name in sorted(extra):
        report.problems.append(f"Tệp {name} không có trong bản kê khai.")


def archive_roots(opened: Opened) -> list[x509.Certificate]:
    if layout.TRUST_ROOTS not in opened.members:
        return []
    return x509.load_pem_x509_certificates(opened.read(layout.TRUST_ROOTS))


def _signature(opened: Opened, raw: bytes, roots: list[x509.Certificate], report: Report) -> None:
    at = dt.datetime.fromisoformat(report.manifest["created_at"])
    checked = verify_manifest(raw, opened.read(layout.SIGNATURE), trust_roots=roots, at=at)
    report.problems.extend(checked.problems)
    root = next(
        (r for r in roots if checked.certificate and r.subject == checked.certificate.issuer),
        None,
    )
    report.facts["signature"] = {
        "valid": checked.valid,
        "signer": checked.common_name,
        "organisation": checked.organisation,
        "fingerprint_sha256": checked.fingerprint,
        "signed_at": checked.signed_at,
        "trust_root": root.subject.rfc4514_string() if root else None,
        "trust_root_sha256": root.fingerprint(hashes.SHA256()).hex() if root else None,
    }
    if not checked.valid:
        return
    school_id = report.manifest.get("school", {}).get("id")
    seals = {
        row["fingerprint_sha256"].lower()
        for row in rows_of(opened, "signing.signingcertificate")
        if row.get("kind") == "seal" and row.get("school_id") == school_id
    }
    if checked.fingerprint not in seals:
        report.problems.append(
            "Bản kê khai không được kí bằng con dấu của trường trong bản lưu trữ."
        )


def _tables(opened: Opened, report: Report) -> None:
    for table, entry in report.manifest.get("tables", {}).items():
        name = layout.data_name(table, "jsonl")
        if name not in opened.members:
            report.problems.append(f"Thiếu bảng {table}.")
            continue
        data = opened.read(name)
        rows = data.count(b"\n")
        if hashlib.sha256(data).hexdigest() != entry.get("sha256") or rows != entry.get("rows"):
            report.problems.append(f"Bảng {table} khác mã băm hoặc số dòng trong bản kê khai.")


def chain_problems(rows: list[dict[str, Any]], checkpoint: dict[str, Any]) -> list[str]:
    """The audit chain's rows (seq order) recomputed from genesis, and compared with the
    checkpoint's seq, head hash and Merkle root (pure: no database)."""
    problems: list[str] = []
    prev, expected, merkle = GENESIS_HASH, 1, MerkleBuilder()
    for row in sorted(rows, key=lambda r: r["seq"]):
        fields = dict(row)
        fields["created_at"] = dt.datetime.fromisoformat(row["created_at"])
        if row["chain"] != checkpoint.get("chain"):
            problems.append(f"Sự kiện số {row['seq']} thuộc chuỗi khác.")
        elif row["seq"] != expected:
            problems.append(f"Chuỗi nhật kí đứt ở số {expected}.")
        elif row["prev_hash"] != prev:
            problems.append(f"Sự kiện số {row['seq']}: mã băm của sự kiện trước không khớp.")
        elif event_hash(row["prev_hash"], stored_fields(fields)) != row["hash"]:
            problems.append(f"Sự kiện số {row['seq']}: nội dung không khớp mã băm.")
        if problems:
            return problems
        prev, expected = row["hash"], expected + 1
        merkle.add(row["hash"])
    seq = expected - 1
    if seq != checkpoint.get("seq") or (seq and prev != checkpoint.get("head_hash")):
        problems.append("Chuỗi nhật kí không khớp mốc kiểm chứng (số sự kiện hoặc mã băm cuối).")
    elif merkle.root() != checkpoint.get("merkle_root"):
        problems.append("Gốc Merkle của chuỗi nhật kí khác mốc kiểm chứng.")
    return problems


def _audit(opened: Opened, report: Report, witness_key: Ed25519PublicKey | None) -> None:
    checkpoint = report.manifest.get("audit", {})
    rows = rows_of(opened, "audit.auditevent")
    report.problems.extend(chain_problems(rows, checkpoint))
    heads = rows_of(opened, "audit.auditchainhead")
    if rows and (len(heads) != 1 or heads[0]["hash"] != checkpoint.get("head_hash")):
        report.problems.append("Đầu chuỗi nhật kí không khớp sự kiện cuối.")
    report.facts["audit"] = {"chain": checkpoint.get("chain"), "events": len(rows)}
    if layout.WITNESS not in opened.members:
        report.facts["audit"]["witness"] = None
        return
    try:
        witnessed, facts = read_witness(
            opened.read(layout.WITNESS), checkpoint.get("chain", ""), witness_key
        )
    except CheckpointError as exc:
        report.problems.append(str(exc))
        return
    report.facts["audit"]["witness"] = facts
    hashes = [row["hash"] for row in sorted(rows, key=lambda r: r["seq"])]
    report.problems.extend(witness_problems(hashes, witnessed))


def _records(
    opened: Opened, roots: list[x509.Certificate], report: Report, at: dt.datetime | None
) -> None:
    at = at or dt.datetime.fromisoformat(report.manifest["created_at"])
    checked = 0
    for row in rows_of(opened, "records.recordfile"):
        if row["step"] != SEALED_STEP:
            continue
        name = f"{layout.RECORD_FILES}{row['sha256']}.pdf"
        if name not in opened.members:
            report.problems.append(f"Thiếu tệp PDF đã đóng dấu {row['sha256']}.")
            continue
        pdf = opened.read(name)
        result = verify_pdf(pdf, trust_roots=roots, at=at)
        checked += 1
        if not result.valid:
            detail = "; ".join(result.problems) or "chữ kí không hợp lệ"
            report.problems.append(f"Tệp PDF {row['sha256'][:12]}… không hợp lệ: {detail}")
    report.facts["sealed_pdfs"] = checked


def verify_opened(
    opened: Opened,
    *,
    trust_roots: list[x509.Certificate] | None = None,
    at: dt.datetime | None = None,
    witness_key: Ed25519PublicKey | None = None,
) -> Report:
    """Every check of the module docstring. ``trust_roots``: roots the verifier knows from
    elsewhere, used instead of the archive's own (which only show what the archive claims);
    ``at``: the moment the sealed PDFs are validated at (default: the archive's date);
    ``witness_key``: the checkpoint key the witnessed checkpoint must be signed with."""
    report = Report()
    raw = _manifest(opened, report)
    if raw is None:
        return report
    try:
        _files(opened, report)
        roots = trust_roots if trust_roots is not None else archive_roots(opened)
        report.facts["trust_roots"] = "given" if trust_roots is not None else "archive"
        _signature(opened, raw, roots, report)
        _tables(opened, report)
        if report.ok:  # reading rows of a tampered file would only repeat its problem
            _audit(opened, report, witness_key)
            _records(opened, roots, report, at)
    except (KeyError, ValueError, TypeError, ArchiveRefused) as exc:
        report.problems.append(f"Bản lưu trữ không đọc được đầy đủ: {exc}")
    return report

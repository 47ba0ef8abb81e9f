"""Writing one school-year archive: tables as JSON Lines (+ CSV), the stored PDFs, signed XML
and biên bản files, the school's audit chain with its Merkle checkpoint, the trust roots, a
manifest signed (detached CAdES) by the school seal — packed as a deterministic tar and
encrypted with age to the given recipients. Streams through temporary files: the tar is never
held in memory, and each file is copied from the store in chunks."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import subprocess
import tarfile
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pyrage
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from django.db import connection, transaction
from django.utils import timezone
from pyhanko.sign.general import SigningError

from hocbaso.assessment.bien_ban_files import BIEN_BAN_FILES
from hocbaso.audit.checkpoint import CheckpointError, merkle_root
from hocbaso.audit.log import chain_for_school, log
from hocbaso.audit.models import AuditEvent
from hocbaso.exchange.archive import layout
from hocbaso.exchange.archive.tables import Table, columns, iter_lines, scope_tables
from hocbaso.exchange.archive.witness import read_witness, witness_problems
from hocbaso.org.models import School, SchoolYear
from hocbaso.people.errors import ActionError
from hocbaso.records.models import RecordFile
from hocbaso.records.storage import RECORD_FILES, SIGNED_XML_FILES
from hocbaso.records.transfer.manifest_signature import sign_manifest
from hocbaso.signing.keystore import RemoteKeyRequired, current_certificate, signer_for
from hocbaso.signing.signers import DocumentSigner
from hocbaso.signing.trust import configured_timestamper, trust_roots

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Exported:
    path: Path
    manifest: dict[str, Any]


def recipients_from(texts: Iterable[str]) -> list[pyrage.x25519.Recipient]:
    found = []
    for text in texts:
        try:
            found.append(pyrage.x25519.Recipient.from_str(text.strip()))
        except pyrage.RecipientError as exc:
            raise ActionError(f"Khóa công khai age không hợp lệ: {text.strip()[:80]}") from exc
    if not found:
        raise ActionError(
            "Chưa có người nhận: cho --recipient (khóa công khai age) hoặc cấu hình "
            "HOCBASO_ARCHIVE_RECIPIENTS."
        )
    return found


def tool_commit() -> str:
    commit = os.environ.get("HOCBASO_COMMIT", "")
    if commit:
        return commit
    try:
        out = subprocess.run(  # noqa: S603 - fixed arguments, no shell
            ["git", "rev-parse", "HEAD"],  # noqa: S607
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except OSError:
        return ""
    return out.stdout.strip() if out.returncode == 0 else ""


class _Writer:
    """Appends members to a tar with fixed metadata and records each one's hash and size."""

    def __init__(self, fileobj: IO[bytes]) -> None:
        self.tar = tarfile.open(fileobj=fileobj, mode="w", format=tarfile.PAX_FORMAT)  # noqa: SIM115
        self.files: dict[str, dict[str, Any]] = {}

    def add_stream(self, name: str, source: IO[bytes], size: int, sha256: str) -> None:
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = size, 0, 0o644
        info.uname = info.gname = ""
        self.tar.addfile(info, source)
        self.files[name] = {"sha256": sha256, "size": size}

    def add_bytes(self, name: str, data: bytes) -> None:
        self.add_stream(name, io.BytesIO(data), len(data), hashlib.sha256(data).hexdigest())

    def add_path(self, name: str, path: Path, sha256: str) -> None:
        digest = hashlib.sha256()
        with path.open("rb") as src:
            for chunk in iter(lambda: src.read(CHUNK), b""):
                digest.update(chunk)
            if digest.hexdigest() != sha256:
                raise ActionError(f"Tệp trong kho đã bị thay đổi trên đĩa: {sha256}.")
            src.seek(0)
            self.add_stream(name, src, path.stat().st_size, sha256)


def _spool_table(writer: _Writer, table: Table) -> dict[str, Any]:
    names = [f.attname for f in columns(table.model)]
    digest = hashlib.sha256()
    rows = 0
    with tempfile.TemporaryFile() as jsonl, tempfile.TemporaryFile() as raw_csv:
        text = io.TextIOWrapper(raw_csv, encoding="utf-8", newline="")
        out = csv.writer(text)
        out.writerow(names)
        for line in iter_lines(table):
            jsonl.write(line)
            digest.update(line)
            rows += 1
            row = json.loads(line)
            out.writerow(["" if row[n] is None else _cell(row[n]) for n in names])
        text.flush()
        size = jsonl.tell()
        jsonl.seek(0)
        writer.add_stream(layout.data_name(table.name, "jsonl"), jsonl, size, digest.hexdigest())
        raw_csv.seek(0)
        csv_digest = hashlib.sha256()
        for chunk in iter(lambda: raw_csv.read(CHUNK), b""):
            csv_digest.update(chunk)
        size = raw_csv.tell()
        raw_csv.seek(0)
        writer.add_stream(
            layout.data_name(table.name, "csv"), raw_csv, size, csv_digest.hexdigest()
        )
        text.detach()
    return {"sha256": digest.hexdigest(), "rows": rows}


def _cell(value: Any) -> str:
    if isinstance(value, dict | list | bool):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def _stored_files(school: School, year: SchoolYear) -> list[tuple[str, Path, str]]:
    tables = {t.name: t for t in scope_tables(school, year)}
    found: dict[str, tuple[Path, str]] = {}
    files = tables["records.recordfile"].rows.values_list("sha256", "step")
    for sha, step in files:
        if step == RecordFile.Step.SEAL_XML:
            found[f"{layout.RECORD_FILES}{sha}.xml"] = (SIGNED_XML_FILES.path(sha), sha)
        else:
            found[f"{layout.RECORD_FILES}{sha}.pdf"] = (RECORD_FILES.path(sha), sha)
    for (sha,) in tables["assessment.bienban"].rows.values_list("sha256"):
        if sha:
            found[f"{layout.BIEN_BAN_FILES}{sha}"] = (BIEN_BAN_FILES.path(sha), sha)
    return [(name, path, sha) for name, (path, sha) in sorted(found.items())]


def _seal_signer(school: School, pin: str) -> DocumentSigner:
    row = current_certificate(school_id=school.pk)
    if row is None:
        raise ActionError("Trường chưa có chứng thư số con dấu còn hiệu lực để kí bản lưu trữ.")
    try:
        return signer_for(row, pin)
    except RemoteKeyRequired as exc:
        raise ActionError("Con dấu của trường kí qua dịch vụ kí từ xa: chưa hỗ trợ.") from exc
    except SigningError as exc:
        raise ActionError(str(exc)) from exc


def _checkpoint(school: School) -> dict[str, Any]:
    chain = chain_for_school(school.pk)
    hashes = list(AuditEvent.objects.filter(chain=chain).order_by("seq").values_list("hash", "seq"))
    return {
        "chain": chain,
        "seq": hashes[-1][1] if hashes else 0,
        "head_hash": hashes[-1][0] if hashes else "",
        "merkle_root": merkle_root(h for h, _ in hashes),
    }


@contextmanager
def _snapshot() -> Iterator[None]:
    """One consistent view of every table: on PostgreSQL a REPEATABLE READ, READ ONLY
    transaction (writes going on meanwhile are not half in the archive)."""
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
    else:
        yield


@transaction.atomic
def _log_export(
    school: School, year: SchoolYear, manifest_sha256: str, seq: int, recipients: int, actor: Any
) -> None:
    log(
        "archive.exported",
        actor=actor,
        subject=school,
        school_id=school.pk,
        data={
            "school_year": year.code,
            "manifest_sha256": manifest_sha256,
            "audit_seq": seq,
            "recipients": recipients,
        },
    )


def export_archive(
    *,
    acting_user: Any,
    school_code: str,
    year_code: str,
    out: Path,
    recipients: Sequence[str],
    pin: str,
    witness: Path | None = None,
    now: dt.datetime | None = None,
) -> Exported:
    """Write the encrypted archive of ``school_code``'s ``year_code`` to ``out`` (read in one
    snapshot), then record `archive.exported` in the school's chain."""
    school = School.objects.filter(code=school_code).first()
    if school is None:
        raise ActionError(f"Không có trường mã {school_code}.")
    year = SchoolYear.objects.filter(code=year_code, pk__in=_years_of(school)).first()
    if year is None:
        raise ActionError(f"Trường {school.name} không có năm học {year_code}.")
    age_recipients = recipients_from(recipients)
    signer = _seal_signer(school, pin)
    roots = trust_roots()
    try:
        with _snapshot():
            manifest, manifest_sha = _write(
                school, year, out, signer, roots, age_recipients, witness, now
            )
    finally:
        _close(signer)
    _log_export(
        school, year, manifest_sha, manifest["audit"]["seq"], len(age_recipients), acting_user
    )
    return Exported(out, manifest)


def _write(
    school: School,
    year: SchoolYear,
    out: Path,
    signer: DocumentSigner,
    roots: list[x509.Certificate],
    age_recipients: list[pyrage.x25519.Recipient],
    witness: Path | None,
    now: dt.datetime | None,
) -> tuple[dict[str, Any], str]:
    with tempfile.TemporaryFile() as plain:
        writer = _Writer(plain)
        tables = {t.name: _spool_table(writer, t) for t in scope_tables(school, year)}
        for name, path, sha in _stored_files(school, year):
            writer.add_path(name, path, sha)
        checkpoint = _checkpoint(school)
        writer.add_bytes(layout.CHECKPOINT, _json(checkpoint))
        if witness is not None:
            writer.add_bytes(layout.WITNESS, _witness(witness, checkpoint))
        writer.add_bytes(
            layout.TRUST_ROOTS, b"".join(root.public_bytes(Encoding.PEM) for root in roots)
        )
        manifest = {
            "format": layout.FORMAT,
            "school": {"id": school.pk, "code": school.code, "name": school.name},
            "school_year": year.code,
            "created_at": (now or timezone.now()).astimezone(dt.UTC).isoformat(),
            "tool": {"name": "hocbaso", "commit": tool_commit()},
            "files": dict(sorted(writer.files.items())),
            "tables": tables,
            "audit": checkpoint,
        }
        manifest_bytes = _json(manifest)
        signature = sign_manifest(
            manifest_bytes,
            signer=signer,
            timestamper=configured_timestamper(),
            trust_roots=roots,
        )
        writer.add_bytes(layout.MANIFEST, manifest_bytes)
        writer.add_bytes(layout.SIGNATURE, signature)
        writer.tar.close()
        plain.seek(0)
        tmp = out.with_name(f".{out.name}.tmp")
        try:
            with tmp.open("wb") as sink:
                pyrage.encrypt_io(plain, sink, age_recipients)
            tmp.replace(out)
        finally:
            tmp.unlink(missing_ok=True)
    return manifest, writer.files[layout.MANIFEST]["sha256"]


def _witness(path: Path, checkpoint: dict[str, Any]) -> bytes:
    """The signed checkpoint file, checked: signature, the school's chain, and the chain being
    archived extends it."""
    try:
        data = path.read_bytes()
        witnessed, _facts = read_witness(data, checkpoint["chain"])
    except OSError as exc:
        raise ActionError(f"Không đọc được tệp mốc kiểm chứng {path}.") from exc
    except CheckpointError as exc:
        raise ActionError(str(exc)) from exc
    hashes = list(
        AuditEvent.objects.filter(chain=checkpoint["chain"], seq__lte=witnessed.seq)
        .order_by("seq")
        .values_list("hash", flat=True)
    )
    problems = witness_problems(hashes, witnessed)
    if problems:
        raise ActionError(problems)
    return data


def _years_of(school: School) -> list[int]:
    from hocbaso.org.models import ClassGroup

    return list(ClassGroup.objects.filter(school=school).values_list("school_year_id", flat=True))


def _close(signer: DocumentSigner) -> None:
    close = getattr(signer, "close", None)
    if close is not None:
        close()


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, indent=1).encode() + b"\n"

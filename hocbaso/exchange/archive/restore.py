"""Restoring an archive into a fresh installation (`import_archive`).

The archive is verified first (`checks.verify_opened`); then, in one transaction, every row is
inserted with its own primary key (audit events hash their actor's id, so keys cannot be
remapped), shared rows (geography, the year, users, certificates) are reused when the same key
holds an identical row, files go into the content-addressed stores, and PostgreSQL's sequences
are moved past the restored keys. Before commit the per-table digests are recomputed from the
database and compared with the manifest, the school's chain is verified (`audit.verify`), and
every sealed PDF is verified against the register (`records.verification.verify_record_pdf`).
Any difference rolls everything back.

The import is recorded as `archive.imported` in the *system* chain (the school's restored chain
is left exactly as archived, so that it still verifies against its checkpoint).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyrage
from cryptography import x509
from django.core.management.color import no_style
from django.db import connection, models, transaction

from hocbaso.assessment.bien_ban_files import BIEN_BAN_FILES
from hocbaso.audit.log import chain_for_school, log
from hocbaso.audit.models import AuditChainHead
from hocbaso.audit.verify import verify
from hocbaso.exchange.archive import layout
from hocbaso.exchange.archive.checks import Report, rows_of, verify_opened
from hocbaso.exchange.archive.reading import Opened, open_archive
from hocbaso.exchange.archive.tables import (
    MODELS,
    SHARED,
    columns,
    field_value,
    label,
    row_dict,
    scope_tables,
    table_digest,
)
from hocbaso.org.models import School, SchoolYear
from hocbaso.people.errors import ActionError
from hocbaso.people.models import User
from hocbaso.records.models import RecordFile, RecordPage
from hocbaso.records.storage import RECORD_FILES, SIGNED_XML_FILES
from hocbaso.records.verification import verify_record_pdf

BATCH = 1000


@dataclass(frozen=True)
class Restored:
    school_id: int
    tables: dict[str, int]
    records_verified: int


def _instance(model: type[models.Model], row: dict[str, Any]) -> models.Model:
    values = {f.attname: field_value(f, row[f.attname]) for f in columns(model)}
    obj = model(**values)
    if model is User:
        obj.set_unusable_password()  # type: ignore[attr-defined]
    return obj


def _insert(model: type[models.Model], rows: list[dict[str, Any]]) -> None:
    name = label(model)
    if name in SHARED:
        existing = {
            obj.pk: obj for obj in model._base_manager.filter(pk__in=[r["id"] for r in rows])
        }
        for row in rows:
            found = existing.get(row["id"])
            if found is not None and row_dict(model, found) != row:
                raise ActionError(
                    f"Bảng {name}: dòng mã {row['id']} đã có trong hệ thống với nội dung khác; "
                    "không khôi phục được."
                )
        rows = [row for row in rows if row["id"] not in existing]
    objs = [_instance(model, row) for row in rows]
    fields = list(model._meta.local_concrete_fields)
    manager: Any = model._base_manager  # `_insert` is not in the stubs
    for start in range(0, len(objs), BATCH):
        # raw: the stored values as they are (bulk_create would stamp auto_now(_add) fields)
        manager._insert(objs[start : start + BATCH], fields=fields, raw=True)


def _refuse_existing(manifest: dict[str, Any]) -> None:
    school = manifest["school"]
    if (
        School.objects.filter(models.Q(pk=school["id"]) | models.Q(code=school["code"])).exists()
        or AuditChainHead.objects.filter(chain=chain_for_school(school["id"])).exists()
    ):
        raise ActionError(
            f"Trường {school['code']} ({school['name']}) đã có trong hệ thống: chỉ khôi phục "
            "bản lưu trữ vào một cài đặt mới."
        )


def _store_files(opened: Opened) -> None:
    for name in sorted(opened.members):
        if name.startswith(layout.RECORD_FILES):
            store = SIGNED_XML_FILES if name.endswith(".xml") else RECORD_FILES
            store.store(opened.read(name))
        elif name.startswith(layout.BIEN_BAN_FILES):
            BIEN_BAN_FILES.store(opened.read(name))


def _reset_sequences() -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), list(MODELS))
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def digest_problems(manifest: dict[str, Any], year_id: int) -> list[str]:
    """Per-table digests recomputed from the database against the manifest's."""
    school = School.objects.get(pk=manifest["school"]["id"])
    year = SchoolYear.objects.get(pk=year_id)
    problems = []
    for table in scope_tables(school, year):
        sha, rows = table_digest(table)
        expected = manifest["tables"].get(table.name, {})
        if (sha, rows) != (expected.get("sha256"), expected.get("rows")):
            problems.append(f"Bảng {table.name}: dữ liệu khôi phục khác bản lưu trữ.")
    return problems


def record_problems(
    opened: Opened, roots: list[x509.Certificate], at: dt.datetime
) -> tuple[int, list[str]]:
    problems: list[str] = []
    checked = 0
    for row in RecordFile.objects.filter(
        step=RecordFile.Step.SEAL,
        page__class_group__school_id=json.loads(opened.read(layout.MANIFEST))["school"]["id"],
    ).select_related("page"):
        report = verify_record_pdf(RECORD_FILES.read(row.sha256), trust_roots=roots, at=at)
        checked += 1
        superseded = row.page.state == RecordPage.State.SUPERSEDED
        if (
            not report.pdf_valid
            or not report.hashes.xml_matches_register
            or (not superseded and not report.valid)
        ):
            problems.append(
                f"Học bạ {row.page.record_code} phiên bản {row.page.version} không còn hợp lệ: "
                + "; ".join(report.problems)
            )
    return checked, problems


@transaction.atomic
def import_opened(opened: Opened, *, acting_user: Any) -> tuple[Report, Restored]:
    report = verify_opened(opened)
    if not report.ok:
        raise ActionError(["Bản lưu trữ không đạt kiểm tra:", *report.problems])
    manifest = report.manifest
    _refuse_existing(manifest)
    missing = [label(m) for m in MODELS if label(m) not in manifest.get("tables", {})]
    if missing:
        raise ActionError(
            f"Bản lưu trữ thiếu bảng {', '.join(missing)}: không khôi phục được (khác phiên bản?)."
        )
    counts: dict[str, int] = {}
    for model in MODELS:
        rows = rows_of(opened, label(model))
        _insert(model, rows)
        counts[label(model)] = len(rows)
    _store_files(opened)
    _reset_sequences()
    roots = x509.load_pem_x509_certificates(opened.read(layout.TRUST_ROOTS))
    at = dt.datetime.fromisoformat(manifest["created_at"])
    problems = digest_problems(manifest, rows_of(opened, "org.schoolyear")[0]["id"])
    chain = chain_for_school(manifest["school"]["id"])
    audit = verify(chains=[chain])
    problems.extend(p.message() for p in audit.problems.values())
    checked, record = record_problems(opened, roots, at)
    problems.extend(record)
    if problems:
        raise ActionError(["Dữ liệu khôi phục không khớp bản lưu trữ:", *problems])
    log(
        "archive.imported",
        actor=acting_user,
        school_id=None,
        subject_type="org.school",
        subject_id=str(manifest["school"]["id"]),
        subject_label=manifest["school"]["name"],
        data={
            "school_code": manifest["school"]["code"],
            "school_year": manifest["school_year"],
            "archive_created_at": manifest["created_at"],
            "manifest_sha256": opened.members[layout.MANIFEST].sha256,
            "events": len(rows_of(opened, "audit.auditevent")),
        },
    )
    return report, Restored(manifest["school"]["id"], counts, checked)


def import_archive(
    path: Path, identities: list[pyrage.x25519.Identity], *, acting_user: Any
) -> tuple[Report, Restored]:
    with open_archive(path, identities) as opened:
        return import_opened(opened, acting_user=acting_user)

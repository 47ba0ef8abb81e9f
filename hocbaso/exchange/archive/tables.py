"""Which rows one school-year archive holds, and their canonical form.

`scope_tables(school, year)` lists the tables in insert order (a row's foreign keys point only
at rows of tables listed before it), each with the queryset of its rows. Every row is written as
one line of canonical JSON (`row_line`): every concrete column by its attname, keys sorted,
datetimes in UTC ISO form, binary columns in base64, the audit chain's number normalisation
(`audit.chain.canonical_body`). A table's digest is the SHA-256 of its lines in primary-key
order, each followed by "\\n": the `.jsonl` file in the archive *is* that byte string, and
`table_digest` recomputes it from a database after an import.

Shared tables (`SHARED`: geography, the school year and its periods, users, certificates) may
already exist in the receiving installation: a row there with the same key must be identical.
Columns left out (`EXCLUDED`): users' password hashes (restored users get an unusable password
and sign in again after a reset), the last login time.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import hashlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import models

from hocbaso.assessment import models as assessment
from hocbaso.audit.chain import canonical_body
from hocbaso.audit.log import chain_for_school
from hocbaso.audit.models import AuditChainHead, AuditEvent
from hocbaso.org import models as org
from hocbaso.people import models as people
from hocbaso.records import models as records
from hocbaso.signing.models import SigningCertificate

EXCLUDED: dict[str, frozenset[str]] = {
    "people.user": frozenset({"password", "last_login"}),
}

SHARED = frozenset(
    {
        "org.province",
        "org.legacydistrict",
        "org.commune",
        "org.schoolyear",
        "org.period",
        "people.user",
        "signing.signingcertificate",
    }
)

# Every table, in insert order.
MODELS: tuple[type[models.Model], ...] = (
    org.Province,
    org.LegacyDistrict,
    org.Commune,
    org.SchoolYear,
    org.Period,
    people.User,
    org.School,
    org.SchoolName,
    org.ClassGroup,
    SigningCertificate,
    people.StaffRole,
    people.TeachingAssignment,
    people.HomeroomAssignment,
    people.Student,
    people.Guardian,
    people.Enrolment,
    people.FieldVerification,
    people.ConsentRecord,
    assessment.Sheet,
    assessment.SheetSave,
    assessment.Entry,
    assessment.Commendation,
    assessment.SupplementaryAssessment,
    assessment.PromotionDecision,
    assessment.EntryLock,
    assessment.ReviewFlag,
    assessment.FlagMessage,
    assessment.CorrectionRequest,
    assessment.CorrectionCell,
    assessment.BienBan,
    assessment.PeriodRelease,
    records.RecordPage,
    records.RecordFile,
    records.RecordAccess,
    AuditEvent,
    AuditChainHead,
)


def label(model: type[models.Model]) -> str:
    return model._meta.label_lower


MODEL_BY_LABEL = {label(m): m for m in MODELS}


@dataclass(frozen=True)
class Table:
    model: type[models.Model]
    rows: models.QuerySet[Any]

    @property
    def name(self) -> str:
        return label(self.model)


def columns(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    skip = EXCLUDED.get(label(model), frozenset())
    return [f for f in model._meta.concrete_fields if f.attname not in skip and f.name not in skip]


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes | memoryview | bytearray):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    return value


def row_dict(model: type[models.Model], obj: models.Model) -> dict[str, Any]:
    return {f.attname: _plain(getattr(obj, f.attname)) for f in columns(model)}


def row_line(row: dict[str, Any]) -> bytes:
    return canonical_body(row) + b"\n"


def field_value(field: models.Field[Any, Any], value: Any) -> Any:
    """A canonical JSON value back as the model field expects it."""
    if value is None:
        return None
    if isinstance(field, models.DateTimeField):
        return dt.datetime.fromisoformat(value)
    if isinstance(field, models.DateField):
        return dt.date.fromisoformat(value)
    if isinstance(field, models.TimeField):
        return dt.time.fromisoformat(value)
    if isinstance(field, models.BinaryField):
        return base64.b64decode(value)
    if isinstance(field, models.DecimalField):
        return decimal.Decimal(value)
    if isinstance(field, models.UUIDField):
        return uuid.UUID(value)
    return value


def iter_lines(table: Table) -> Iterator[bytes]:
    for obj in table.rows.order_by("pk").iterator(chunk_size=2000):
        yield row_line(row_dict(table.model, obj))


def table_digest(table: Table) -> tuple[str, int]:
    digest = hashlib.sha256()
    count = 0
    for line in iter_lines(table):
        digest.update(line)
        count += 1
    return digest.hexdigest(), count


def _ids(qs: models.QuerySet[Any], *fields: str) -> set[int]:
    found: set[int] = set()
    for name in fields:
        found.update(v for v in qs.values_list(name, flat=True) if v is not None)
    return found


def scope_tables(school: org.School, year: org.SchoolYear) -> list[Table]:
    """The archive's tables for ``school`` in ``year``, in insert order."""
    classes = org.ClassGroup.objects.filter(school=school, school_year=year)
    enrolments = people.Enrolment.objects.filter(class_group__in=classes)
    students = people.Student.objects.filter(school=school, pk__in=enrolments.values("student_id"))
    enrolments = enrolments.filter(student__in=students)
    sheets = assessment.Sheet.objects.filter(class_group__in=classes)
    flags = assessment.ReviewFlag.objects.filter(sheet__in=sheets)
    requests = assessment.CorrectionRequest.objects.filter(sheet__in=sheets)
    pages = records.RecordPage.objects.filter(class_group__in=classes)
    files = records.RecordFile.objects.filter(page__in=pages)
    chain = chain_for_school(school.pk)
    owned: dict[type[models.Model], models.QuerySet[Any]] = {
        org.School: org.School.objects.filter(pk=school.pk),
        org.SchoolName: org.SchoolName.objects.filter(school=school),
        org.ClassGroup: classes,
        people.StaffRole: people.StaffRole.objects.filter(school=school),
        people.TeachingAssignment: people.TeachingAssignment.objects.filter(
            class_group__in=classes
        ),
        people.HomeroomAssignment: people.HomeroomAssignment.objects.filter(
            class_group__in=classes
        ),
        people.Student: students,
        people.Guardian: people.Guardian.objects.filter(student__in=students),
        people.Enrolment: enrolments,
        people.FieldVerification: people.FieldVerification.objects.filter(student__in=students),
        people.ConsentRecord: people.ConsentRecord.objects.filter(student__in=students),
        assessment.Sheet: sheets,
        assessment.SheetSave: assessment.SheetSave.objects.filter(sheet__in=sheets),
        assessment.Entry: assessment.Entry.objects.filter(sheet__in=sheets),
        assessment.Commendation: assessment.Commendation.objects.filter(class_group__in=classes),
        assessment.SupplementaryAssessment: assessment.SupplementaryAssessment.objects.filter(
            class_group__in=classes
        ),
        assessment.PromotionDecision: assessment.PromotionDecision.objects.filter(
            class_group__in=classes
        ),
        assessment.EntryLock: assessment.EntryLock.objects.filter(
            school=school, period__school_year=year
        ),
        assessment.ReviewFlag: flags,
        assessment.FlagMessage: assessment.FlagMessage.objects.filter(flag__in=flags),
        assessment.CorrectionRequest: requests,
        assessment.CorrectionCell: assessment.CorrectionCell.objects.filter(request__in=requests),
        assessment.BienBan: assessment.BienBan.objects.filter(request__in=requests),
        assessment.PeriodRelease: assessment.PeriodRelease.objects.filter(
            school=school, period__school_year=year
        ),
        records.RecordPage: pages,
        records.RecordFile: files,
        records.RecordAccess: records.RecordAccess.objects.filter(page__in=pages),
        AuditEvent: AuditEvent.objects.filter(chain=chain),
        AuditChainHead: AuditChainHead.objects.filter(chain=chain),
    }
    certificates = SigningCertificate.objects.filter(
        models.Q(school=school) | models.Q(pk__in=_ids(files, "certificate_id"))
    )
    user_ids: set[int] = set()
    pairs: list[tuple[type[models.Model], models.QuerySet[Any]]] = [
        *owned.items(),
        (SigningCertificate, certificates),
    ]
    for model, qs in pairs:
        user_fields = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, models.ForeignKey)
            and f.related_model is people.User
            and getattr(f, "db_constraint", True)  # not the audit actor (no constraint)
        ]
        user_ids |= _ids(qs, *user_fields)
    shared: dict[type[models.Model], models.QuerySet[Any]] = {
        org.Province: org.Province.objects.filter(
            pk__in={
                year.province_id,
                *_ids(org.Commune.objects.filter(pk=school.commune_id), "province_id"),
            }
        ),
        org.LegacyDistrict: org.LegacyDistrict.objects.filter(
            pk__in=_ids(org.School.objects.filter(pk=school.pk), "legacy_district_id")
            | _ids(org.Commune.objects.filter(pk=school.commune_id), "legacy_district_id")
        ),
        org.Commune: org.Commune.objects.filter(pk=school.commune_id),
        org.SchoolYear: org.SchoolYear.objects.filter(pk=year.pk),
        org.Period: org.Period.objects.filter(school_year=year),
        people.User: people.User.objects.filter(pk__in=user_ids),
        SigningCertificate: certificates,
    }
    every = {**shared, **owned}
    return [Table(model, every[model]) for model in MODELS]

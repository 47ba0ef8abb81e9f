"""`export_exchange`: the one action behind every exchange export (screens and command).

It checks who may export the scope (`exchange.access`), refuses an export larger than the
guard before reading it, builds the rows, writes XML (validated against trao-doi-1.xsd) or
.xlsx, and logs ``exchange.exported`` in the same transaction: kind, format, scope, row count,
file name and digest, and — for the pupils file — which pupils' personal IDs left the system
(their ids, never the numbers, B5).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.text import slugify

from hocbaso.audit.actors import SystemActor
from hocbaso.audit.log import log
from hocbaso.exchange import access
from hocbaso.exchange.exports import rows as data
from hocbaso.exchange.exports.xlsx_writer import to_xlsx
from hocbaso.exchange.exports.xml_writer import schema_errors, to_xml
from hocbaso.org.models import Period, Province, School, SchoolYear
from hocbaso.people import access as people_access
from hocbaso.people.errors import ActionError
from hocbaso.people.exports.cells import XLSX_CONTENT_TYPE, ExportFile
from hocbaso.people.models import Enrolment, Student
from hocbaso.people.scope import scope_for
from hocbaso.records.models import RecordPage

KINDS = ("pupils", "results", "records")
FORMATS = ("xml", "xlsx")
XML_CONTENT_TYPE = "application/xml; charset=utf-8"
XLSX_MAX_ROWS = 1_048_575  # one header row in an Excel sheet of 1,048,576
DEFAULT_MAX_ROWS = 300_000
FILE_PREFIX = {"pupils": "hoc-sinh", "results": "ket-qua", "records": "hoc-ba"}


@dataclass(frozen=True)
class ExportRequest:
    kind: str
    fmt: str
    year: str
    school_id: int | None = None
    province_id: int | None = None
    period: str | None = None


def max_rows() -> int:
    return int(getattr(settings, "HOCBASO_EXCHANGE_EXPORT_MAX_ROWS", DEFAULT_MAX_ROWS))


def _scope(request: ExportRequest, actor: Any) -> data.ExportScope:
    if request.kind not in KINDS:
        raise ActionError(f"Loại dữ liệu «{request.kind}» không tồn tại.")
    if request.fmt not in FORMATS:
        raise ActionError(f"Chỉ xuất được XML hoặc .xlsx, không xuất được «{request.fmt}».")
    if request.period is not None and request.period not in data.PERIOD_CODES:
        raise ActionError(f"Kì đánh giá «{request.period}» không tồn tại.")
    if request.school_id is not None:
        school = School.objects.select_related("commune").filter(pk=request.school_id).first()
        if school is None or not access.can_export_school(actor, school):
            raise ActionError("Bạn không được xuất dữ liệu của trường này.")
        province_id, level, code = school.commune.province_id, "truong", school.code
        schools: tuple[School, ...] = (school,)
    else:
        province = Province.objects.filter(pk=request.province_id or 0).first()
        if province is None or not access.is_province_officer(actor, province.pk):
            raise ActionError("Chỉ cán bộ Sở GD&ĐT của tỉnh được xuất dữ liệu toàn tỉnh.")
        province_id, level, code = province.pk, "tinh", province.code
        schools = tuple(School.objects.filter(commune__province=province).order_by("code"))
    year = SchoolYear.objects.filter(province_id=province_id, code=request.year).first()
    if year is None:
        raise ActionError(f"Không có năm học «{request.year}».")
    return data.ExportScope(level, code, year, schools)


def _expected_rows(request: ExportRequest, scope: data.ExportScope) -> int:
    """An upper bound of the rows, counted before anything is read."""
    if request.kind == "records":
        return RecordPage.objects.filter(
            class_group__school__in=scope.schools, class_group__school_year=scope.year
        ).count()
    pupils = Enrolment.objects.filter(
        class_group__school__in=scope.schools, class_group__school_year=scope.year
    ).count()
    if request.kind == "pupils":
        return pupils
    periods = 1 if request.period else Period.objects.filter(school_year=scope.year).count()
    return pupils * max(periods, 1)


def _show_id(actor: Any) -> Callable[[Student], bool]:
    """`people.access.can_view_personal_id`, asked once per school instead of once per pupil
    when the answer cannot depend on the pupil (the actor is no homeroom teacher): a province
    export stays a handful of queries per class, not several per pupil."""
    if isinstance(actor, SystemActor):
        return lambda pupil: True
    per_pupil = bool(scope_for(actor).homeroom_class_ids)
    per_school: dict[int, bool] = {}

    def show(pupil: Student) -> bool:
        if per_pupil:
            return people_access.can_view_personal_id(actor, pupil)
        if pupil.school_id not in per_school:
            per_school[pupil.school_id] = people_access.can_view_personal_id(actor, pupil)
        return per_school[pupil.school_id]

    return show


@transaction.atomic
def export_exchange(request: ExportRequest, *, acting_user: Any) -> ExportFile:
    """The file, or ActionError (Vietnamese) when refused or too large; nothing is written
    but the audit event."""
    scope = _scope(request, acting_user)
    limit = min(max_rows(), XLSX_MAX_ROWS) if request.fmt == "xlsx" else max_rows()
    expected = _expected_rows(request, scope)
    if expected > limit:
        raise ActionError(
            f"Tệp xuất quá lớn ({expected} dòng, tối đa {limit}); hãy xuất theo từng trường"
            + (" hoặc từng kì." if request.kind == "results" else ".")
        )
    rows: list[Any]
    if request.kind == "pupils":
        rows = data.pupil_rows(scope, _show_id(acting_user))
    elif request.kind == "results":
        rows = data.result_rows(scope, request.period)
    else:
        rows = data.record_rows(scope)
    if request.fmt == "xml":
        content = to_xml(request.kind, scope, rows)
        problems = schema_errors(content)
        if problems:  # our own output: a bug, never the user's fault
            raise RuntimeError("exchange XML fails trao-doi-1.xsd: " + "; ".join(problems[:3]))
        content_type, count = XML_CONTENT_TYPE, len(rows)
    else:
        content, count = to_xlsx(request.kind, scope, rows)
        content_type = XLSX_CONTENT_TYPE
    period = f"-{request.period}" if request.period else ""
    name = f"{FILE_PREFIX[request.kind]}-{slugify(scope.code)}-{scope.year.code}{period}"
    export = ExportFile(f"{name}.{request.fmt}", content_type, content)
    shown = [r.student_id for r in rows if isinstance(r, data.PupilRow) and r.personal_id]
    subject = scope.schools[0] if scope.level == "truong" else None
    log(
        "exchange.exported",
        actor=acting_user,
        subject=subject,
        subject_type="" if subject else "org.province",
        subject_id="" if subject else str(scope.year.province_id),
        subject_label="" if subject else scope.code,
        school_id=subject.pk if subject else None,
        data={
            "kind": request.kind,
            "format": request.fmt,
            "scope": scope.level,
            "code": scope.code,
            "school_year": scope.year.code,
            "period": request.period,
            "rows": count,
            "file_name": export.filename,
            "sha256": hashlib.sha256(content).hexdigest(),
            "personal_id_shown_for": shown,
        },
    )
    return export

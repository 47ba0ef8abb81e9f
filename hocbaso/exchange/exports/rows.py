"""What an exchange export holds, read from the database as plain rows (no wire names).

One scope is a school year of one school (the school's management) or of every school of a
province (the Sở). Pupils are those enrolled and not transferred out; results are the current
entries of every period (or one), with the year end where the CN values are complete;
records are every issued version (sealed at some point), current or superseded. Queries stay
per class, never per pupil.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef
from django.utils import timezone

from hocbaso.assessment.models import Entry
from hocbaso.assessment.year_end import REGIME, class_pupils, class_year_end
from hocbaso.org.models import ClassGroup, Period, School, SchoolYear
from hocbaso.people.code_lists import ETHNICITIES, NATIONALITIES
from hocbaso.people.models import Enrolment, Student
from hocbaso.records.models import RecordFile, RecordPage
from hocbaso.regulation.catalogue import CATALOGUES
from hocbaso.regulation.types import Award

# hocKy and giaiDoan of each period (CSDL export names [P]; the mapping is ours).
PERIOD_CODES: dict[str, tuple[str, str]] = {
    "GHKI": ("1", "GK"),
    "CHKI": ("1", "CK"),
    "GHKII": ("2", "GK"),
    "CN": ("2", "CN"),
}
ISSUED = (RecordPage.State.SEALED, RecordPage.State.SUBMITTED)
STATUS_CURRENT, STATUS_SUPERSEDED, STATUS_SUBMITTED = "hien_hanh", "da_thay_the", "da_gui"


@dataclass(frozen=True)
class ExportScope:
    level: str  # "truong" | "tinh"
    code: str  # the school's or the province's code
    year: SchoolYear
    schools: tuple[School, ...]

    def classes(self) -> list[ClassGroup]:
        return list(
            ClassGroup.objects.filter(school__in=self.schools, school_year=self.year)
            .select_related("school")
            .order_by("school__code", "grade", "name", "pk")
        )


@dataclass(frozen=True)
class PupilRow:
    school_code: str
    class_name: str
    grade: int
    moet_code: str
    personal_id: str  # "" unless the actor may read it
    full_name: str
    birth_date: dt.date
    gender: int
    ethnicity_code: str
    ethnicity: str
    nationality_code: str
    nationality: str
    birth_place: str
    hometown: str
    current_address: str
    father_name: str
    mother_name: str
    guardian_name: str
    policy_group: str
    register_number: str
    enrolled_on: dt.date
    student_id: int


def pupil_rows(scope: ExportScope, show_id: Callable[[Student], bool]) -> list[PupilRow]:
    enrolments = (
        Enrolment.objects.filter(
            class_group__school__in=scope.schools,
            class_group__school_year=scope.year,
            transfer_out_on__isnull=True,
        )
        .select_related("student", "class_group__school")
        .order_by(
            "class_group__school__code",
            "class_group__grade",
            "class_group__name",
            "student__full_name",
            "student__pk",
        )  # fmt: skip
    )
    rows = []
    for e in enrolments:
        s, c = e.student, e.class_group
        rows.append(
            PupilRow(
                school_code=c.school.code,
                class_name=c.name,
                grade=c.grade,
                moet_code=s.moet_code or "",
                personal_id=(s.personal_id or "") if show_id(s) else "",
                full_name=s.full_name,
                birth_date=s.birth_date,
                gender=s.gender,
                ethnicity_code=s.ethnicity,
                ethnicity=ETHNICITIES.get(s.ethnicity, s.ethnicity),
                nationality_code=s.nationality,
                nationality=NATIONALITIES.get(s.nationality, s.nationality),
                birth_place=s.birth_place,
                hometown=s.hometown,
                current_address=s.current_address,
                father_name=s.father_name,
                mother_name=s.mother_name,
                guardian_name=s.guardian_name,
                policy_group=s.policy_group,
                register_number=e.register_number,
                enrolled_on=e.enrolled_on,
                student_id=s.pk,
            )  # fmt: skip
        )
    return rows


# ---- results --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mark:
    code: str  # D1 unit or D2 quality/competency code
    level: str
    score: int | None = None


@dataclass(frozen=True)
class PeriodResult:
    period: str
    semester: str
    stage: str
    subjects: tuple[Mark, ...]
    qualities: tuple[Mark, ...]
    competencies: tuple[Mark, ...]


@dataclass(frozen=True)
class YearEndRow:
    result: str
    completed_grade: bool
    completed_primary: bool
    promoted: bool | None
    award: str


@dataclass(frozen=True)
class ResultRow:
    school_code: str
    class_name: str
    grade: int
    moet_code: str
    full_name: str
    birth_date: dt.date
    periods: tuple[PeriodResult, ...]
    year_end: YearEndRow | None
    student_id: int


Cell = tuple[str, int | None]  # level, score
Cells = dict[tuple[str, str], Cell]  # (kind, code) → cell


def _marks(cells: Cells, kind: str, codes: tuple[str, ...]) -> tuple[Mark, ...]:
    found = []
    for code in codes:
        cell = cells.get((kind, code))
        if cell is not None and (cell[0] or cell[1] is not None):
            found.append(Mark(code, cell[0], cell[1]))
    return tuple(found)


def _year_end(pupil: Any, grade: int) -> YearEndRow | None:
    if pupil is None or pupil.outcome is None:
        return None
    award = Award.HOC_SINH_XUAT_SAC.value if pupil.outcome.award else ""
    if not award and any(c.kind == c.Kind.TIEU_BIEU for c in pupil.commendations):
        award = Award.HOC_SINH_TIEU_BIEU.value
    completed = bool(pupil.completed_grade)
    return YearEndRow(
        result=pupil.result.value,
        completed_grade=completed,
        completed_primary=completed and grade == 5,
        promoted=pupil.promoted,
        award=award,
    )


def _class_results(
    class_group: ClassGroup, periods: list[Period], with_year_end: bool
) -> list[ResultRow]:
    pupils = class_pupils(class_group)
    # Plain tuples, not model instances: a province's results are hundreds of thousands of cells.
    by_key: dict[tuple[int, int], Cells] = {}
    for student_id, period_id, kind, code, level, score in (
        Entry.objects.current()
        .filter(
            sheet__class_group=class_group,
            sheet__period__in=periods,
            student_id__in=[p.pk for p in pupils],
        )
        .values_list("student_id", "sheet__period_id", "kind", "code", "level", "score")
    ):
        by_key.setdefault((student_id, period_id), {})[(kind, code)] = (level, score)
    view = CATALOGUES[REGIME].grade(class_group.grade)
    units = tuple(s.code for s in view.subjects)
    qualities = tuple(q.code for q in view.qualities)
    competencies = tuple(c.code for c in view.competencies)
    year_end = class_year_end(class_group, pupils) if with_year_end else None
    rows = []
    for pupil in pupils:
        results = []
        for period in periods:
            entries = by_key.get((pupil.pk, period.pk), {})
            semester, stage = PERIOD_CODES[period.code]
            results.append(
                PeriodResult(
                    period.code,
                    semester,
                    stage,
                    _marks(entries, Entry.Kind.SUBJECT, units),
                    _marks(entries, Entry.Kind.QUALITY, qualities),
                    _marks(entries, Entry.Kind.COMPETENCY, competencies),
                )  # fmt: skip
            )
        found = year_end.by_student(pupil.pk) if year_end is not None else None
        rows.append(
            ResultRow(
                school_code=class_group.school.code,
                class_name=class_group.name,
                grade=class_group.grade,
                moet_code=pupil.moet_code or "",
                full_name=pupil.full_name,
                birth_date=pupil.birth_date,
                periods=tuple(results),
                year_end=_year_end(found, class_group.grade),
                student_id=pupil.pk,
            )  # fmt: skip
        )
    return rows


def result_rows(scope: ExportScope, period: str | None = None) -> list[ResultRow]:
    periods = list(Period.objects.filter(school_year=scope.year).order_by("order"))
    if period is not None:
        periods = [p for p in periods if p.code == period]
    with_year_end = any(p.code == "CN" for p in periods)
    rows: list[ResultRow] = []
    for class_group in scope.classes():
        rows.extend(_class_results(class_group, periods, with_year_end))
    return rows


# ---- issued records ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Signer:
    step: str  # homeroom | principal | seal
    name: str
    title: str
    at: dt.datetime


@dataclass(frozen=True)
class RecordRow:
    record_code: str
    version: int
    status: str
    xml_sha256: str
    pdf_sha256: str
    issued_on: dt.date
    school_code: str
    class_name: str
    grade: int
    moet_code: str
    full_name: str
    signers: tuple[Signer, ...] = field(default=())


def record_rows(scope: ExportScope) -> list[RecordRow]:
    sealed = RecordFile.objects.filter(page=OuterRef("pk"), step=RecordFile.Step.SEAL)
    pages = list(
        RecordPage.objects.filter(
            class_group__school__in=scope.schools, class_group__school_year=scope.year
        )
        .filter(Exists(sealed))
        .select_related("class_group__school", "student")
        .order_by("class_group__school__code", "class_group__grade", "class_group__name",
                  "record_code", "version")
        .defer("xml")
    )  # fmt: skip
    newest: dict[str, int] = {}
    for p in pages:
        if p.state in ISSUED:
            newest[p.record_code] = max(newest.get(p.record_code, 0), p.version)
    files: dict[int, list[RecordFile]] = {}
    for f in (
        RecordFile.objects.filter(page__in=pages)
        .exclude(step=RecordFile.Step.RENDERED)
        .select_related("certificate")
        .order_by("created_at", "pk")
    ):
        files.setdefault(f.page_id, []).append(f)
    rows = []
    for p in pages:
        signed = files.get(p.pk, [])
        seal = next(f for f in signed if f.step == RecordFile.Step.SEAL)
        if p.state == RecordPage.State.SUPERSEDED or newest.get(p.record_code, 0) > p.version:
            status = STATUS_SUPERSEDED
        elif p.state == RecordPage.State.SUBMITTED:
            status = STATUS_SUBMITTED
        else:
            status = STATUS_CURRENT
        signers = tuple(
            Signer(
                f.step, f.certificate.subject_cn if f.certificate else "", f.title, f.created_at
            )  # fmt: skip
            for f in signed
        )
        rows.append(
            RecordRow(
                record_code=p.record_code,
                version=p.version,
                status=status,
                xml_sha256=p.sha256,
                pdf_sha256=seal.sha256,
                issued_on=timezone.localdate(seal.created_at),
                school_code=p.class_group.school.code,
                class_name=p.class_group.name,
                grade=p.class_group.grade,
                moet_code=p.student.moet_code or "",
                full_name=p.student.full_name,
                signers=signers,
            )  # fmt: skip
        )
    return rows

"""The frozen snapshot of a pupil's year page: exactly what its XML holds (docs/record-xml.md).

`build_snapshot` reads the current CN entries, the year end derived from them and the decisions
stored about them (`assessment.year_end`, never recomputed here), the pupil's identity fields,
and the names valid on the snapshot's date (D7). The snapshot is plain frozen dataclasses, so
serialising it (`xml_record.to_xml`) needs no database, and parsing the XML gives it back.

Every text is normalised when a dataclass is built: NFC, line ends as LF, characters XML 1.0
cannot carry dropped, surrounding whitespace stripped. Two snapshots that differ only in those
respects are therefore equal, and serialise to the same bytes.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, fields

from hocbaso.assessment.models import Entry
from hocbaso.assessment.year_end import (
    REGIME,
    PupilYearEnd,
    class_year_end,
    cn_period,
    current_entries,
)
from hocbaso.org.models import ClassGroup
from hocbaso.people.code_lists import ETHNICITIES, NATIONALITIES
from hocbaso.people.models import HomeroomAssignment, Role, StaffRole, Student, User
from hocbaso.regulation.catalogue import CATALOGUES, RatedGroup, RatedSpec
from hocbaso.regulation.types import Award, QualityLevel

FORM_VERSION = "1"
"""`phienbanmau`: the version of this XML layout and of its schema hocba-1.xsd."""
PRINCIPAL_TITLE = "Hiệu trưởng"
VICE_PRINCIPAL_TITLE = "Phó Hiệu trưởng"
AWARD_KINDS = ("hoc_sinh_xuat_sac", "hoc_sinh_tieu_bieu", "dot_xuat")

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class SnapshotUnavailable(ValueError):
    """The page has no snapshot yet (its CN values are incomplete); `readiness` says why."""


def clean_text(value: str) -> str:
    """A text as the XML carries it: NFC, LF line ends, XML 1.0 characters only, stripped."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _NOT_XML.sub("", value)
    return unicodedata.normalize("NFC", value).strip()


class _Normalised:
    """Normalises every ``str`` field of a frozen dataclass once, when it is built."""

    def __post_init__(self) -> None:
        for f in fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if isinstance(value, str):
                object.__setattr__(self, f.name, clean_text(value))


@dataclass(frozen=True)
class IssuingUnit(_Normalised):
    """`<donvi>`: province, department, commune and school as named on the snapshot date."""

    province_code: str
    province_name: str
    department_name: str
    commune_name: str
    school_code: str
    school_name: str
    place_of_issue: str


@dataclass(frozen=True)
class PupilIdentity(_Normalised):
    """`<hocsinh>`: the identity page (spec §6.1)."""

    personal_id: str
    moet_code: str
    full_name: str
    gender: str  # "Nam" | "Nữ"
    birth_date: dt.date
    ethnicity: str
    nationality: str
    birth_place: str
    hometown: str
    current_address: str
    father_name: str
    mother_name: str
    guardian_name: str


@dataclass(frozen=True)
class UnitRow(_Normalised):
    """One `<mon>` of section 1: level T/H/C, CN score (None when untested, D4), comment."""

    code: str
    name: str
    level: str
    score: int | None
    comment: str


@dataclass(frozen=True)
class RatedRow(_Normalised):
    """One `<muc>` of sections 2 and 3: level T/Đ/C and comment."""

    code: str
    name: str
    level: str
    comment: str


@dataclass(frozen=True)
class AwardRow(_Normalised):
    """One `<khen>` of section 5."""

    kind: str  # one of AWARD_KINDS
    text: str


@dataclass(frozen=True)
class RecordSnapshot(_Normalised):
    """One version of a pupil's year page, field for field the XML of docs/record-xml.md."""

    record_code: str
    version: int
    issued_on: dt.date
    regime: str
    unit: IssuingUnit
    pupil: PupilIdentity
    school_year: str
    grade: int
    class_name: str
    subjects: tuple[UnitRow, ...]
    qualities: tuple[RatedRow, ...]
    general_competencies: tuple[RatedRow, ...]
    specific_competencies: tuple[RatedRow, ...]
    result_code: str
    result_name: str
    awards: tuple[AwardRow, ...]
    completed: bool
    completion: str
    promoted: bool | None  # None: no promotion to record (grade 5 completing primary)
    supplementary: str  # CHT only: the supplementary assessment's result, else ""
    homeroom_teacher: str
    principal_name: str
    principal_title: str
    form_version: str = FORM_VERSION


# ---- building from the database -----------------------------------------------------------------


def record_code_for(student: Student, class_group: ClassGroup) -> str:
    """`madinhdanhhocba`: HB-<province code>-<school code>-<student id>-<school year code>,
    the same for every version of the page."""
    school = class_group.school
    province_code = school.commune.province.code
    return f"HB-{province_code}-{school.code}-{student.pk}-{class_group.school_year.code}"


def _person(user: User | None) -> str:
    if user is None:
        return ""
    return user.full_name or user.get_username()


def homeroom_teacher_of(class_group: ClassGroup) -> User | None:
    assignment = (
        HomeroomAssignment.objects.active()
        .filter(class_group=class_group)
        .select_related("user")
        .order_by("created_at", "pk")
        .first()
    )
    return assignment.user if assignment else None


def principal_of(class_group: ClassGroup) -> User | None:
    role = (
        StaffRole.objects.active()
        .filter(school_id=class_group.school_id, role=Role.PRINCIPAL)
        .select_related("user")
        .order_by("created_at", "pk")
        .first()
    )
    return role.user if role else None


def _identity(student: Student) -> PupilIdentity:
    return PupilIdentity(
        personal_id=student.personal_id or "",
        moet_code=student.moet_code or "",
        full_name=student.full_name,
        gender=student.get_gender_display(),
        birth_date=student.birth_date,
        ethnicity=ETHNICITIES.get(student.ethnicity, student.ethnicity),
        nationality=NATIONALITIES.get(student.nationality, student.nationality),
        birth_place=student.birth_place,
        hometown=student.hometown,
        current_address=student.current_address,
        father_name=student.father_name,
        mother_name=student.mother_name,
        guardian_name=student.guardian_name,
    )


def _unit(class_group: ClassGroup, on: dt.date) -> IssuingUnit:
    school = class_group.school
    commune = school.commune
    province = commune.province
    return IssuingUnit(
        province_code=province.code,
        province_name=province.name,
        department_name=province.department_name,
        commune_name=commune.name,
        school_code=school.code,
        school_name=school.name_on(on),
        place_of_issue=commune.name,
    )


def _award_rows(pupil: PupilYearEnd) -> tuple[AwardRow, ...]:
    """Section 5 in the order of `PupilYearEnd.awards` (whose labels it reuses)."""
    kinds = [Award.HOC_SINH_XUAT_SAC.value] if pupil.outcome and pupil.outcome.award else []
    kinds += [c.kind for c in pupil.commendations]
    return tuple(AwardRow(kind, text) for kind, text in zip(kinds, pupil.awards, strict=True))


def _supplementary(pupil: PupilYearEnd) -> str:
    after = pupil.after_supplementary
    if pupil.supplementary is None or after is None:
        return ""
    return f"Đánh giá bổ sung ngày {pupil.supplementary.assessed_on:%d/%m/%Y}: {after.result.label}"


def _comment(entries: dict[tuple[str, str], Entry], kind: str, code: str) -> str:
    entry = entries.get((kind, code))
    return entry.comment if entry else ""


def _rated(
    specs: tuple[RatedSpec, ...],
    levels: Mapping[str, QualityLevel],
    entries: dict[tuple[str, str], Entry],
    kind: str,
) -> tuple[RatedRow, ...]:
    return tuple(
        RatedRow(s.code, s.name_vi, levels[s.code].value, _comment(entries, kind, s.code))
        for s in specs
        if s.code in levels
    )


def build_snapshot(
    student: Student, class_group: ClassGroup, *, on: dt.date, version: int = 1
) -> RecordSnapshot:
    """The page of ``student`` in ``class_group`` as it stands now, dated ``on``.

    SnapshotUnavailable while the CN values do not give a result (`readiness` lists why).
    """
    class_group = ClassGroup.objects.select_related("school__commune__province", "school_year").get(
        pk=class_group.pk
    )
    period = cn_period(class_group)
    entries = current_entries(class_group, period, [student.pk]).get(student.pk, {})
    year_end = class_year_end(class_group, pupils=[student], entries={student.pk: entries})
    (pupil,) = year_end.pupils
    values, outcome = pupil.values, pupil.outcome
    if values is None or outcome is None:
        raise SnapshotUnavailable(
            f"{student.full_name}: chưa đủ kết quả cuối năm học ({len(pupil.missing)} mục)."
        )
    view = CATALOGUES[REGIME].grade(class_group.grade)
    subjects = tuple(
        UnitRow(
            spec.code,
            spec.name_vi,
            values.subjects[spec.code].level.value,
            values.subjects[spec.code].score,
            _comment(entries, Entry.Kind.SUBJECT, spec.code),
        )
        for spec in view.subjects
        if spec.code in values.subjects
    )

    general = tuple(c for c in view.competencies if c.group is RatedGroup.GENERAL_COMPETENCY)
    specific = tuple(c for c in view.competencies if c.group is RatedGroup.SPECIFIC_COMPETENCY)
    final = pupil.final or outcome
    return RecordSnapshot(
        record_code=record_code_for(student, class_group),
        version=version,
        issued_on=on,
        regime=REGIME.value,
        unit=_unit(class_group, on),
        pupil=_identity(student),
        school_year=class_group.school_year.code,
        grade=class_group.grade,
        class_name=class_group.name,
        subjects=subjects,
        qualities=_rated(view.qualities, values.qualities, entries, Entry.Kind.QUALITY),
        general_competencies=_rated(general, values.competencies, entries, Entry.Kind.COMPETENCY),
        specific_competencies=_rated(specific, values.competencies, entries, Entry.Kind.COMPETENCY),
        result_code=outcome.result.value,
        result_name=outcome.result.label,
        awards=_award_rows(pupil),
        completed=final.completed_grade,
        completion=pupil.completion,
        promoted=pupil.promoted,
        supplementary=_supplementary(pupil),
        homeroom_teacher=_person(homeroom_teacher_of(class_group)),
        principal_name=_person(principal_of(class_group)),
        principal_title=PRINCIPAL_TITLE,
    )

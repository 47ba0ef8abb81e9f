"""What a parent sees of one period: the pupil's released results, as frozen values.

`results_for(student, period)` answers None unless the school of the pupil's class that year has
released the period (`release.py`). Otherwise it reads, in a fixed number of queries whatever the
number of rows (2, plus 3 at the end of the year): each unit's level, test score and the
teacher's comment; each quality's and competency's level and comment; at CN the year-end result
with its completion, awards and the principal's decision, derived exactly as the school's own
pages derive them (`year_end.pupil_year_end`).

Access is not decided here: callers pass a pupil they already reached through
`people.guardianship.access_child_for_parent` (or a staff access check).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Count, F, OuterRef, Subquery

from hocbaso.assessment.models import (
    Commendation,
    Entry,
    PeriodRelease,
    PromotionDecision,
    SupplementaryAssessment,
)
from hocbaso.assessment.year_end import REGIME, pupil_year_end
from hocbaso.org.models import ClassGroup, Period
from hocbaso.people.models import Enrolment, Student
from hocbaso.regulation.catalogue import CATALOGUES
from hocbaso.regulation.types import Offering, QualityLevel, SubjectLevel


@dataclass(frozen=True)
class UnitResult:
    """A subject or educational activity."""

    code: str
    name: str
    level: str  # "T", "H", "C" or "" (not assessed)
    level_label: str  # "Hoàn thành tốt", …
    score: int | None  # the periodic test score, when the unit is tested this period
    comment: str


@dataclass(frozen=True)
class RatedResult:
    """A quality or a competency."""

    code: str
    name: str
    level: str  # "T", "Đ", "C" or ""
    level_label: str
    comment: str


@dataclass(frozen=True)
class YearEndResult:
    """The CN result (TT27 Art. 9 cl. 2), completion, awards and decisions."""

    result: str  # "HTXS", "HTT", "HT", "CHT" or "" while CN values are incomplete
    result_label: str
    completion: str  # "Hoàn thành chương trình lớp 4", … (section 6 of the học bạ)
    awards: tuple[str, ...]
    after_supplementary: str  # the result after the supplementary assessment, if any
    promotion: str  # "Lên lớp", "Ở lại lớp" or ""


@dataclass(frozen=True)
class ChildResults:
    student_id: int
    student_name: str
    school_name: str
    class_name: str
    grade: int
    school_year: str
    period_code: str
    period_label: str
    released_at: dt.datetime
    units: tuple[UnitResult, ...]
    qualities: tuple[RatedResult, ...]
    competencies: tuple[RatedResult, ...]
    year_end: YearEndResult | None  # at CN only


def _subject_label(level: str) -> str:
    parsed = SubjectLevel.parse(level)
    return parsed.label if parsed else ""


def _rated_label(level: str) -> str:
    parsed = QualityLevel.parse(level)
    return parsed.label if parsed else ""


def _released_class(student: Student, period: Period) -> tuple[ClassGroup, dt.datetime] | None:
    """The pupil's class in the period's year whose school released the period (latest
    enrolment first), with the release time: one query."""
    release = PeriodRelease.objects.current().filter(
        school_id=OuterRef("class_group__school_id"), period=period
    )
    enrolment = (
        Enrolment.objects.filter(student=student, class_group__school_year_id=period.school_year_id)
        .annotate(released_at=Subquery(release.values("released_at")[:1]))
        .filter(released_at__isnull=False)
        .select_related("class_group__school", "class_group__school_year")
        .order_by("-enrolled_on", "-pk")
        .first()
    )
    if enrolment is None:
        return None
    released_at: dt.datetime = enrolment.released_at
    return enrolment.class_group, released_at


def _units(grade: int, entries: dict[tuple[str, str], Entry]) -> tuple[UnitResult, ...]:
    view = CATALOGUES[REGIME].grade(grade)
    units: list[UnitResult] = []
    for spec in view.subjects:
        entry = entries.get((Entry.Kind.SUBJECT, spec.code))
        if entry is None and spec.offering_in(grade) is not Offering.COMPULSORY:
            continue  # an optional unit counts only when the pupil studies it
        level = entry.level if entry else ""
        units.append(
            UnitResult(
                code=spec.code,
                name=spec.name_vi,
                level=level,
                level_label=_subject_label(level),
                score=entry.score if entry else None,
                comment=entry.comment if entry else "",
            )
        )
    return tuple(units)


def _rated(grade: int, kind: str, entries: dict[tuple[str, str], Entry]) -> tuple[RatedResult, ...]:
    view = CATALOGUES[REGIME].grade(grade)
    specs = view.qualities if kind == Entry.Kind.QUALITY else view.competencies
    rows: list[RatedResult] = []
    for spec in specs:
        entry = entries.get((kind, spec.code))
        level = entry.level if entry else ""
        rows.append(
            RatedResult(
                code=spec.code,
                name=spec.label_vi,
                level=level,
                level_label=_rated_label(level),
                comment=entry.comment if entry else "",
            )
        )
    return tuple(rows)


def _year_end(
    student: Student, class_group: ClassGroup, entries: dict[tuple[str, str], Entry]
) -> YearEndResult:
    scope = {"student": student, "class_group": class_group}
    supplementary = SupplementaryAssessment.objects.current().filter(**scope).first()
    decision = PromotionDecision.objects.current().filter(**scope).first()
    commendations = tuple(
        Commendation.objects.current().filter(**scope).order_by("awarded_on", "pk")
    )
    pupil = pupil_year_end(
        student, class_group.grade, entries, supplementary, commendations, decision
    )
    result = pupil.result
    after = pupil.after_supplementary
    return YearEndResult(
        result=result.value if result else "",
        result_label=result.label if result else "",
        completion=pupil.completion,
        awards=pupil.awards,
        after_supplementary=after.result.label if after else "",
        promotion=decision.get_outcome_display() if decision else "",
    )


def results_for(student: Student, period: Period) -> ChildResults | None:
    """The pupil's results of ``period`` as the parents see them, or None when the period is
    not released for the pupil's school (or the pupil had no class that year)."""
    found = _released_class(student, period)
    if found is None:
        return None
    class_group, released_at = found
    entries = {
        (e.kind, e.code): e
        for e in Entry.objects.current().filter(
            student=student, sheet__class_group=class_group, sheet__period=period
        )
    }
    grade = class_group.grade
    is_cn = period.code == Period.Code.CN
    return ChildResults(
        student_id=student.pk,
        student_name=student.full_name,
        school_name=class_group.school.name,
        class_name=class_group.name,
        grade=grade,
        school_year=class_group.school_year.code,
        period_code=period.code,
        period_label=period.get_code_display(),
        released_at=released_at,
        units=_units(grade, entries),
        qualities=_rated(grade, Entry.Kind.QUALITY, entries),
        competencies=_rated(grade, Entry.Kind.COMPETENCY, entries),
        year_end=_year_end(student, class_group, entries) if is_cn else None,
    )


def _latest_pk(model: type[models.Model], **scope: Any) -> Subquery:
    rows = model._default_manager.filter(**scope).order_by("-pk").values("pk")[:1]
    return Subquery(rows)


def _current_count(model: type[models.Model], **scope: Any) -> Subquery:
    rows = (
        model._default_manager.filter(voided_at__isnull=True, **scope)
        .order_by()
        .values("student_id")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return Subquery(rows)


def results_version(student: Student, period: Period) -> str | None:
    """A value that changes whenever `results_for(student, period)` would: the release row,
    the pupil's newest entry row of the period (every save adds rows, never edits them), the
    pupil's record, and at CN the newest and current year-end decisions. None when the period
    is not released for the pupil. One query."""
    release = PeriodRelease.objects.current().filter(
        school_id=OuterRef("class_group__school_id"), period=period
    )
    scope = {"student": OuterRef("student_id"), "class_group": OuterRef("class_group_id")}
    annotations: dict[str, Any] = {
        "release_id": Subquery(release.order_by("-pk").values("pk")[:1]),
        "entry": _latest_pk(
            Entry,
            student=OuterRef("student_id"),
            sheet__class_group=OuterRef("class_group_id"),
            sheet__period=period,
        ),
        "updated": F("student__updated_at"),
    }
    if period.code == Period.Code.CN:
        for name, model in (
            ("commendation", Commendation),
            ("supplementary", SupplementaryAssessment),
            ("decision", PromotionDecision),
        ):
            annotations[f"{name}_last"] = _latest_pk(model, **scope)
            annotations[f"{name}_current"] = _current_count(model, **scope)
    row = (
        Enrolment.objects.filter(student=student, class_group__school_year_id=period.school_year_id)
        .annotate(**annotations)
        .filter(**{"release_id__isnull": False})  # (a dict: the annotation is built above)
        .order_by("-enrolled_on", "-pk")
        .values("class_group_id", *annotations)
        .first()
    )
    if row is None:
        return None
    return ":".join(str(row[k]) for k in ("class_group_id", *annotations))

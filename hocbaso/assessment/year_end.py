"""The year end of a class, derived from the current CN entries through the regulation engine.

Nothing computed here is stored. The result (TT27 Art. 9 cl. 2), its reasons, completion
(Art. 11) and the automatic "Học sinh Xuất sắc" (Art. 13 cl. 1a, D5) are recomputed from the
current entries on every read, so a correction made before the year closes can never leave a
stale result behind. Only what people decide is stored (models ``Commendation``,
``SupplementaryAssessment``, ``PromotionDecision``); this module reads those too and says what a
class still lacks before its year can close.

"Học sinh Xuất sắc" is deliberately not stored, not even "on confirmation": it has no input of
its own (D5: automatic for HTXS), so a stored copy could only ever disagree with the CN values.
The principal's act of awarding it is the signature of the year page (issue 4).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from hocbaso.assessment.models import (
    Commendation,
    Entry,
    PromotionDecision,
    SupplementaryAssessment,
)
from hocbaso.audit.actors import SystemActor
from hocbaso.org.models import ClassGroup, Period
from hocbaso.people.models import Enrolment, HomeroomAssignment, Student
from hocbaso.people.scope import scope_for
from hocbaso.regulation.catalogue import CATALOGUES
from hocbaso.regulation.types import Award, PeriodValues, Regime, YearEndOutcome, YearResult
from hocbaso.regulation.types import Period as PeriodCode
from hocbaso.regulation.validation import read_period_values
from hocbaso.regulation.year_end import HT_BAR, classify, completion_text

REGIME = Regime.TT27  # D6: every grade is on TT27 from 2024-25; legacy pages are never classified
RawValues = dict[str, dict[str, Any]]
"""``{"subjects": {code: {"level", "score"}}, "qualities": {code: level}, "competencies": …}``"""


# ---- who decides ------------------------------------------------------------------------------


def can_propose(user: Any, class_group: ClassGroup) -> bool:
    """Commendations and supplementary assessments: the class's homeroom teacher (Art. 9.2b,
    Art. 11 cl. 2; spec §1.2)."""
    if isinstance(user, SystemActor):
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    return HomeroomAssignment.objects.active().filter(user=user, class_group=class_group).exists()


def can_decide_promotion(user: Any, class_group: ClassGroup) -> bool:
    """Lên lớp / ở lại lớp: the principal of the class's school only (Art. 11 cl. 3)."""
    if isinstance(user, SystemActor):
        return True
    return class_group.school_id in scope_for(user).principal_school_ids


# ---- reading entries ---------------------------------------------------------------------------


def class_pupils(class_group: ClassGroup) -> list[Student]:
    """The pupils currently in the class, in roster order."""
    return [
        e.student
        for e in Enrolment.objects.filter(class_group=class_group, transfer_out_on__isnull=True)
        .select_related("student")
        .order_by("student__full_name", "student__pk")
    ]


def current_entries(
    class_group: ClassGroup, period: Period, student_ids: Iterable[int]
) -> dict[int, dict[tuple[str, str], Entry]]:
    """Current entries of the period, per pupil, keyed by (kind, code): one query."""
    by_pupil: dict[int, dict[tuple[str, str], Entry]] = {}
    for entry in Entry.objects.current().filter(
        sheet__class_group=class_group, sheet__period=period, student_id__in=list(student_ids)
    ):
        by_pupil.setdefault(entry.student_id, {})[(entry.kind, entry.code)] = entry
    return by_pupil


def raw_values(grade: int, entries: Mapping[tuple[str, str], Entry]) -> RawValues:
    """The pupil's values as the regulation reads them. An optional unit counts as studied when
    it has a level or a score (there is no other record of enrolment in it, D1)."""
    view = CATALOGUES[REGIME].grade(grade)
    subjects: dict[str, Any] = {}
    for spec in view.subjects:
        entry = entries.get((Entry.Kind.SUBJECT, spec.code))
        if entry is None or (not entry.level and entry.score is None):
            continue
        subjects[spec.code] = {"level": entry.level or None, "score": entry.score}
    rated: dict[str, dict[str, Any]] = {}
    for kind, specs in (
        (Entry.Kind.QUALITY, view.qualities),
        (Entry.Kind.COMPETENCY, view.competencies),
    ):
        rated[kind] = {
            s.code: entries[(kind, s.code)].level
            for s in specs
            if (kind, s.code) in entries and entries[(kind, s.code)].level
        }
    return {
        "subjects": subjects,
        "qualities": rated[Entry.Kind.QUALITY],
        "competencies": rated[Entry.Kind.COMPETENCY],
    }


def merged(values: RawValues, supplementary: Mapping[str, Any]) -> RawValues:
    """CN values with the supplementary assessment's new values in place of the old ones."""
    return {part: {**values[part], **supplementary.get(part, {})} for part in values}


def read(grade: int, values: RawValues) -> tuple[PeriodValues | None, tuple[str, ...]]:
    reading = read_period_values(
        grade,
        PeriodCode.CN,
        values["subjects"],
        values["qualities"],
        values["competencies"],
        regime=REGIME,
    )
    return reading.values, reading.errors


# ---- shortfalls (what a supplementary assessment may change) -----------------------------------


@dataclass(frozen=True)
class ShortfallItem:
    """A CN value below the Hoàn thành bar (Art. 9 cl. 2a, third indent)."""

    kind: str  # Entry.Kind value
    code: str
    label: str
    level: str
    score: int | None
    tested: bool

    @property
    def field(self) -> str:
        return f"{self.kind}:{self.code}"


def shortfall_items(values: PeriodValues) -> tuple[ShortfallItem, ...]:
    """Each unit, quality or competency whose CN level or score keeps the pupil below HT."""
    view = CATALOGUES[values.regime].grade(values.grade)
    items: list[ShortfallItem] = []
    for spec in view.subjects:
        result = values.subjects.get(spec.code)
        if result is None:
            continue
        low_score = result.score is not None and result.score < HT_BAR.min_score
        if result.level not in HT_BAR.subject_levels or low_score:
            tested = PeriodCode.CN in spec.tested_periods(values.grade)
            items.append(
                ShortfallItem(
                    Entry.Kind.SUBJECT, spec.code, spec.name_vi, result.level, result.score, tested
                )
            )
    for kind, specs, levels in (
        (Entry.Kind.QUALITY, view.qualities, values.qualities),
        (Entry.Kind.COMPETENCY, view.competencies, values.competencies),
    ):
        for rated in specs:
            level = levels.get(rated.code)
            if level is not None and level not in HT_BAR.rated_levels:
                items.append(ShortfallItem(kind, rated.code, rated.label_vi, level, None, False))
    return tuple(items)


# ---- one pupil, one class -----------------------------------------------------------------------


@dataclass(frozen=True)
class PupilYearEnd:
    """One pupil's year end: derived outcome plus what people decided."""

    student: Student
    grade: int
    values: PeriodValues | None
    missing: tuple[str, ...]
    outcome: YearEndOutcome | None
    supplementary: SupplementaryAssessment | None
    after_supplementary: YearEndOutcome | None
    commendations: tuple[Commendation, ...]
    decision: PromotionDecision | None

    @property
    def result(self) -> YearResult | None:
        """The CN result, kept whatever the supplementary assessment gives (spec §5.3)."""
        return self.outcome.result if self.outcome else None

    @property
    def final(self) -> YearEndOutcome | None:
        return self.after_supplementary or self.outcome

    @property
    def explanation(self) -> tuple[str, ...]:
        """The engine's reasons, or every CN value still missing or invalid."""
        return self.outcome.reasons if self.outcome else self.missing

    @property
    def completed_grade(self) -> bool | None:
        return self.final.completed_grade if self.final else None

    @property
    def needs_supplementary(self) -> bool:
        return self.result is YearResult.CHT and self.supplementary is None

    @property
    def needs_decision(self) -> bool:
        """Still CHT after the supplementary assessment, and no principal's decision yet."""
        return self.awaits_principal and self.decision is None

    @property
    def awaits_principal(self) -> bool:
        final = self.after_supplementary
        return final is not None and not final.completed_grade

    @property
    def promoted(self) -> bool | None:
        """Lên lớp: yes when the grade is completed below grade 5, else the principal's say."""
        if self.completed_grade:
            return True if self.grade < 5 else None
        if self.decision is not None:
            return self.decision.outcome == PromotionDecision.Outcome.PROMOTED
        return None

    @property
    def completion(self) -> str:
        """Section 6 of the học bạ (spec §5.3), empty while the CN values are incomplete."""
        final = self.final
        return completion_text(final.result, self.grade) if final else ""

    @property
    def awards(self) -> tuple[str, ...]:
        labels = [Award.HOC_SINH_XUAT_SAC.label] if self.outcome and self.outcome.award else []
        for c in self.commendations:
            labels.append(c.get_kind_display() if c.kind == c.Kind.TIEU_BIEU else c.text)
        return tuple(labels)

    @property
    def blockers(self) -> tuple[str, ...]:
        """Why this pupil keeps the class's year open (D5)."""
        name = self.student.full_name
        if self.outcome is None:
            return (f"{name}: chưa đủ kết quả cuối năm học ({len(self.missing)} mục).",)
        if self.needs_supplementary:
            return (f"{name}: Chưa hoàn thành, chưa có kết quả đánh giá bổ sung.",)
        if self.needs_decision:
            return (
                f"{name}: vẫn Chưa hoàn thành sau đánh giá bổ sung, chưa có quyết định lên lớp "
                "hoặc ở lại lớp của Hiệu trưởng.",
            )
        return ()


def pupil_year_end(
    student: Student,
    grade: int,
    entries: Mapping[tuple[str, str], Entry],
    supplementary: SupplementaryAssessment | None,
    commendations: tuple[Commendation, ...],
    decision: PromotionDecision | None,
) -> PupilYearEnd:
    values = raw_values(grade, entries)
    typed, errors = read(grade, values)
    outcome = classify(typed) if typed is not None else None
    after = None
    if outcome is not None and supplementary is not None:
        again, _errors = read(grade, merged(values, supplementary.values))
        after = classify(again) if again is not None else None
    return PupilYearEnd(
        student, grade, typed, errors, outcome, supplementary, after, commendations, decision
    )


@dataclass(frozen=True)
class ClassYearEnd:
    class_group: ClassGroup
    period: Period
    pupils: tuple[PupilYearEnd, ...]

    def by_student(self, student_id: int) -> PupilYearEnd | None:
        return next((p for p in self.pupils if p.student.pk == student_id), None)


def cn_period(class_group: ClassGroup) -> Period:
    """The class's end-of-year period; Period.DoesNotExist when its year has none."""
    return Period.objects.get(school_year_id=class_group.school_year_id, code=PeriodCode.CN)


def class_year_end(
    class_group: ClassGroup,
    pupils: list[Student] | None = None,
    entries: dict[int, dict[tuple[str, str], Entry]] | None = None,
) -> ClassYearEnd:
    """Every pupil's year end, in six queries whatever the class size (``pupils`` and their CN
    ``entries`` may be given when the caller has them already)."""
    period = cn_period(class_group)
    pupils = class_pupils(class_group) if pupils is None else pupils
    ids = [p.pk for p in pupils]
    if entries is None:
        entries = current_entries(class_group, period, ids)
    scope = {"class_group": class_group, "student_id__in": ids}
    supplementary = {
        s.student_id: s for s in SupplementaryAssessment.objects.current().filter(**scope)
    }
    decisions = {d.student_id: d for d in PromotionDecision.objects.current().filter(**scope)}
    commendations: dict[int, list[Commendation]] = {}
    for c in Commendation.objects.current().filter(**scope).order_by("awarded_on", "pk"):
        commendations.setdefault(c.student_id, []).append(c)
    return ClassYearEnd(
        class_group,
        period,
        tuple(
            pupil_year_end(
                p,
                class_group.grade,
                entries.get(p.pk, {}),
                supplementary.get(p.pk),
                tuple(commendations.get(p.pk, ())),
                decisions.get(p.pk),
            )
            for p in pupils
        ),
    )


@dataclass(frozen=True)
class YearClosure:
    can_close: bool
    reasons: tuple[str, ...]


def closure(year_end: ClassYearEnd) -> YearClosure:
    reasons = tuple(r for p in year_end.pupils for r in p.blockers)
    return YearClosure(not reasons, reasons)


def year_can_close(class_group: ClassGroup) -> YearClosure:
    """Whether the class's year can close (D5): every pupil classified, every CHT pupil
    re-assessed, and every pupil still CHT after that decided on by the principal."""
    return closure(class_year_end(class_group))

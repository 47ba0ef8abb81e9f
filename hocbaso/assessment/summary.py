"""Bảng tổng hợp kết quả đánh giá giáo dục của lớp (spec §6.3), built from current entries.

One row per pupil: STT, Họ và tên, Ngày sinh, Nữ, Dân tộc; per unit the level and, where the
unit is tested at the period, the score; per quality and competency the level; at the end of
the year also the result, Khen thưởng, Hoàn thành chương trình, Lên lớp and Ghi chú. Count rows
at the foot give, per column, how many pupils reached each level or score band; the totals give
the count per result.

The layout is data (spec §6.3 [P], D1): nine forms, three per grade group (1–2, 3, 4–5) —
mid-term (GHKI, GHKII), end of semester I (CHKI), end of year (CN). Their columns come from the
catalogue of the class's grade and the test matrix, so a catalogue change moves no code here.
The same ``ClassSummary`` feeds the page, the .xlsx and the PDF.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.http import Http404
from django.utils.text import slugify

from hocbaso.assessment.models import Commendation, Entry
from hocbaso.assessment.year_end import (
    REGIME,
    PupilYearEnd,
    class_pupils,
    class_year_end,
    current_entries,
)
from hocbaso.audit.actors import SystemActor
from hocbaso.audit.log import log
from hocbaso.org.models import ClassGroup, Period
from hocbaso.people import access as people_access
from hocbaso.people.code_lists import ETHNICITIES
from hocbaso.people.models import Gender, HomeroomAssignment, Role, StaffRole, Student
from hocbaso.regulation.catalogue import CATALOGUES, RatedGroup
from hocbaso.regulation.types import Award, YearResult
from hocbaso.regulation.types import Period as PeriodCode
from hocbaso.regulation.year_end import HT_BAR, HTT_BAR, HTXS_BAR


class FormKind(StrEnum):
    MID_TERM = "mid_term"
    END_OF_SEMESTER = "end_of_semester"
    END_OF_YEAR = "end_of_year"


FORM_PERIODS: dict[FormKind, frozenset[PeriodCode]] = {
    FormKind.MID_TERM: frozenset({PeriodCode.GHKI, PeriodCode.GHKII}),
    FormKind.END_OF_SEMESTER: frozenset({PeriodCode.CHKI}),
    FormKind.END_OF_YEAR: frozenset({PeriodCode.CN}),
}


@dataclass(frozen=True)
class SummaryForm:
    number: int
    grades: frozenset[int]
    kind: FormKind


# Spec §6.3 [P]: G1–2 Mẫu 1–3, G3 Mẫu 4–6, G4–5 Mẫu 7–9, each group mid-term, CHKI, CN.
GRADE_GROUPS: tuple[frozenset[int], ...] = (frozenset({1, 2}), frozenset({3}), frozenset({4, 5}))
FORMS: tuple[SummaryForm, ...] = tuple(
    SummaryForm(3 * g + k + 1, grades, kind)
    for g, grades in enumerate(GRADE_GROUPS)
    for k, kind in enumerate(FormKind)
)


def form_for(grade: int, period: PeriodCode) -> SummaryForm:
    return next(f for f in FORMS if grade in f.grades and period in FORM_PERIODS[f.kind])


class ColumnKind(StrEnum):
    IDENTITY = "identity"
    SUBJECT_LEVEL = "subject_level"
    SCORE = "score"
    RATED_LEVEL = "rated_level"
    YEAR_END = "year_end"


@dataclass(frozen=True)
class Column:
    key: str
    kind: ColumnKind
    label: str


@dataclass(frozen=True)
class HeaderCell:
    text: str
    colspan: int = 1
    rowspan: int = 1
    vertical: bool = False  # a narrow column: the PDF turns the text


Cell = str | int | None


@dataclass(frozen=True)
class SummaryRow:
    student_id: int
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class CountRow:
    label: str
    cells: tuple[int | None, ...]  # None where the row does not apply to the column


@dataclass(frozen=True)
class ClassSummary:
    class_group: ClassGroup
    period: Period
    form: SummaryForm
    authority: str
    school_name: str
    title: str
    subtitle: str
    columns: tuple[Column, ...]
    header: tuple[tuple[HeaderCell, ...], ...]
    rows: tuple[SummaryRow, ...]
    count_rows: tuple[CountRow, ...]
    totals: tuple[tuple[str, int], ...]
    homeroom_name: str
    principal_name: str

    @property
    def identity_width(self) -> int:
        return sum(1 for c in self.columns if c.kind is ColumnKind.IDENTITY)

    def count(self, label: str, key: str) -> int | None:
        """The count row ``label`` at column ``key`` (tests, checks)."""
        index = next(i for i, c in enumerate(self.columns) if c.key == key)
        return next(r.cells[index] for r in self.count_rows if r.label == label)


IDENTITY: tuple[tuple[str, str], ...] = (
    ("stt", "STT"),
    ("name", "Họ và tên"),
    ("birth", "Ngày sinh"),
    ("female", "Nữ"),
    ("ethnicity", "Dân tộc"),
)
YEAR_END: tuple[tuple[str, str], ...] = (
    ("result", "Kết quả giáo dục"),
    ("award", "Khen thưởng"),
    ("completed", "Hoàn thành chương trình lớp học"),
    ("promoted", "Lên lớp"),
    ("note", "Ghi chú"),
)
MARK = "x"


def _columns(
    grade: int, period: PeriodCode, year_end: bool
) -> tuple[list[Column], list[list[HeaderCell]]]:
    """Columns and the three header rows, from the catalogue of ``grade`` (D1, D2, D4)."""
    view = CATALOGUES[REGIME].grade(grade)
    columns = [Column(k, ColumnKind.IDENTITY, t) for k, t in IDENTITY]
    top: list[HeaderCell] = [HeaderCell(t, rowspan=3, vertical=k == "female") for k, t in IDENTITY]
    middle: list[HeaderCell] = []
    bottom: list[HeaderCell] = []
    for spec in view.subjects:
        columns.append(Column(f"level:{spec.code}", ColumnKind.SUBJECT_LEVEL, spec.name_vi))
        if period in spec.tested_periods(grade):
            columns.append(Column(f"score:{spec.code}", ColumnKind.SCORE, f"{spec.name_vi} (điểm)"))
            middle.append(HeaderCell(spec.name_vi, colspan=2))
            bottom += [HeaderCell("Mức", vertical=True), HeaderCell("Điểm", vertical=True)]
        else:
            middle.append(HeaderCell(spec.name_vi, rowspan=2, vertical=True))
    top.append(HeaderCell("Môn học và hoạt động giáo dục", colspan=len(columns) - len(IDENTITY)))
    top.append(HeaderCell("Phẩm chất chủ yếu", colspan=len(view.qualities), rowspan=2))
    for q in view.qualities:
        columns.append(Column(f"quality:{q.code}", ColumnKind.RATED_LEVEL, q.name_vi))
        bottom.append(HeaderCell(q.name_vi, vertical=True))
    top.append(HeaderCell("Năng lực cốt lõi", colspan=len(view.competencies)))
    for group, label in (
        (RatedGroup.GENERAL_COMPETENCY, "Năng lực chung"),
        (RatedGroup.SPECIFIC_COMPETENCY, "Năng lực đặc thù"),
    ):
        specs = [c for c in view.competencies if c.group is group]
        middle.append(HeaderCell(label, colspan=len(specs)))
        for c in specs:
            columns.append(Column(f"competency:{c.code}", ColumnKind.RATED_LEVEL, c.name_vi))
            bottom.append(HeaderCell(c.name_vi, vertical=True))
    if year_end:
        for key, text in YEAR_END:
            if key == "completed" and grade == 5:
                text = "Hoàn thành chương trình tiểu học"
            columns.append(Column(key, ColumnKind.YEAR_END, text))
            top.append(HeaderCell(text, rowspan=3, vertical=key in ("result", "promoted")))
    return columns, [top, middle, bottom]


def _identity(number: int, pupil: Student) -> list[Cell]:
    return [
        number,
        pupil.full_name,
        pupil.birth_date.strftime("%d/%m/%Y"),
        MARK if pupil.gender == Gender.FEMALE else "",
        ETHNICITIES.get(pupil.ethnicity, pupil.ethnicity),
    ]


def _entry_cell(column: Column, entries: dict[tuple[str, str], Entry]) -> Cell:
    kind, code = column.key.split(":", 1)
    entry_kind = Entry.Kind.SUBJECT if kind in ("level", "score") else kind
    entry = entries.get((entry_kind, code))
    if entry is None:
        return None
    if kind == "score":
        return entry.score
    return entry.level or None


def _year_end_cells(pupil: PupilYearEnd) -> dict[str, Cell]:
    final = pupil.after_supplementary
    notes = []
    if pupil.supplementary is not None and final is not None:
        day = pupil.supplementary.assessed_on.strftime("%d/%m/%Y")
        notes.append(f"Đánh giá bổ sung {day}: {final.result.value}")
    if pupil.decision is not None:
        notes.append(
            " ".join(filter(None, [pupil.decision.get_outcome_display(), pupil.decision.note]))
        )
    if pupil.outcome is None:
        notes.append("Chưa đủ kết quả cuối năm")
    promoted = pupil.promoted
    return {
        "result": pupil.result.value if pupil.result else None,
        "award": "; ".join(pupil.awards) or None,
        "completed": MARK if pupil.completed_grade else None,
        "promoted": {True: MARK, False: "Ở lại"}.get(promoted) if promoted is not None else None,
        "note": "; ".join(notes) or None,
    }


_Test = Callable[[Cell], bool]
LEVEL_KINDS = frozenset({ColumnKind.SUBJECT_LEVEL, ColumnKind.RATED_LEVEL})
SCORE_KINDS = frozenset({ColumnKind.SCORE})


def _level(*levels: str) -> _Test:
    return lambda v: v in levels


def _band(low: int, high: int) -> _Test:
    return lambda v: isinstance(v, int) and low <= v <= high


# Count rows: (label, the columns it counts in, which cells it counts). Score bands follow the
# bars of TT27 Art. 9 cl. 2a: 9–10 (HTXS), 7–8 (HTT), 5–6 (HT), below 5.
_NINE, _SEVEN, _FIVE = HTXS_BAR.min_score, HTT_BAR.min_score, HT_BAR.min_score
COUNTS: tuple[tuple[str, frozenset[ColumnKind], _Test], ...] = (
    ("Hoàn thành tốt / Tốt (T)", LEVEL_KINDS, _level("T")),
    ("Hoàn thành / Đạt (H, Đ)", LEVEL_KINDS, _level("H", "Đ")),
    ("Chưa hoàn thành / Cần cố gắng (C)", LEVEL_KINDS, _level("C")),
    (f"Điểm {_NINE}–10", SCORE_KINDS, _band(_NINE, 10)),
    (f"Điểm {_SEVEN}–{_NINE - 1}", SCORE_KINDS, _band(_SEVEN, _NINE - 1)),
    (f"Điểm {_FIVE}–{_SEVEN - 1}", SCORE_KINDS, _band(_FIVE, _SEVEN - 1)),
    (f"Điểm dưới {_FIVE}", SCORE_KINDS, _band(0, _FIVE - 1)),
)


def _count_rows(columns: Sequence[Column], rows: Sequence[SummaryRow]) -> tuple[CountRow, ...]:
    out = []
    for label, kinds, test in COUNTS:
        if not any(c.kind in kinds for c in columns):
            continue
        cells = tuple(
            sum(1 for r in rows if test(r.cells[i])) if c.kind in kinds else None
            for i, c in enumerate(columns)
        )
        out.append(CountRow(label, cells))
    return tuple(out)


def _totals(pupils: Sequence[Student], year_end: Sequence[PupilYearEnd]) -> list[tuple[str, int]]:
    totals = [
        ("Tổng số học sinh", len(pupils)),
        ("Học sinh nữ", sum(1 for p in pupils if p.gender == Gender.FEMALE)),
    ]
    if not year_end:
        return totals
    for result in YearResult:
        totals.append((result.label, sum(1 for p in year_end if p.result is result)))
    kinds = [c.kind for p in year_end for c in p.commendations]
    totals += [
        ("Chưa đủ kết quả cuối năm", sum(1 for p in year_end if p.outcome is None)),
        (Award.HOC_SINH_XUAT_SAC.label, sum(1 for p in year_end if p.outcome and p.outcome.award)),
        (Award.HOC_SINH_TIEU_BIEU.label, kinds.count(Commendation.Kind.TIEU_BIEU)),
        ("Khen thưởng đột xuất", kinds.count(Commendation.Kind.DOT_XUAT)),
        ("Hoàn thành chương trình", sum(1 for p in year_end if p.completed_grade)),
        ("Lên lớp", sum(1 for p in year_end if p.promoted is True)),
        ("Ở lại lớp", sum(1 for p in year_end if p.promoted is False)),
        ("Chờ đánh giá bổ sung", sum(1 for p in year_end if p.needs_supplementary)),
        ("Chờ quyết định của Hiệu trưởng", sum(1 for p in year_end if p.needs_decision)),
    ]
    return totals


def _signatories(class_group: ClassGroup) -> tuple[str, str]:
    homeroom = (
        HomeroomAssignment.objects.active()
        .filter(class_group=class_group)
        .select_related("user")
        .first()
    )
    principal = (
        StaffRole.objects.active()
        .filter(role=Role.PRINCIPAL, school_id=class_group.school_id)
        .select_related("user")
        .first()
    )
    return (
        str(homeroom.user) if homeroom else "",
        str(principal.user) if principal else "",
    )


def build_summary(class_group: ClassGroup, period: Period) -> ClassSummary:
    """The Bảng tổng hợp of ``class_group`` at ``period``, from its current entries."""
    code = PeriodCode(period.code)
    form = form_for(class_group.grade, code)
    year_end = form.kind is FormKind.END_OF_YEAR
    columns, header = _columns(class_group.grade, code, year_end)
    pupils = class_pupils(class_group)
    entries = current_entries(class_group, period, [p.pk for p in pupils])
    pupils_year_end = class_year_end(class_group, pupils, entries).pupils if year_end else ()
    rows = []
    for number, pupil in enumerate(pupils, start=1):
        mine = entries.get(pupil.pk, {})
        extra = _year_end_cells(pupils_year_end[number - 1]) if year_end else {}
        cells = _identity(number, pupil) + [
            _entry_cell(c, mine) if c.kind is not ColumnKind.YEAR_END else extra[c.key]
            for c in columns[len(IDENTITY) :]
        ]
        rows.append(SummaryRow(pupil.pk, tuple(cells)))
    school = class_group.school
    homeroom, principal = _signatories(class_group)
    return ClassSummary(
        class_group=class_group,
        period=period,
        form=form,
        authority=f"UBND {school.commune.name}",
        school_name=school.name_on(period.entry_deadline),
        title=f"BẢNG TỔNG HỢP KẾT QUẢ ĐÁNH GIÁ GIÁO DỤC CỦA LỚP {class_group.name}",
        subtitle=f"{period.get_code_display()} — Năm học {class_group.school_year.code}",
        columns=tuple(columns),
        header=tuple(tuple(row) for row in header),
        rows=tuple(rows),
        count_rows=_count_rows(columns, rows),
        totals=tuple(_totals(pupils, pupils_year_end)),
        homeroom_name=homeroom,
        principal_name=principal,
    )


def access_summary_for_user(
    user: Any, class_id: int, period_code: str
) -> tuple[ClassGroup, Period]:
    """The class and period, when the user reads the class (people.access); 404 otherwise."""
    if isinstance(user, SystemActor):
        class_group = ClassGroup.objects.select_related("school", "school_year").get(pk=class_id)
    else:
        class_group = people_access.access_class_for_user(user, class_id)
    period = Period.objects.filter(
        school_year_id=class_group.school_year_id, code=period_code
    ).first()
    if period is None:
        raise Http404
    return class_group, period


def log_export(summary: ClassSummary, fmt: str, file_name: str, *, acting_user: Any) -> None:
    """The ``export.class_summary`` event: names and birth dates of a class left the system."""
    class_group = summary.class_group
    log(
        "export.class_summary",
        actor=acting_user,
        subject=class_group,
        school_id=class_group.school_id,
        data={
            "format": fmt,
            "period": summary.period.code,
            "school_year": class_group.school_year.code,
            "rows": len(summary.rows),
            "file_name": file_name,
        },
    )


def file_name(summary: ClassSummary, suffix: str) -> str:
    """E.g. ``bang-tong-hop-4a-cn-2026-2027.pdf``."""
    class_group = summary.class_group
    parts = f"bang tong hop {class_group.name} {summary.period.code} {class_group.school_year.code}"
    return f"{slugify(parts)}.{suffix}"

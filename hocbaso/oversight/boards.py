"""Dashboards: the province (a row per commune), a commune (a row per school), a school (a row
per class). Each board reads its area's schools and classes once, computes every indicator
per class or per school with the aggregate queries of `indicators`, and adds the rows up in
memory: the same number of queries for 3 or 300 rows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.urls import reverse

from hocbaso.org.models import ClassGroup, Commune, Period, Province, School, SchoolYear
from hocbaso.oversight.indicators.corrections import correction_counts
from hocbaso.oversight.indicators.progress import period_progress
from hocbaso.oversight.indicators.pupils import pupil_counts
from hocbaso.oversight.indicators.schools import current_regulations, live_school_ids
from hocbaso.oversight.indicators.staff import staff_counts
from hocbaso.oversight.periods import current_for
from hocbaso.oversight.rows import Row


@dataclass
class Board:
    year: SchoolYear | None
    period: Period | None
    rows: list[Row]
    total: Row
    grades: list[Row] = field(default_factory=list)


def classes_of(schools: Sequence[School], year: SchoolYear | None) -> list[ClassGroup]:
    if year is None:
        return []
    return list(
        ClassGroup.objects.filter(school__in=[s.pk for s in schools], school_year=year)
        .annotate(
            pupils=Count(
                "enrolments", filter=Q(enrolments__transfer_out_on__isnull=True), distinct=True
            )
        )
        .order_by("grade", "name", "pk")
    )


def class_rows(classes: Sequence[ClassGroup], period: Period | None) -> dict[int, Row]:
    counts = pupil_counts([c.pk for c in classes])
    progress = period_progress(classes, period)
    rows = {}
    for c in classes:
        n = counts.get(c.pk)
        p = progress[c.pk]
        row = Row(
            key=c.pk,
            label=str(c.name),
            url=reverse("oversight_class", args=[c.pk]),
            classes=1,
            locked=int(p.locked),
            filled=p.filled,
            expected=p.expected,
            open_flags=p.open_flags,
            signed=p.signed,
            sealed=p.sealed,
            submitted=p.submitted,
            locked_label="✓" if p.locked else "",
        )
        if n is not None:
            row.pupils, row.complete, row.photo = n.pupils, n.complete, n.photo
            row.personal_id, row.issued = n.personal_id, n.issued
            if c.grade == 1:
                row.grade1, row.grade1_issued = n.pupils, n.issued
        rows[c.pk] = row
    return rows


def _grades(classes: Sequence[ClassGroup], by_class: dict[int, Row]) -> list[Row]:
    grades: dict[int, Row] = {}
    for c in classes:
        grades.setdefault(c.grade, Row(key=c.grade, label=str(c.grade))).add(by_class[c.pk])
    return [grades[g] for g in sorted(grades)]


def school_rows(
    schools: Sequence[School], year: SchoolYear | None, period: Period | None
) -> tuple[dict[int, Row], list[ClassGroup], dict[int, Row]]:
    """({school id: row}, the classes, {class id: row})."""
    ids = [s.pk for s in schools]
    classes = classes_of(schools, year)
    by_class = class_rows(classes, period)
    live = live_school_ids(ids, year)
    regulations = current_regulations(ids)
    staff = staff_counts(ids)
    corrections = correction_counts(ids, year)
    rows: dict[int, Row] = {}
    for s in schools:
        reg = regulations.get(s.pk)
        st = staff.get(s.pk)
        fixes, sheets = corrections.get(s.pk, (0, 0))
        rows[s.pk] = Row(
            key=s.pk,
            label=s.name,
            url=reverse("oversight_school", args=[s.pk]),
            schools=1,
            live=int(s.pk in live),
            regulations=int(reg is not None),
            regulation=f"{reg.title} ({reg.adopted_on:%d/%m/%Y})" if reg else "",
            staff=st.staff if st else 0,
            trained=st.trained if st else 0,
            certified=st.certified if st else 0,
            expiring=st.expiring if st else 0,
            corrections=fixes,
            sheets=sheets,
        )
    for c in classes:
        rows[c.school_id].add(by_class[c.pk])
    return rows, classes, by_class


def _rolled(rows: list[Row]) -> Row:
    total = Row(label="Tổng")
    for r in rows:
        total.add(r)
    return total


def _area(
    province_id: int,
    schools: list[School],
    group: Callable[[School], tuple[int, str, str]],
) -> Board:
    current = current_for(province_id)
    by_school, classes, by_class = school_rows(schools, current.year, current.period)
    grouped: dict[int, Row] = {}
    for s in schools:
        key, label, url = group(s)
        row = grouped.setdefault(key, Row(key=key, label=label, url=url))
        row.add(by_school[s.pk])
        row.regulation = by_school[s.pk].regulation if row.schools == 1 else ""
    rows = list(grouped.values())
    return Board(current.year, current.period, rows, _rolled(rows), _grades(classes, by_class))


def province_board(province: Province) -> Board:
    communes = list(Commune.objects.filter(province=province).order_by("name", "pk"))
    schools = list(School.objects.filter(commune__province=province).order_by("name", "pk"))
    names = {c.pk: c.name for c in communes}

    def group(s: School) -> tuple[int, str, str]:
        return s.commune_id, names[s.commune_id], reverse("oversight_commune", args=[s.commune_id])

    board = _area(province.pk, schools, group)
    seen = {r.key for r in board.rows}
    board.rows += [  # communes without a school still get their (empty) row
        Row(key=c.pk, label=c.name, url=reverse("oversight_commune", args=[c.pk]))
        for c in communes
        if c.pk not in seen
    ]
    board.rows.sort(key=lambda r: r.label)
    return board


def commune_board(commune: Commune) -> Board:
    schools = list(School.objects.filter(commune=commune).order_by("name", "pk"))

    def group(s: School) -> tuple[int, str, str]:
        return s.pk, s.name, reverse("oversight_school", args=[s.pk])

    return _area(commune.province_id, schools, group)


def school_board(school: School) -> tuple[Board, Row]:
    """The board (a row per class) and the school's own row (staff, Quy chế, corrections)."""
    current = current_for(school.commune.province_id)
    by_school, classes, by_class = school_rows([school], current.year, current.period)
    rows = [by_class[c.pk] for c in classes]
    board = Board(current.year, current.period, rows, _rolled(rows), _grades(classes, by_class))
    return board, by_school[school.pk]

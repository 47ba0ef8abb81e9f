"""The entry progress board of a school for one period: per class and sheet, how many levels
and tested scores are present and how many cells are still missing.

Who sees it (one condition per line): the school's principal, vice-principals and admin, and
those overseeing the school (commune, province, inspectors, system admins) see every class;
a group head sees the classes of their grades; teachers of the school get 403 (they see the
school, not the board); anyone else 404. The counts come from one aggregate query, so the
board costs the same number of queries whatever the school's size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Q

from hocbaso.assessment.models import Entry
from hocbaso.assessment.sheets import sheet_columns, sheet_keys, sheet_label
from hocbaso.org.models import ClassGroup, Period, School
from hocbaso.people import access as people_access
from hocbaso.people.models import Enrolment
from hocbaso.people.scope import Scope, scope_for
from hocbaso.regulation import catalogue


@dataclass(frozen=True)
class SheetProgress:
    key: str
    label: str
    levels: int  # level cells filled
    levels_expected: int  # pupils × columns; 0 for an optional unit (who studies it varies)
    scores: int
    scores_expected: int  # pupils, when the unit is tested this period
    optional: bool

    @property
    def missing(self) -> int:
        return max(self.levels_expected - self.levels, 0) + max(
            self.scores_expected - self.scores, 0
        )


@dataclass(frozen=True)
class ClassProgress:
    class_group: ClassGroup
    pupils: int
    sheets: tuple[SheetProgress, ...]

    @property
    def levels(self) -> int:
        return sum(s.levels for s in self.sheets)

    @property
    def levels_expected(self) -> int:
        return sum(s.levels_expected for s in self.sheets)

    @property
    def scores(self) -> int:
        return sum(s.scores for s in self.sheets)

    @property
    def scores_expected(self) -> int:
        return sum(s.scores_expected for s in self.sheets)

    @property
    def missing(self) -> int:
        return sum(s.missing for s in self.sheets)


def board_grades(scope: Scope, school: School) -> frozenset[int] | None:
    """None for the whole school, else the grades the viewer may see; PermissionDenied for a
    viewer of the school who may not see the board."""
    if scope.reads_whole_school(school):
        return None
    grades = scope.group_head_grades.get(school.pk)
    if grades:
        return grades
    raise PermissionDenied


def access_progress_for_user(user: Any, school_id: int) -> tuple[School, frozenset[int] | None]:
    """The school (404 if the user may not see it) and the grades of its board."""
    school = people_access.access_school_for_user(user, school_id)
    return school, board_grades(scope_for(user), school)


def board_classes(
    school: School, period: Period, grades: frozenset[int] | None
) -> list[ClassGroup]:
    classes = ClassGroup.objects.filter(school=school, school_year_id=period.school_year_id)
    if grades is not None:
        classes = classes.filter(grade__in=grades)
    return list(
        classes.annotate(
            pupils=Count(
                "enrolments", filter=Q(enrolments__transfer_out_on__isnull=True), distinct=True
            )
        ).order_by("grade", "name")
    )


def _counts(classes: Sequence[ClassGroup], period: Period) -> dict[tuple[int, str], dict[str, int]]:
    """{(class id, sheet key): {"levels": n, "scores": n}} over pupils still in the class."""
    still_enrolled = Enrolment.objects.filter(
        student=OuterRef("student"),
        class_group=OuterRef("sheet__class_group"),
        transfer_out_on__isnull=True,
    )
    rows = (
        Entry.objects.current()
        .filter(sheet__class_group__in=[c.pk for c in classes], sheet__period=period)
        .filter(Exists(still_enrolled))
        .values("sheet__class_group_id", "sheet__key")
        .annotate(
            levels=Count("pk", filter=~Q(level="")),
            scores=Count("pk", filter=Q(score__isnull=False)),
        )
    )
    return {
        (r["sheet__class_group_id"], r["sheet__key"]): {
            "levels": r["levels"],
            "scores": r["scores"],
        }
        for r in rows
    }


def progress_for(classes: Sequence[ClassGroup], period: Period) -> list[ClassProgress]:
    """`classes` must carry the `pupils` annotation of `board_classes`."""
    counts = _counts(classes, period)
    board = []
    for class_group in classes:
        pupils: int = getattr(class_group, "pupils", 0)
        optional = set(catalogue.optional_subjects(class_group.grade))
        sheets = []
        for key in sheet_keys(class_group.grade):
            columns = sheet_columns(key, class_group.grade, period.code)
            found = counts.get((class_group.pk, key), {"levels": 0, "scores": 0})
            is_optional = key in optional
            tested = any(c.tested for c in columns) and not is_optional
            sheets.append(
                SheetProgress(
                    key=key,
                    label=sheet_label(key),
                    levels=found["levels"],
                    levels_expected=0 if is_optional else pupils * len(columns),
                    scores=found["scores"],
                    scores_expected=pupils if tested else 0,
                    optional=is_optional,
                )
            )
        board.append(ClassProgress(class_group, pupils, tuple(sheets)))
    return board

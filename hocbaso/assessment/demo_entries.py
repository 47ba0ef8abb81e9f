"""Demo assessment values: a realistic, deterministic fill of past periods, written through
`save_sheet` (so the demo's audit chain holds them like any teacher's save)."""

from __future__ import annotations

import random
import uuid

from hocbaso.assessment.actions.save_sheet import CellInput, save_sheet
from hocbaso.assessment.comment_bank import comments_for
from hocbaso.assessment.sheets import sheet_columns, sheet_keys
from hocbaso.audit.actors import SEED
from hocbaso.org.models import ClassGroup
from hocbaso.people.models import Enrolment

SUBJECT_LEVELS = (("T", 0.45), ("H", 0.5), ("C", 0.05))
RATED_LEVELS = (("T", 0.5), ("Đ", 0.47), ("C", 0.03))
SCORE_BY_LEVEL = {"T": (8, 10), "H": (5, 8), "C": (2, 4)}
DEMO_STRUGGLING = 0.06  # the demo's share of pupils who get a C somewhere


def _pick(rng: random.Random, table: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([v for v, _ in table], weights=[w for _, w in table])[0]


def _without_c(table: tuple[tuple[str, float], ...]) -> tuple[tuple[str, float], ...]:
    return tuple((v, w) for v, w in table if v != "C")


def _struggles(student_id: int, share: float) -> bool:
    """Whether a pupil is among the few who struggle: the same answer in every period."""
    return random.Random(student_id * 7919 + 17).random() < share  # noqa: S311 - demo data


def fill_class_period(
    class_group: ClassGroup,
    period_code: str,
    rng: random.Random,
    *,
    struggling: float | None = None,
) -> int:
    """Fill every sheet of the class for the period; returns the number of cells written.

    By default every cell may be C (about 5 %, so many pupils end the year CHT). With
    ``struggling`` (a share, e.g. 0.06: the demo) only that share of pupils ever gets a C
    (a quarter of their cells), as in a real school; the others are T or H/Đ."""
    pupils = list(
        Enrolment.objects.filter(class_group=class_group, transfer_out_on__isnull=True)
        .order_by("student_id")
        .values_list("student_id", flat=True)
    )
    written = 0
    for key in sheet_keys(class_group.grade):
        cells = []
        for column in sheet_columns(key, class_group.grade, period_code):
            optional = column.kind == "subject" and key in ("tieng_dan_toc",)
            for student_id in pupils:
                if optional:
                    continue  # nobody in the demo studies the minority language
                table: tuple[tuple[str, float], ...] = (
                    SUBJECT_LEVELS if column.kind == "subject" else RATED_LEVELS
                )
                if struggling is not None:
                    if _struggles(student_id, struggling):
                        table = (*_without_c(table), ("C", 0.33))
                    else:
                        table = _without_c(table)
                level = _pick(rng, table)
                low, high = SCORE_BY_LEVEL[level if level in SCORE_BY_LEVEL else "H"]
                score = rng.randint(low, high) if column.tested else None
                comment = rng.choice(comments_for(column.kind, level)) if rng.random() < 0.6 else ""
                cells.append(CellInput(student_id, column.code, level, score, comment))
        if not cells:
            continue
        save_sheet(
            class_group.pk,
            period_code,
            key,
            cells,
            base_version=0,
            idempotency_key=uuid.UUID(int=rng.getrandbits(128)).hex,
            acting_user=SEED,
            source="seed",
        )
        written += len(cells)
    return written

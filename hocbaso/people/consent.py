"""Where a pupil's consent stands, per purpose of the register (`consent_texts`).

The latest row decides. A consent counts only for the register's current text version: a new
version has to be agreed again. For purposes that disclose a child's private-life information,
a child aged 7 or more must consent too (Law 91/2025/QH15; docs/privacy.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from hocbaso.people.consent_texts import (
    CONSENT_PURPOSES,
    PURPOSES_BY_CODE,
    ConsentPurpose,
    child_consent_needed,
)
from hocbaso.people.models import ConsentRecord, Student


@dataclass(frozen=True)
class ConsentState:
    purpose: ConsentPurpose
    parent: ConsentRecord | None  # the latest parent decision
    child: ConsentRecord | None  # the latest child decision
    child_needed: bool

    def _current(self, row: ConsentRecord | None) -> bool:
        return (
            row is not None
            and row.decision == ConsentRecord.Decision.GRANTED
            and row.text_version == self.purpose.current.version
        )

    @property
    def parent_granted(self) -> bool:
        return self._current(self.parent)

    @property
    def child_granted(self) -> bool:
        return self._current(self.child)

    @property
    def outdated(self) -> bool:
        """Granted for an older text: to be asked again."""
        return (
            self.parent is not None
            and self.parent.decision == ConsentRecord.Decision.GRANTED
            and self.parent.text_version != self.purpose.current.version
        )

    @property
    def effective(self) -> bool:
        return self.parent_granted and (self.child_granted or not self.child_needed)


def today() -> dt.date:
    return timezone.localdate()


def consent_state(
    student: Student, purpose_code: str, *, guardian_id: int | None = None
) -> ConsentState:
    """``guardian_id``: only that parent's decisions count (a channel to that parent's phone);
    otherwise the latest decision of any of the pupil's parents."""
    purpose = PURPOSES_BY_CODE[purpose_code]
    rows = ConsentRecord.objects.filter(student=student, purpose=purpose_code).order_by(
        "-created_at", "-pk"
    )
    parents = rows.filter(subject=ConsentRecord.Subject.PARENT)
    if guardian_id is not None:
        parents = parents.filter(guardian_id=guardian_id)
    return ConsentState(
        purpose=purpose,
        parent=parents.first(),
        child=rows.filter(subject=ConsentRecord.Subject.CHILD).first(),
        child_needed=child_consent_needed(purpose, student.birth_date, today()),
    )


def has_consent(student: Student, purpose_code: str, *, guardian_id: int | None = None) -> bool:
    return consent_state(student, purpose_code, guardian_id=guardian_id).effective


def consent_states_for(students: list[Student]) -> dict[int, list[ConsentState]]:
    """Every purpose's state (any parent's latest decision) for many pupils in one query,
    in the register's order."""
    latest: dict[tuple[int, str, str], ConsentRecord] = {}
    rows = ConsentRecord.objects.filter(student__in=students).order_by("created_at", "pk")
    for row in rows:
        latest[(row.student_id, row.purpose, row.subject)] = row
    day = today()
    return {
        s.pk: [
            ConsentState(
                purpose=p,
                parent=latest.get((s.pk, p.code, ConsentRecord.Subject.PARENT)),
                child=latest.get((s.pk, p.code, ConsentRecord.Subject.CHILD)),
                child_needed=child_consent_needed(p, s.birth_date, day),
            )
            for p in CONSENT_PURPOSES
        ]
        for s in students
    }

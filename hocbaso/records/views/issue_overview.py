"""What the issuance screens show: a class's pupils with their page and blockers, a school's
classes counted by D10 state, and a batch's failures. Read-only; the actions decide."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count
from django.utils.translation import gettext as _

from hocbaso.org.models import ClassGroup, School
from hocbaso.people.models import Enrolment, Student
from hocbaso.people.scope import scope_for
from hocbaso.records import signing_access as access
from hocbaso.records.batches import batch_progress
from hocbaso.records.issuance_log import (
    ISSUED_STATES,
    can_read_issued,
    can_read_log,
    no_signed_xml_reason,
)
from hocbaso.records.models import RecordFile, RecordPage, SigningBatch, SigningBatchItem
from hocbaso.records.readiness import issuance_blockers
from hocbaso.signing.models import KeyBackend, SigningCertificate, SigningKey

State = RecordPage.State
# The states shown as columns of the school page, in D10 order.
SHOWN_STATES = [
    State.DRAFT, State.VERIFIED, State.SIGNED_BY_HOMEROOM, State.SIGNED_BY_PRINCIPAL,
    State.SEALED, State.SUBMITTED,
]  # fmt: skip


@dataclass
class PupilRow:
    student: Student
    page: RecordPage | None
    blockers: list[str] = field(default_factory=list)
    # issued pages: whether the XAdES-signed XML exists, or why not
    has_signed_xml: bool = False
    no_signed_xml_reason: str = ""

    @property
    def state_label(self) -> str:
        if self.page is None:
            return _("Chưa lập bản chốt")
        return str(State(self.page.state).label)

    @property
    def issued(self) -> bool:
        return self.page is not None and self.page.state in ISSUED_STATES

    @property
    def ready(self) -> bool:
        """May be snapshotted now: no page yet and nothing blocks it."""
        return self.page is None and not self.blockers


@dataclass
class ClassOverview:
    rows: list[PupilRow]
    can_download: bool
    can_read_log: bool

    def count(self, state: str) -> int:
        return sum(1 for r in self.rows if r.page is not None and r.page.state == state)

    @property
    def ready(self) -> list[PupilRow]:
        return [r for r in self.rows if r.ready]

    @property
    def drafts(self) -> int:
        return self.count(State.DRAFT)

    @property
    def verified(self) -> int:
        return self.count(State.VERIFIED)


def latest_pages(class_group: ClassGroup) -> dict[int, RecordPage]:
    """Each pupil's latest page version in ``class_group`` that is not superseded."""
    latest: dict[int, RecordPage] = {}
    rows = RecordPage.objects.filter(class_group=class_group).exclude(state=State.SUPERSEDED)
    for page in rows.order_by("student_id", "version"):
        latest[page.student_id] = page
    return latest


def class_overview(class_group: ClassGroup, user: Any) -> ClassOverview:
    pages = latest_pages(class_group)
    enrolments = (
        Enrolment.objects.filter(class_group=class_group, transfer_out_on__isnull=True)
        .select_related("student")
        .order_by("student__full_name", "student__pk")
    )
    rows = []
    for enrolment in enrolments:
        page = pages.get(enrolment.student_id)
        row = PupilRow(enrolment.student, page)
        if page is None or page.state == State.DRAFT:
            row.blockers = issuance_blockers(enrolment.student, class_group)
        rows.append(row)
    _signed_xml_status([r for r in rows if r.issued])
    return ClassOverview(
        rows=rows,
        can_download=can_read_issued(user, class_group),
        can_read_log=can_read_log(user, class_group),
    )


def _signed_xml_status(issued: list[PupilRow]) -> None:
    """Whether each issued page has its XAdES-signed XML, or the reason its seal recorded."""
    files: dict[tuple[int, str], RecordFile] = {
        (f.page_id, f.step): f
        for f in RecordFile.objects.filter(
            page_id__in=[r.page.pk for r in issued if r.page is not None],
            step__in=(RecordFile.Step.SEAL, RecordFile.Step.SEAL_XML),
        )
    }
    for row in issued:
        assert row.page is not None
        row.has_signed_xml = (row.page.pk, RecordFile.Step.SEAL_XML) in files
        sealed = files.get((row.page.pk, RecordFile.Step.SEAL))
        if not row.has_signed_xml and sealed is not None:
            row.no_signed_xml_reason = no_signed_xml_reason(sealed)


def can_view_class(user: Any, class_group: ClassGroup) -> bool:
    """The class page: its homeroom teacher and the school's management."""
    if access.is_homeroom_teacher(user, class_group):
        return True
    return class_group.school_id in scope_for(user).managed_school_ids


@dataclass
class ClassCounts:
    class_group: ClassGroup
    pupils: int
    by_state: list[int]


def school_counts(school: School) -> list[ClassCounts]:
    """Per class of the school: current pupils and current page versions by state."""
    counts: Counter[tuple[int, str]] = Counter()
    pages = RecordPage.objects.filter(class_group__school=school).exclude(state=State.SUPERSEDED)
    for row in pages.values("class_group_id", "state").annotate(n=Count("pk")):
        counts[(row["class_group_id"], row["state"])] = row["n"]
    pupils = dict(
        Enrolment.objects.filter(class_group__school=school, transfer_out_on__isnull=True)
        .values("class_group_id")
        .annotate(n=Count("pk"))
        .values_list("class_group_id", "n")
    )
    classes = ClassGroup.objects.filter(school=school).select_related("school_year")
    return [
        ClassCounts(c, pupils.get(c.pk, 0), [counts[(c.pk, s)] for s in SHOWN_STATES])
        for c in classes.order_by("-school_year__starts_on", "grade", "name")
    ]


def any_class(school: School) -> ClassGroup:
    """A class of the school to ask `signing_access` about school-wide steps (the principal's
    and the seal's titles depend on the school only)."""
    found = ClassGroup.objects.filter(school=school).select_related("school").first()
    return found if found is not None else ClassGroup(school=school, name="")


def school_titles(user: Any, role: str, school: School) -> list[str]:
    return access.allowed_titles(user, role, any_class(school))


def failures(batch: SigningBatch) -> list[SigningBatchItem]:
    return list(
        batch.items.filter(status=SigningBatchItem.Status.FAILED)
        .select_related("page__student")
        .order_by("pk")
    )


def batch_classes(batch: SigningBatch) -> list[ClassGroup]:
    ids = batch.items.values_list("page__class_group_id", flat=True).distinct()
    return list(ClassGroup.objects.filter(pk__in=list(ids)).order_by("grade", "name"))


def batch_status(batch: SigningBatch) -> dict[str, Any]:
    """The batch's status and counts, with what the progress bar shows."""
    data = batch_progress(batch.pk)
    handled = data["done"] + data["failed"] + data["skipped"]
    return {
        **data,
        "handled": handled,
        "percent": round(100 * handled / data["total"]) if data["total"] else 100,
        "finished": data["status"] in (SigningBatch.Status.FINISHED, SigningBatch.Status.FAILED),
        "status_label": str(SigningBatch.Status(data["status"]).label),
    }


def key_is_remote(row: SigningCertificate | None) -> bool:
    """The certificate's key signs through the two-phase remote flow (no PIN here: the signer
    approves the batch on their agent or at the signing service)."""
    if row is None:
        return False
    return SigningKey.objects.filter(certificate=row, backend=KeyBackend.REMOTE).exists()

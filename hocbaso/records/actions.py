"""Actions on year pages of the học bạ. Each checks access, runs in one transaction and writes
its audit event in that transaction.

`RecordPage` rows are never edited except their `state` (D10): `create_snapshot` marks the
page's previous draft superseded when it stores a new draft version. Signing
(`signing_chain`) moves a version along draft → verified → signed_by_homeroom →
signed_by_principal → sealed; the Kho's acknowledgement then moves it to submitted
(`submission.mark_submitted`). A version already signed is never superseded here.

After issue (a version sealed or submitted), a new version is a correction (spec §7.6): it
carries the biên bản of the approved correction request (`correction_bien_ban`), and is refused
without one. The issued version stays current until the new one is sealed
(`supersede.supersede_older_versions`).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from hocbaso.assessment.models import BienBan, CorrectionRequest
from hocbaso.audit.actors import SystemActor
from hocbaso.audit.log import log
from hocbaso.org.models import ClassGroup
from hocbaso.people import access
from hocbaso.people.errors import ActionError
from hocbaso.people.models import Enrolment, HomeroomAssignment, Student
from hocbaso.people.scope import scope_for
from hocbaso.records.models import RecordPage
from hocbaso.records.readiness import issuance_blockers
from hocbaso.records.snapshot import build_snapshot, record_code_for
from hocbaso.records.xml_record import sha256_of, to_xml, validate_xml

RESNAPSHOT_REASON = "Lập lại bản chốt"
VOIDED_BEFORE_ISSUE_REASON = (
    "Dữ liệu được chốt lại trước khi phát hành: các chữ kí của phiên bản này hết hiệu lực "
    "(giữ làm bằng chứng)"
)
IN_PROGRESS_STATES = (
    RecordPage.State.VERIFIED,
    RecordPage.State.SIGNED_BY_HOMEROOM,
    RecordPage.State.SIGNED_BY_PRINCIPAL,
)
ISSUED_STATES = (RecordPage.State.SEALED, RecordPage.State.SUBMITTED)
SIGNED_BIEN_BAN = (BienBan.Signing.COMPLETE, BienBan.Signing.PAPER)


def correction_bien_ban(
    student: Student, class_group: ClassGroup, issued: RecordPage
) -> BienBan | None:
    """The biên bản of the latest correction approved for ``student`` in ``class_group``
    after ``issued`` was created (the signed one when there is one)."""
    request = (
        CorrectionRequest.objects.filter(
            status=CorrectionRequest.Status.APPROVED,
            sheet__class_group=class_group,
            cells__student=student,
            cells__approved=True,
            decided_at__gte=issued.created_at,
        )
        .order_by("-decided_at", "-pk")
        .first()
    )
    if request is None:
        return None
    rows = BienBan.objects.filter(request=request).order_by("-created_at", "-pk")
    return rows.filter(signing__in=SIGNED_BIEN_BAN).first() or rows.first()


def _bien_ban_for(
    code: str, student: Student, class_group: ClassGroup, bien_ban_id: int | None
) -> BienBan | None:
    issued = (
        RecordPage.objects.filter(record_code=code, state__in=ISSUED_STATES)
        .order_by("-version")
        .first()
    )
    if issued is None:
        return None
    if bien_ban_id is not None:
        found = BienBan.objects.filter(
            pk=bien_ban_id,
            request__status=CorrectionRequest.Status.APPROVED,
            request__sheet__class_group=class_group,
        ).first()
    else:
        found = correction_bien_ban(student, class_group, issued)
    if found is None:
        raise ActionError(
            "Trang học bạ này đã phát hành: chỉ lập phiên bản mới theo một đề nghị sửa đã được "
            "Hiệu trưởng duyệt, có biên bản."
        )
    return found


def can_snapshot(user: Any, class_group: ClassGroup) -> bool:
    """The class's homeroom teacher, or the principal or a vice-principal of its school."""
    if isinstance(user, SystemActor):
        return True
    scope = scope_for(user)
    if class_group.school_id in scope.principal_school_ids:
        return True
    if class_group.school_id in scope.vice_principal_school_ids:
        return True
    return HomeroomAssignment.objects.active().filter(user=user, class_group=class_group).exists()


def _page_for(actor: Any, student_id: int, class_id: int) -> tuple[Student, ClassGroup]:
    """The pupil and class, or 404 when either is hidden from ``actor`` or the pupil is not in
    the class; 403 when visible but ``actor`` may not snapshot the page."""
    if isinstance(actor, SystemActor):
        class_group = ClassGroup.objects.filter(pk=class_id).first()
        student = Student.objects.filter(pk=student_id).first()
        if class_group is None or student is None:
            raise Http404
    else:
        class_group = access.access_class_for_user(actor, class_id)
        student = access.access_student_for_user(actor, student_id)
    in_class = Enrolment.objects.filter(
        student=student, class_group=class_group, transfer_out_on__isnull=True
    ).exists()
    if not in_class:
        raise Http404
    if not can_snapshot(actor, class_group):
        raise PermissionDenied
    return student, class_group


@transaction.atomic
def create_snapshot(
    student_id: int, class_id: int, *, acting_user: Any, bien_ban_id: int | None = None
) -> RecordPage:
    """Freeze the pupil's year page as a new draft version (XML, validated, with its hash).

    Refused (ActionError, every reason listed) while `issuance_blockers` has any. The page's
    previous version, when still a draft, is marked superseded ("Lập lại bản chốt"); when
    verified or partly signed, too (D10: the chain restarts, the old signatures no longer
    count, its files are kept as evidence). An issued version stays current until the new one
    is sealed; after issue the new version carries the approved correction's biên bản
    (``bien_ban_id``, or found by `correction_bien_ban`).
    """
    student, class_group = _page_for(acting_user, student_id, class_id)
    blockers = issuance_blockers(student, class_group)
    if blockers:
        raise ActionError(blockers)
    code = record_code_for(student, class_group)
    # Serialise concurrent snapshots of one pupil: the version number is taken under this lock.
    Student.objects.select_for_update().filter(pk=student.pk).first()
    previous = RecordPage.objects.filter(record_code=code).order_by("-version").first()
    version = previous.version + 1 if previous else 1
    bien_ban = _bien_ban_for(code, student, class_group, bien_ban_id)
    snapshot = build_snapshot(student, class_group, on=timezone.localdate(), version=version)
    data = to_xml(snapshot)
    validate_xml(data)
    digest = sha256_of(data)
    voided = ""
    if previous is not None and previous.state in (RecordPage.State.DRAFT, *IN_PROGRESS_STATES):
        # D10: any change before sealing returns the page to draft; the unfinished version's
        # signatures no longer count, its files stay as evidence.
        voided = previous.state
        reason = (
            RESNAPSHOT_REASON if voided == RecordPage.State.DRAFT else VOIDED_BEFORE_ISSUE_REASON
        )
        RecordPage.objects.filter(pk=previous.pk).update(
            state=RecordPage.State.SUPERSEDED, superseded_reason=reason
        )
    page = RecordPage.objects.create(
        record_code=code,
        student=student,
        class_group=class_group,
        version=version,
        state=RecordPage.State.DRAFT,
        xml=data,
        sha256=digest,
        created_by=None if isinstance(acting_user, SystemActor) else acting_user,
        supersedes=previous,
        bien_ban=bien_ban,
    )
    new: dict[str, Any] = {
        "record_code": code,
        "version": version,
        "sha256": digest,
        "state": page.state,
        "supersedes": previous.version if previous is not None else None,
    }
    if voided and voided != RecordPage.State.DRAFT:
        new["voided_state"] = voided
    if bien_ban is not None:
        new["bien_ban"] = bien_ban.pk
    log(
        "record.snapshot_created",
        actor=acting_user,
        subject=page,
        school_id=class_group.school_id,
        data={"new": new},
        bien_ban_id=str(bien_ban.pk) if bien_ban is not None else "",
    )
    return page

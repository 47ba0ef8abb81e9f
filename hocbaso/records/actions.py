"""Actions on year pages of the học bạ. Each checks access, runs in one transaction and writes
its audit event in that transaction.

`RecordPage` rows are never edited except their `state` (D10): `create_snapshot` marks the
page's previous draft superseded when it stores a new draft version. Signing (issue 5, later)
moves a version along draft → verified → signed_by_homeroom → signed_by_principal → sealed →
submitted; a version already signed is never superseded here.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.utils import timezone

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
def create_snapshot(student_id: int, class_id: int, *, acting_user: Any) -> RecordPage:
    """Freeze the pupil's year page as a new draft version (XML, validated, with its hash).

    Refused (ActionError, every reason listed) while `issuance_blockers` has any. The page's
    previous version, when still a draft, is marked superseded ("Lập lại bản chốt"); a
    version already verified or signed stays as it is.
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
    snapshot = build_snapshot(student, class_group, on=timezone.localdate(), version=version)
    data = to_xml(snapshot)
    validate_xml(data)
    digest = sha256_of(data)
    if previous is not None and previous.state == RecordPage.State.DRAFT:
        RecordPage.objects.filter(pk=previous.pk).update(
            state=RecordPage.State.SUPERSEDED, superseded_reason=RESNAPSHOT_REASON
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
    )
    log(
        "record.snapshot_created",
        actor=acting_user,
        subject=page,
        school_id=class_group.school_id,
        data={
            "new": {
                "record_code": code,
                "version": version,
                "sha256": digest,
                "state": page.state,
                "supersedes": previous.version if previous is not None else None,
            }
        },
    )
    return page

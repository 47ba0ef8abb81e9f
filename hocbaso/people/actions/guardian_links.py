"""Linking parents' accounts to pupils (issue 6): invitation codes for a class, redeeming a
code, unlinking (parents' self-registration: `registration.py`). Rules and code format:
`people/guardian_links.py`.

`redeem_invitation` writes the failed attempt outside the refused link's transaction (the
attempt must be kept even though nothing else changes): the attempt counter is what stops a
parent, or a script, from trying codes until one fits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hocbaso.audit import context
from hocbaso.audit.actors import SystemActor
from hocbaso.audit.log import log
from hocbaso.org.models import ClassGroup
from hocbaso.people import access
from hocbaso.people import guardian_links as rules
from hocbaso.people.errors import ActionError
from hocbaso.people.models import (
    Enrolment,
    Guardian,
    GuardianInvitation,
    LinkAttempt,
    Student,
)
from hocbaso.people.scope import scope_for


class LinkLocked(ActionError):
    """Too many failed attempts from this account or this address."""


@dataclass(frozen=True)
class IssuedCode:
    """A code as printed in the letter: shown once, never stored in clear."""

    student: Student
    code: str
    expires_at: dt.datetime

    @property
    def grouped(self) -> str:
        return rules.grouped(self.code)


def can_issue_invitations(user: Any, class_id: int) -> bool:
    """The class's homeroom teacher and the school's management."""
    if isinstance(user, SystemActor):
        return True
    scope = scope_for(user)
    if class_id in scope.homeroom_class_ids:
        return True
    school_id = (
        access.classes_visible_to(user).filter(pk=class_id).values_list("school_id", flat=True)
    )
    return any(s in scope.managed_school_ids for s in school_id)


@transaction.atomic
def create_class_invitations(class_id: int, *, acting_user: Any) -> list[IssuedCode]:
    """A new code for every pupil now in the class; the pupils' older unused codes are revoked.
    404 when the class is hidden, 403 when visible but not the user's to manage."""
    if isinstance(acting_user, SystemActor):
        class_group = ClassGroup.objects.select_related("school").get(pk=class_id)
    else:
        class_group = access.access_class_for_user(acting_user, class_id)
    if not can_issue_invitations(acting_user, class_group.pk):
        raise PermissionDenied
    now = timezone.now()
    pupils = [
        e.student
        for e in Enrolment.objects.filter(class_group=class_group, transfer_out_on__isnull=True)
        .select_related("student")
        .order_by("student__full_name", "student__pk")
    ]
    if not pupils:
        raise ActionError(_("Lớp chưa có học sinh nào."))
    user = None if isinstance(acting_user, SystemActor) else acting_user
    revoked = GuardianInvitation.objects.filter(
        student__in=pupils, used_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now, revoked_by=user)
    expires = now + rules.INVITATION_TTL
    issued = [IssuedCode(p, rules.new_code(), expires) for p in pupils]
    GuardianInvitation.objects.bulk_create(
        GuardianInvitation(
            student=i.student,
            code_hash=rules.code_hash(i.code),
            created_by=user,
            created_at=now,
            expires_at=expires,
        )
        for i in issued
    )
    log(
        "guardian.invitations_created",
        actor=acting_user,
        subject=class_group,
        school_id=class_group.school_id,
        data={"new": {"class": class_group.pk, "codes": len(issued), "revoked": revoked}},
    )
    return issued


def record_attempt(user: Any, *, succeeded: bool, method: str) -> None:
    LinkAttempt.objects.create(
        user=user,
        ip=context.current().ip,
        method=method,
        succeeded=succeeded,
        created_at=timezone.now(),
    )


def refuse_if_locked(user: Any) -> None:
    if rules.locked_out(user_id=user.pk, ip=context.current().ip):
        minutes = int(rules.FAILURE_WINDOW.total_seconds() // 60)
        raise LinkLocked(
            _(
                "Bạn đã nhập sai quá nhiều lần. Vì an toàn, chức năng liên kết tạm khóa; "
                "hãy thử lại sau %(minutes)d phút hoặc liên hệ giáo viên chủ nhiệm."
            )
            % {"minutes": minutes}
        )


MSG_BAD_CODE = (
    "Mã mời không đúng, đã dùng hoặc đã hết hạn. Hãy kiểm tra lại thư mời của nhà trường."
)


def link_row(guardian: Guardian, user: Any, method: str, now: dt.datetime) -> Guardian:
    guardian.user = user
    guardian.linked_at = now
    guardian.link_method = method
    guardian.unlinked_at = None
    guardian.save(update_fields=["user", "linked_at", "link_method", "unlinked_at"])
    log(
        "guardian.account_linked",
        actor=user,
        subject=guardian.student,
        school_id=guardian.student.school_id,
        data={
            "new": {
                "guardian": guardian.pk,
                "relation": guardian.relation,
                "user": user.pk,
                "method": method,
            }
        },
    )
    return guardian


def guardian_for(student: Student, user: Any, relation: str) -> Guardian:
    """The pupil's guardian row this account becomes: its row of that relation when free,
    else a new row with the account's name and phone (locked FOR UPDATE)."""
    rows = list(
        Guardian.objects.select_for_update()
        .filter(student=student, relation=relation)
        .select_related("student")
        .order_by("pk")
    )
    for row in rows:
        if row.user_id is None or row.unlinked_at is not None:
            return row
    if any(r.user_id == user.pk and r.unlinked_at is None for r in rows):
        raise ActionError(_("Tài khoản của bạn đã được liên kết với học sinh này."))
    return Guardian.objects.create(
        student=student,
        relation=relation,
        full_name=user.full_name or user.username,
        phone=user.phone,
    )


def _check_relation(relation: str) -> None:
    if relation not in Guardian.Relation.values:
        raise ActionError(
            _("Hãy chọn bạn là cha, mẹ hay người giám hộ của học sinh."),
            {"relation": [_("Chọn quan hệ với học sinh.")]},
        )


@transaction.atomic
def _redeem(code: str, relation: str, user: Any) -> Guardian:
    now = timezone.now()
    invitation = (
        GuardianInvitation.objects.select_for_update()
        .select_related("student__school")
        .filter(code_hash=rules.code_hash(code))
        .first()
    )
    usable = (
        invitation is not None
        and invitation.used_at is None
        and invitation.revoked_at is None
        and invitation.expires_at > now
    )
    if invitation is None or not usable:
        raise _BadCode
    student = invitation.student
    if Guardian.objects.filter(student=student, user=user, unlinked_at__isnull=True).exists():
        raise ActionError(_("Tài khoản của bạn đã được liên kết với học sinh này."))
    guardian = link_row(guardian_for(student, user, relation), user, "code", now)
    invitation.used_at = now
    invitation.used_by = user
    invitation.save(update_fields=["used_at", "used_by"])
    record_attempt(user, succeeded=True, method=LinkAttempt.Method.CODE)
    return guardian


class _BadCode(Exception):
    pass


def redeem_invitation(raw_code: str, *, relation: str, acting_user: Any) -> Guardian:
    """Link ``acting_user``'s account to the pupil of the code (single use). A wrong, used,
    revoked or expired code gives one Vietnamese message (which of these is not told) and
    counts as a failed attempt; past the limits every attempt is refused (`LinkLocked`)."""
    if not getattr(acting_user, "is_authenticated", False):
        raise PermissionDenied
    refuse_if_locked(acting_user)
    _check_relation(relation)
    code = rules.normalise(raw_code)
    try:
        if code is None:
            raise _BadCode
        return _redeem(code, relation, acting_user)
    except _BadCode:
        with transaction.atomic():
            record_attempt(acting_user, succeeded=False, method=LinkAttempt.Method.CODE)
            if rules.locked_out(user_id=acting_user.pk, ip=context.current().ip):
                log(
                    "guardian.link_refused",
                    actor=acting_user,
                    subject=acting_user,
                    data={"new": {"method": "code"}},
                )
        raise ActionError(_(MSG_BAD_CODE), {"code": [_(MSG_BAD_CODE)]}) from None


@transaction.atomic
def unlink_guardian(guardian_id: int, *, acting_user: Any) -> Guardian:
    """End a parent's access to a pupil (the school's management or the parent themself).
    The row keeps the account for the record; ``unlinked_at`` ends the access."""
    guardian = (
        Guardian.objects.select_for_update()
        .select_related("student__school")
        .filter(pk=guardian_id, user__isnull=False, unlinked_at__isnull=True)
        .first()
    )
    if guardian is None:
        raise ActionError(_("Không tìm thấy liên kết."))
    own = guardian.user_id == getattr(acting_user, "pk", None)
    if not own and not access.can_manage_school(acting_user, guardian.student.school):
        raise PermissionDenied
    guardian.unlinked_at = timezone.now()
    guardian.save(update_fields=["unlinked_at"])
    log(
        "guardian.unlinked",
        actor=acting_user,
        subject=guardian.student,
        school_id=guardian.student.school_id,
        data={"old": {"guardian": guardian.pk, "user": guardian.user_id}},
    )
    return guardian

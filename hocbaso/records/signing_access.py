"""Who may move a year page along the D8 signing chain, and with which title.

* **verify** (draft → verified): the class's homeroom teacher or the school's principal.
* **homeroom** signature: the class's current homeroom teacher, title "Giáo viên chủ nhiệm".
* **principal** signature: the school's principal ("Hiệu trưởng"), or a vice-principal of the
  school signing on the principal's behalf. Rule (D8 "authorised vice-principal"): the
  authorisation is the vice-principal's active role at the school, which only the principal and
  the Sở assign; the signature then records the title "KT. Hiệu trưởng – Phó hiệu trưởng"
  (the administrative "kí thay" form), in the CMS signer attributes, the /Reason, the
  `RecordFile.title` and the audit event. A narrower register of named authorisations can
  replace `_vice_principal` later without changing callers.
* **seal**: the principal or the school admin applies the school's seal certificate; the title
  is the school's name.
"""

from __future__ import annotations

from typing import Any

from hocbaso.org.models import ClassGroup, School
from hocbaso.people.errors import ActionError
from hocbaso.people.models import HomeroomAssignment, Role, StaffRole

HOMEROOM = "homeroom"
PRINCIPAL = "principal"
SEAL = "seal"
ROLES = (HOMEROOM, PRINCIPAL, SEAL)

HOMEROOM_TITLE = "Giáo viên chủ nhiệm"
PRINCIPAL_TITLE = "Hiệu trưởng"
VICE_PRINCIPAL_TITLE = "KT. Hiệu trưởng – Phó hiệu trưởng"


def _holds(user: Any, school_id: int, *roles: str) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return (
        StaffRole.objects.active().filter(user=user, school_id=school_id, role__in=roles).exists()
    )


def is_homeroom_teacher(user: Any, class_group: ClassGroup) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return HomeroomAssignment.objects.active().filter(user=user, class_group=class_group).exists()


def can_verify(user: Any, class_group: ClassGroup) -> bool:
    return is_homeroom_teacher(user, class_group) or _holds(
        user, class_group.school_id, Role.PRINCIPAL
    )


def _vice_principal(user: Any, school_id: int) -> bool:
    return _holds(user, school_id, Role.VICE_PRINCIPAL)


def allowed_titles(user: Any, role: str, class_group: ClassGroup) -> list[str]:
    """The titles ``user`` may sign ``role`` with on a page of ``class_group`` (empty: none)."""
    school_id = class_group.school_id
    if role == HOMEROOM:
        return [HOMEROOM_TITLE] if is_homeroom_teacher(user, class_group) else []
    if role == PRINCIPAL:
        if _holds(user, school_id, Role.PRINCIPAL):
            return [PRINCIPAL_TITLE]
        return [VICE_PRINCIPAL_TITLE] if _vice_principal(user, school_id) else []
    if role == SEAL:
        if _holds(user, school_id, Role.PRINCIPAL, Role.SCHOOL_ADMIN):
            return [seal_title(class_group.school)]
        return []
    raise ValueError(f"unknown signing role {role!r}")


def seal_title(school: School) -> str:
    return school.name


def signer_title(user: Any, role: str, class_group: ClassGroup, title: str | None = None) -> str:
    """The title ``user`` signs ``role`` with, or ActionError (Vietnamese) when they may not."""
    titles = allowed_titles(user, role, class_group)
    if not titles:
        raise ActionError(_REFUSALS[role].format(name=class_group.name))
    if title is None or not title.strip():
        return titles[0]
    if title.strip() not in titles:
        raise ActionError(f"Chức danh «{title}» không đúng với vai trò của bạn.")
    return title.strip()


_REFUSALS = {
    HOMEROOM: "Chỉ giáo viên chủ nhiệm hiện tại của lớp {name} mới được kí bước này.",
    PRINCIPAL: "Chỉ Hiệu trưởng, hoặc Phó hiệu trưởng kí thay, mới được kí bước này.",
    SEAL: "Chỉ Hiệu trưởng hoặc quản trị nhà trường mới được đóng dấu của trường.",
}

"""The identity-page fields of a pupil: label, whether required, whether it must be verified.

One table drives the edit form, the import, the completeness board and the verification
screen, so that they never disagree about what "complete" means.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise


@dataclass(frozen=True)
class ProfileField:
    name: str
    label: StrPromise
    verifiable: bool
    # True when "không" is the explicit value for "does not apply" (e.g. no father recorded).
    allows_not_applicable: bool = False


PROFILE_FIELDS: tuple[ProfileField, ...] = (
    ProfileField("full_name", _("Họ và tên"), verifiable=True),
    ProfileField("gender", _("Giới tính"), verifiable=True),
    ProfileField("birth_date", _("Ngày sinh"), verifiable=True),
    ProfileField("ethnicity", _("Dân tộc"), verifiable=True),
    ProfileField("nationality", _("Quốc tịch"), verifiable=True),
    ProfileField("birth_place", _("Nơi sinh"), verifiable=True),
    ProfileField("hometown", _("Quê quán"), verifiable=True),
    ProfileField("current_address", _("Nơi ở hiện nay"), verifiable=False),
    ProfileField("father_name", _("Họ tên cha"), verifiable=True, allows_not_applicable=True),
    ProfileField("mother_name", _("Họ tên mẹ"), verifiable=True, allows_not_applicable=True),
    ProfileField("guardian_name", _("Người giám hộ"), verifiable=False, allows_not_applicable=True),
    ProfileField(
        "policy_group", _("Đối tượng chính sách"), verifiable=False, allows_not_applicable=True
    ),
    ProfileField("personal_id", _("Số định danh cá nhân"), verifiable=True),
)

FIELDS_BY_NAME = {f.name: f for f in PROFILE_FIELDS}
VERIFIABLE_FIELDS = tuple(f.name for f in PROFILE_FIELDS if f.verifiable)
EDITABLE_FIELDS = tuple(f.name for f in PROFILE_FIELDS)

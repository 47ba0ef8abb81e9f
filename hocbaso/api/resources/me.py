"""/me: who the token belongs to and what they are (a parent, a staff member)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from hocbaso.api.errors import AUTHENTICATED
from hocbaso.people.scope import scope_for

router = Router(tags=["Tài khoản"])


class MeOut(Schema):
    username: str
    full_name: str
    is_parent: bool = Field(..., description="Là cha mẹ/người giám hộ của ít nhất một học sinh.")
    is_staff_member: bool = Field(..., description="Có vai trò cán bộ, giáo viên.")


@router.get(
    "/me",
    response={200: MeOut, **AUTHENTICATED},
    summary="Tài khoản của tôi",
    operation_id="get_me",
)
def get_me(request: HttpRequest) -> dict[str, Any]:
    user: Any = request.user
    scope = scope_for(user)
    return {
        "username": user.get_username(),
        "full_name": user.full_name,
        "is_parent": scope.is_parent,
        "is_staff_member": scope.is_staff_member,
    }

"""/auth: obtain a token with a username and password, list and revoke one's own tokens."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from hocbaso.api import actions, tokens
from hocbaso.api.errors import AUTHENTICATED, NOT_FOUND, ErrorOut, ValidationErrorOut
from hocbaso.api.models import ApiToken
from hocbaso.api.pagination import Page, PageParams, page_of
from hocbaso.api.resources.ids import NO_NUL, Id
from hocbaso.api.token_login import password_login, prove_second_factor

router = Router(tags=["Xác thực"])


class TokenRequest(Schema):
    username: str = Field(..., min_length=1, max_length=150, pattern=NO_NUL)
    password: str = Field(..., min_length=1, max_length=256, pattern=NO_NUL)
    name: str = Field(
        "Ứng dụng di động",
        min_length=1,
        max_length=100,
        pattern=NO_NUL,
        description="Tên thiết bị hoặc ứng dụng, để nhận ra mã trong danh sách.",
    )
    otp: str | None = Field(
        None,
        min_length=1,
        max_length=64,
        pattern=NO_NUL,
        description=(
            "Mã xác thực hai bước: mã 6 chữ số đang hiện trên ứng dụng xác thực, hoặc một mã "
            "khôi phục chưa dùng. Bắt buộc với tài khoản đã đăng kí xác thực hai bước."
        ),
    )
    lifetime_days: int = Field(
        tokens.MAX_LIFETIME_DAYS, ge=1, le=tokens.MAX_LIFETIME_DAYS, description="Số ngày hiệu lực."
    )


class TokenOut(Schema):
    id: int
    name: str
    prefix: str = Field(..., description="Các kí tự đầu của mã, để nhận ra mã.")
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    current: bool = Field(..., description="Mã đang dùng cho yêu cầu này.")


class IssuedTokenOut(Schema):
    token: str = Field(..., description="Mã truy cập: chỉ hiển thị một lần, hãy lưu an toàn.")
    token_type: str = "Bearer"  # noqa: S105 -- the scheme's name, not a secret
    id: int
    name: str
    prefix: str
    expires_at: dt.datetime


def _token_out(token: ApiToken, current: ApiToken | None) -> dict[str, Any]:
    return {
        "id": token.pk,
        "name": token.name,
        "prefix": token.prefix,
        "created_at": token.created_at,
        "last_used_at": token.last_used_at,
        "expires_at": token.expires_at,
        "revoked_at": token.revoked_at,
        "current": current is not None and token.pk == current.pk,
    }


@router.post(
    "/token",
    auth=None,
    response={
        201: IssuedTokenOut,
        400: ErrorOut,
        401: ErrorOut,
        403: ErrorOut,
        409: ErrorOut,
        422: ValidationErrorOut,
    },
    summary="Lấy mã truy cập bằng tên đăng nhập, mật khẩu và (khi cần) mã xác thực hai bước",
    operation_id="create_token",
)
def create_token(request: HttpRequest, body: TokenRequest) -> Status[dict[str, Any]]:
    # The web login's checks (api/token_login.py): brute-force limits, password, second factor.
    user = password_login(request, body.username, body.password)
    prove_second_factor(request, user, body.otp)
    issued = actions.issue_token(name=body.name, lifetime_days=body.lifetime_days, acting_user=user)
    token = issued.token
    return Status(
        201,
        {
            "token": issued.secret,
            "token_type": "Bearer",
            "id": token.pk,
            "name": token.name,
            "prefix": token.prefix,
            "expires_at": token.expires_at,
        },
    )


@router.delete(
    "/token",
    response={204: None, **AUTHENTICATED},
    summary="Thu hồi mã truy cập đang dùng (đăng xuất)",
    operation_id="revoke_current_token",
)
def revoke_current_token(request: HttpRequest) -> Status[None]:
    current: ApiToken = request.auth  # type: ignore[attr-defined]
    actions.revoke_token(current.pk, acting_user=request.user)
    return Status(204, None)


@router.get(
    "/tokens",
    response={200: Page[TokenOut], **AUTHENTICATED},
    summary="Các mã truy cập của tôi",
    operation_id="list_tokens",
)
def list_tokens(request: HttpRequest, params: Query[PageParams]) -> dict[str, Any]:
    current: ApiToken = request.auth  # type: ignore[attr-defined]
    page = page_of(ApiToken.objects.filter(user=current.user), params)
    page["items"] = [_token_out(t, current) for t in page["items"]]
    return page


@router.delete(
    "/tokens/{token_id}",
    response={204: None, **AUTHENTICATED, **NOT_FOUND},
    summary="Thu hồi một mã truy cập của tôi",
    operation_id="revoke_token",
)
def revoke_token(request: HttpRequest, token_id: Id) -> Status[None]:
    actions.revoke_token(token_id, acting_user=request.user)
    return Status(204, None)

"""Error bodies of /api/v1: always ``{"detail": "<Vietnamese message>", "code": "<code>"}``
(422 adds the invalid fields), never a traceback.

A hidden object answers exactly like a missing one: every Http404 becomes the same bytes, so a
client cannot tell "not yours" from "does not exist".
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from hocbaso.people.errors import ActionError

logger = logging.getLogger(__name__)


class ErrorOut(Schema):
    detail: str
    code: str


class FieldErrorOut(Schema):
    field: str
    message: str


class ValidationErrorOut(ErrorOut):
    errors: list[FieldErrorOut]


class ApiRefusal(Exception):
    """A refusal the API itself decides (not an action's): status, code, Vietnamese message."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        self.status, self.code, self.detail = status, code, detail
        super().__init__(detail)


# The error responses an operation may declare (merged into its `response=` mapping).
NOT_FOUND: dict[int, Any] = {404: ErrorOut}
AUTHENTICATED: dict[int, Any] = {401: ErrorOut, 422: ValidationErrorOut}
WRITE: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 409: ErrorOut}


def _body(detail: str, code: str) -> dict[str, Any]:
    return {"detail": detail, "code": code}


def not_found_body() -> dict[str, Any]:
    return _body(_("Không tìm thấy."), "not_found")


def _field_message(error: dict[str, Any]) -> str:
    """A Vietnamese message for one pydantic error (its English text is not shown)."""
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("Thiếu giá trị bắt buộc.")
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return _("Phải là một số nguyên.")
    if kind in ("greater_than_equal", "greater_than"):
        return _("Giá trị nhỏ hơn mức cho phép (%(limit)s).") % {
            "limit": ctx.get("ge", ctx.get("gt"))
        }
    if kind in ("less_than_equal", "less_than"):
        return _("Giá trị lớn hơn mức cho phép (%(limit)s).") % {
            "limit": ctx.get("le", ctx.get("lt"))
        }
    if kind == "string_too_long":
        return _("Quá dài (tối đa %(n)s kí tự).") % {"n": ctx.get("max_length")}
    if kind == "string_too_short":
        return _("Quá ngắn (tối thiểu %(n)s kí tự).") % {"n": ctx.get("min_length")}
    if kind in ("string_type", "str_type"):
        return _("Phải là một chuỗi kí tự.")
    if kind in ("json_invalid", "model_attributes_type", "dict_type", "model_type"):
        return _("Nội dung gửi lên không phải JSON hợp lệ.")
    if kind == "string_pattern_mismatch":
        return _("Chứa kí tự không hợp lệ.")
    if kind in ("enum", "literal_error"):
        return _("Giá trị không nằm trong danh sách cho phép.")
    return _("Giá trị không hợp lệ.")


def _field_name(error: dict[str, Any]) -> str:
    """``query.limit``, ``path.child_id``, ``body.field`` (django-ninja also names the body
    parameter itself, ``body.body.field``: that part is dropped)."""
    loc = [str(part) for part in error.get("loc", ())]
    if len(loc) > 2 and loc[0] == "body":
        del loc[1]
    return ".".join(loc)


def install(api: NinjaAPI) -> None:
    """Replace django-ninja's default handlers (English, and a traceback under DEBUG)."""

    def respond(request: HttpRequest, body: dict[str, Any], status: int) -> HttpResponse:
        return api.create_response(request, body, status=status)

    def on_404(request: HttpRequest, exc: Any) -> HttpResponse:
        return respond(request, not_found_body(), 404)

    def on_403(request: HttpRequest, exc: Any) -> HttpResponse:
        return respond(
            request, _body(_("Bạn không có quyền thực hiện thao tác này."), "forbidden"), 403
        )

    def on_action_error(request: HttpRequest, exc: Any) -> HttpResponse:
        assert isinstance(exc, ActionError)
        return respond(request, _body(" ".join(exc.messages), "refused"), 400)

    def on_refusal(request: HttpRequest, exc: Any) -> HttpResponse:
        assert isinstance(exc, ApiRefusal)
        response = respond(request, _body(exc.detail, exc.code), exc.status)
        if exc.status == 401:
            response["WWW-Authenticate"] = "Bearer"
        return response

    def on_unauthenticated(request: HttpRequest, exc: Any) -> HttpResponse:
        message = _("Cần đăng nhập: gửi mã truy cập trong tiêu đề Authorization: Bearer.")
        response = respond(request, _body(message, "not_authenticated"), 401)
        response["WWW-Authenticate"] = "Bearer"
        return response

    def on_http_error(request: HttpRequest, exc: Any) -> HttpResponse:
        assert isinstance(exc, HttpError)
        if exc.status_code == 429:
            return respond(
                request, _body(_("Quá nhiều yêu cầu, hãy thử lại sau."), "throttled"), 429
            )
        if exc.status_code == 400:  # django-ninja: a body that is not JSON
            message = _("Nội dung gửi lên không phải JSON hợp lệ.")
            return respond(request, _body(message, "invalid_json"), 400)
        return respond(request, _body(_("Yêu cầu không hợp lệ."), "bad_request"), exc.status_code)

    def on_invalid(request: HttpRequest, exc: Any) -> HttpResponse:
        assert isinstance(exc, ValidationError)
        body = _body(_("Dữ liệu gửi lên không hợp lệ."), "invalid")
        body["errors"] = [
            {"field": _field_name(e), "message": _field_message(e)} for e in exc.errors
        ]
        return respond(request, body, 422)

    def on_crash(request: HttpRequest, exc: Any) -> HttpResponse:
        logger.exception("API error on %s %s", request.method, request.path)
        message = _("Lỗi máy chủ. Hãy thử lại sau; nếu vẫn lỗi, hãy báo cho nhà trường.")
        return respond(request, _body(message, "server_error"), 500)

    api.add_exception_handler(Exception, on_crash)
    api.add_exception_handler(Http404, on_404)
    api.add_exception_handler(PermissionDenied, on_403)
    api.add_exception_handler(ActionError, on_action_error)
    api.add_exception_handler(ApiRefusal, on_refusal)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(AuthenticationError, on_unauthenticated)
    api.add_exception_handler(ValidationError, on_invalid)

"""/api/v1: the versioned JSON API for the parents' mobile app and for integrations.

Bearer tokens only (no session cookies, hence no CSRF). Every error body is
``{"detail": "<Vietnamese message>", "code": "<code>"}`` (api.errors). The OpenAPI document is
served at /api/v1/openapi.json and committed at docs/api/openapi.json (a test compares them;
``python manage.py export_openapi`` rewrites the file).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.renderers import JSONRenderer

from hocbaso.api import errors
from hocbaso.api.resources import auth, children, classes, me, periods, profile, records
from hocbaso.api.tokens import BearerToken

DESCRIPTION = """API của hệ thống Học bạ số cấp Tiểu học, phiên bản 1.

Dành cho ứng dụng di động của cha mẹ học sinh và cho các hệ thống kết nối của nhà trường, Sở.
Xác thực bằng mã truy cập (`Authorization: Bearer <mã>`), lấy qua `POST /api/v1/auth/token`.
Mọi lỗi trả về `{"detail": "<thông báo>", "code": "<mã lỗi>"}`. Danh sách được phân trang bằng
`limit` (1–100) và `offset`. Xem docs/api.md."""

NAMESPACE = "api-v1"


class Utf8JSONRenderer(JSONRenderer):
    """Vietnamese text as UTF-8, not \\u escapes."""

    json_dumps_params = {"ensure_ascii": False}


# What each answer means, in the document (django-ninja writes the English reason phrase).
RESPONSE_DESCRIPTIONS = {
    "200": "Thành công.",
    "201": "Đã tạo.",
    "204": "Đã thực hiện (không có nội dung).",
    "400": "Yêu cầu bị từ chối hoặc nội dung không phải JSON; `detail` nói lí do.",
    "401": "Chưa xác thực: thiếu mã truy cập, mã sai, hết hạn hoặc đã thu hồi.",
    "403": "Không được phép.",
    "404": "Không tìm thấy (hoặc không thuộc quyền xem của bạn: hai trường hợp trả lời như nhau).",
    "409": "Xung đột với trạng thái hiện tại.",
    "422": "Tham số hoặc dữ liệu không hợp lệ; `errors` liệt kê từng trường.",
}


class HocbasoApi(NinjaAPI):
    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> Any:
        document = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for methods in document["paths"].values():
            for operation in methods.values():
                for status, response in operation["responses"].items():
                    english = HTTPStatus(int(status)).phrase
                    if response.get("description") == english:
                        response["description"] = RESPONSE_DESCRIPTIONS.get(str(status), english)
        return document

    def create_response(
        self,
        request: HttpRequest,
        data: Any,
        *,
        status: int | None = None,
        temporal_response: HttpResponse | None = None,
    ) -> HttpResponse:
        response = super().create_response(
            request, data, status=status, temporal_response=temporal_response
        )
        # Children's personal data: no cache may keep a copy (security.md G2).
        response["Cache-Control"] = "no-store"
        return response


def build_api() -> NinjaAPI:
    api = HocbasoApi(
        title="Học bạ số — API",
        version="1",
        description=DESCRIPTION,
        auth=BearerToken(),
        urls_namespace=NAMESPACE,
        openapi_url="/openapi.json",
        docs_url=None,
        renderer=Utf8JSONRenderer(),
    )
    errors.install(api)
    api.add_router("/auth", auth.router)
    api.add_router("/", me.router)
    api.add_router("/", children.router)
    api.add_router("/", periods.router)
    api.add_router("/", records.router)
    api.add_router("/", profile.router)
    api.add_router("/", classes.router)
    return api


api = build_api()

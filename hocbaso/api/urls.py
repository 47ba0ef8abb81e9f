"""Routes of the api app: /api/v1/ (hocbaso.api.v1), with a JSON index and a JSON 404 for any
other path under /api/ (never Django's HTML error page); and the web page of one's API tokens."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import URLPattern, URLResolver, path, re_path
from django.views.decorators.http import require_GET

from hocbaso.api import web
from hocbaso.api.errors import not_found_body
from hocbaso.api.v1 import api


def _json(body: dict[str, str], status: int = 200) -> JsonResponse:
    response = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def index(request: HttpRequest) -> JsonResponse:
    return _json({"title": api.title, "version": api.version, "openapi": "/api/v1/openapi.json"})


def not_found(request: HttpRequest, rest: str) -> JsonResponse:
    return _json(not_found_body(), status=404)


urlpatterns: list[URLPattern | URLResolver] = [
    path("api/v1/", index, name="api_index"),
    path("api/v1/", api.urls),
    re_path(r"^api/(?P<rest>.*)$", not_found, name="api_not_found"),
    # the web page of one's own tokens (a session page, in the access matrix)
    path("tai-khoan/ma-truy-cap-api/", web.token_list, name="api_tokens"),
    path("tai-khoan/ma-truy-cap-api/<int:pk>/thu-hoi/", web.token_revoke, name="api_token_revoke"),
]

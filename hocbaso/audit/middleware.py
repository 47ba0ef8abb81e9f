from __future__ import annotations

import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from hocbaso.audit.context import request_context


class RequestContextMiddleware:
    """Give each request an id (echoed in X-Request-ID) and remember the client IP for audit."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = uuid.uuid4().hex
        ip = request.META.get("REMOTE_ADDR")
        with request_context("web", ip=ip, request_id=request_id):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response

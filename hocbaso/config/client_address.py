"""The client's address behind trusted reverse proxies (docs/deploy.md).

With HOCBASO_TRUSTED_PROXY_COUNT = N > 0, the N-th address from the right of X-Forwarded-For
is the client (nginx writes `proxy_set_header X-Forwarded-For $remote_addr;`, so N = 1 behind one
nginx). The brute-force counters and the audit trail read REMOTE_ADDR, so it is rewritten here,
before them. With N = 0 (the default) the header is ignored: a client could forge it."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


def forwarded_client(header: str, proxy_count: int) -> str | None:
    """The address `proxy_count` hops from the right of an X-Forwarded-For value, or None."""
    hops = [part.strip() for part in header.split(",") if part.strip()]
    if proxy_count <= 0 or len(hops) < proxy_count:
        return None
    candidate = hops[-proxy_count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None


class ClientAddressMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        count = settings.TRUSTED_PROXY_COUNT
        if count > 0:
            client = forwarded_client(request.META.get("HTTP_X_FORWARDED_FOR", ""), count)
            if client is not None:
                request.META["REMOTE_ADDR"] = client
        return self.get_response(request)

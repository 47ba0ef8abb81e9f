"""The request context (request id, client IP) that every audit event records.

Set by RequestContextMiddleware for web requests; commands and tasks set their own with
`request_context(...)` so their events are traceable too.
"""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str
    ip: str | None
    origin: str  # "web", "command", "seed", "test"


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "hocbaso_request_context", default=None
)


def current() -> RequestContext:
    ctx = _current.get()
    if ctx is None:
        return RequestContext(request_id=uuid.uuid4().hex, ip=None, origin="internal")
    return ctx


@contextmanager
def request_context(
    origin: str, ip: str | None = None, request_id: str | None = None
) -> Iterator[RequestContext]:
    ctx = RequestContext(request_id=request_id or uuid.uuid4().hex, ip=ip, origin=origin)
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)

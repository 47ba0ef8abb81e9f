"""limit/offset pagination of every API list: ``?limit=`` (1–100, default 50) and ``?offset=``;
the answer carries ``count`` (all matching items), ``limit``, ``offset`` and ``items``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from django.db.models import QuerySet
from ninja import Field, Schema

DEFAULT_LIMIT = 50
MAX_LIMIT = 100
MAX_OFFSET = 1_000_000

T = TypeVar("T")


class PageParams(Schema):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Số mục mỗi trang (1–100).")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="Bỏ qua bao nhiêu mục đầu.")


class Page(Schema, Generic[T]):
    count: int = Field(..., description="Tổng số mục (mọi trang).")
    limit: int
    offset: int
    items: list[T]


def page_of(rows: QuerySet[Any] | Sequence[Any], params: PageParams) -> dict[str, Any]:
    """One page of ``rows``: a query set costs a COUNT and one SELECT of the page."""
    end = params.offset + params.limit
    count = rows.count() if isinstance(rows, QuerySet) else len(rows)
    return {
        "count": count,
        "limit": params.limit,
        "offset": params.offset,
        "items": list(rows[params.offset : end]),
    }

"""Pages of results: ``?page=1&page_size=50`` (at most 200 a page) →
``{"count", "page", "pages", "page_size", "next", "previous", "results"}``."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Schema
from pydantic import BaseModel

T = TypeVar("T")

MAX_PAGE_SIZE = 200


class PageQuery(Schema):
    page: int = Field(1, ge=1, le=1_000_000, description="Page number, from 1.")
    page_size: int = Field(50, ge=1, le=MAX_PAGE_SIZE, description="Items per page (at most 200).")


class Page(BaseModel, Generic[T]):
    count: int = Field(description="Items on all pages.")
    page: int
    pages: int
    page_size: int
    next: str | None = Field(description="Address of the next page, if any.")
    previous: str | None = Field(description="Address of the previous page, if any.")
    results: list[T]


def _link(request: HttpRequest, page: int) -> str:
    query = request.GET.copy()
    query["page"] = str(page)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


def paginate(
    request: HttpRequest,
    items: QuerySet[Any] | Sequence[Any],
    query: PageQuery,
    serialize: Callable[[list[Any]], list[Any]] = list,
) -> dict[str, Any]:
    """One page of ``items``; ``serialize`` turns the page's items into result objects (and may
    read what they need for the whole page at once)."""
    count = items.count() if isinstance(items, QuerySet) else len(items)
    pages = max(1, math.ceil(count / query.page_size))
    start = (query.page - 1) * query.page_size
    chosen = list(items[start : start + query.page_size]) if start < count else []
    return {
        "count": count,
        "page": query.page,
        "pages": pages,
        "page_size": query.page_size,
        "next": _link(request, query.page + 1) if query.page < pages else None,
        "previous": _link(request, min(query.page - 1, pages)) if query.page > 1 else None,
        "results": serialize(chosen),
    }
